#include "areas/agents/agent_json.hpp"

namespace sp::agents {

using nlohmann::json;

json ToJson(const Agent& a, bool connected) {
  json j = {{"id", a.id},
            {"agentId", a.agent_id},
            {"platform", a.platform},
            {"status", a.status},
            {"approved", a.approved},
            {"connected", connected},
            {"capacity", protocol::ToJson(a.capacity)},
            {"activeSessions", a.active_sessions},
            {"metadata", a.metadata},
            {"createdAt", a.created_at},
            {"updatedAt", a.updated_at}};
  if (!a.region.empty()) j["region"] = a.region;
  if (!a.version.empty()) j["version"] = a.version;
  if (a.last_heartbeat) j["lastHeartbeat"] = *a.last_heartbeat;
  j["hasKey"] = a.api_key_hash.has_value();
  return j;
}

json ToJson(const AgentCommand& c) {
  json j = {{"id", c.id},
            {"commandId", c.command_id},
            {"agentId", c.agent_id},
            {"action", c.action},
            {"payload", c.payload},
            {"status", c.status},
            {"attempts", c.attempts},
            {"createdAt", c.created_at}};
  if (c.session_id) j["sessionId"] = *c.session_id;
  if (c.error_message) j["errorMessage"] = *c.error_message;
  if (c.result) j["result"] = *c.result;
  if (c.sent_at) j["sentAt"] = *c.sent_at;
  if (c.acknowledged_at) j["acknowledgedAt"] = *c.acknowledged_at;
  if (c.completed_at) j["completedAt"] = *c.completed_at;
  return j;
}

namespace {

bool IsAgentIdChar(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '-' || ch == '_' || ch == '.';
}

}  // namespace

Result<RegisterRequest> ParseRegister(std::string_view body) {
  http::JsonReader r(body);
  RegisterRequest req;
  req.agent_id = r.String("agentId", {.required = true, .min = 3, .max = 100}).value_or("");
  req.platform = r.String("platform", {.required = true, .one_of = kPlatforms}).value_or("");
  req.region = r.String("region", {.min = 2, .max = 50}).value_or("");
  req.version = r.String("version", {.max = 50}).value_or("");
  if (r.ok()) {
    for (char ch : req.agent_id) {
      if (!IsAgentIdChar(ch)) {
        r.Reject("agentId", "may contain only letters, digits, '-', '_' and '.'");
        break;
      }
    }
  }
  if (auto st = r.Finish(); !st) return Fail(st.error());
  auto j = json::parse(body, nullptr, false);
  if (auto it = j.find("capacity"); it != j.end()) {
    if (!it->is_object()) {
      return Fail(Errc::kInvalidArgument, "field 'capacity': must be an object");
    }
    req.capacity = protocol::CapacityFromJson(*it);
    if (req.capacity.max_sessions < 0 || req.capacity.max_sessions > 100000) {
      return Fail(Errc::kInvalidArgument, "field 'capacity.maxSessions': must be 0 to 100000");
    }
  }
  if (auto it = j.find("metadata"); it != j.end() && !it->is_null()) {
    if (!it->is_object() || it->dump().size() > 16384) {
      return Fail(Errc::kInvalidArgument, "field 'metadata': must be an object under 16 KiB");
    }
    req.metadata = *it;
  }
  return req;
}

}  // namespace sp::agents
