#include "areas/sessions/session_json.hpp"

#include "areas/quotas/quota_limits.hpp"
#include "http/json_reader.hpp"

namespace sp::sessions {

using nlohmann::json;

json ToJson(const Session& s) {
  json j = {{"id", s.id},
            {"userId", s.user_id},
            {"user", s.username},
            {"template", s.template_name},
            {"templateId", s.template_id},
            {"state", s.state},
            {"tags", s.tags},
            {"resources",
             {{"cpu", quotas::FormatCpu(s.cpu_millicores)},
              {"memory", quotas::FormatMemory(s.memory_mib)}}},
            {"idleTimeout", s.idle_timeout_s},
            {"protocol", s.protocol},
            {"createdAt", s.created_at},
            {"updatedAt", s.updated_at}};
  if (!s.state_reason.empty()) j["stateReason"] = s.state_reason;
  if (s.agent_id) {
    j["agent"] = *s.agent_id;
    j["agentStatus"] = s.agent_status;
  }
  if (s.started_at) j["startedAt"] = *s.started_at;
  if (s.hibernated_at) j["hibernatedAt"] = *s.hibernated_at;
  if (s.stopped_at) j["stoppedAt"] = *s.stopped_at;
  if (s.last_activity) j["lastActivity"] = *s.last_activity;
  return j;
}

json ToJson(const Activity& a) {
  return {{"sessionId", a.session_id},
          {"isActive", a.is_active},
          {"isIdle", a.is_idle},
          {"lastActivity", a.last_activity ? json(*a.last_activity) : json()},
          {"idleDuration", a.idle_duration_s},
          {"idleThreshold", a.idle_threshold_s},
          {"shouldHibernate", a.should_hibernate},
          {"viewers", a.viewers}};
}

json ToJson(const ConnectInfo& c, std::string_view host) {
  json j = {{"path", c.path},
            {"token", c.token},
            {"protocol", c.protocol},
            {"expiresAt", c.expires_at},
            {"state", c.state}};
  // Behind a TLS proxy the browser turns the relative path into wss:// itself; the absolute
  // URL is for clients that need one.
  j["url"] = host.empty() ? c.path : "ws://" + std::string(host) + c.path;
  return j;
}

namespace {

void ReadResources(http::JsonReader& r, std::string_view body, std::optional<int64_t>& cpu,
                   std::optional<int64_t>& memory) {
  if (!r.Has("resources")) return;
  auto j = json::parse(body, nullptr, false);
  const json& res = j["resources"];
  if (!res.is_object()) {
    r.Reject("resources", "must be an object with cpu and memory");
    return;
  }
  if (auto it = res.find("cpu"); it != res.end()) {
    auto v = quotas::ParseCpuMillicores(*it);
    if (!v || *v < 100 || *v > 64000) {
      r.Reject("resources.cpu", "must be a CPU quantity from 100m to 64");
      return;
    }
    cpu = *v;
  }
  if (auto it = res.find("memory"); it != res.end()) {
    auto v = quotas::ParseMemoryMib(*it);
    if (!v || *v < 128 || *v > 262144) {
      r.Reject("resources.memory", "must be a memory quantity from 128Mi to 256Gi");
      return;
    }
    memory = *v;
  }
}

constexpr http::StringRule kTagRule{.min = 1, .max = 50};
constexpr http::IntRule kIdleRule{.min = 10, .max = 604800};

}  // namespace

Result<CreateSessionRequest> ParseCreate(std::string_view body) {
  http::JsonReader r(body);
  CreateSessionRequest req;
  req.template_ref = r.String("template", {.required = true, .min = 1, .max = 100}).value_or("");
  req.tags = r.StringList("tags", kTagRule, 20).value_or(std::vector<std::string>{});
  req.idle_timeout_s = r.Int("idleTimeout", kIdleRule);
  ReadResources(r, body, req.cpu_millicores, req.memory_mib);
  if (auto st = r.Finish(); !st) return Fail(st.error());
  return req;
}

Result<UpdateSessionRequest> ParseUpdate(std::string_view body) {
  http::JsonReader r(body);
  UpdateSessionRequest req;
  req.state = r.String("state", {.one_of = {"hibernated", "running"}});
  req.tags = r.StringList("tags", kTagRule, 20);
  req.idle_timeout_s = r.Int("idleTimeout", kIdleRule);
  ReadResources(r, body, req.cpu_millicores, req.memory_mib);
  if (auto st = r.Finish(); !st) return Fail(st.error());
  return req;
}

}  // namespace sp::sessions
