#include "protocol/agent_protocol.hpp"

namespace sp::protocol {

using nlohmann::json;

json ToJson(const Capacity& c) {
  json j = {{"maxSessions", c.max_sessions}, {"cpu", c.cpu}, {"memory", c.memory}};
  if (!c.storage.empty()) j["storage"] = c.storage;
  return j;
}

Capacity CapacityFromJson(const json& j) {
  Capacity c;
  if (!j.is_object()) return c;
  if (auto it = j.find("maxSessions"); it != j.end() && it->is_number_integer()) {
    c.max_sessions = it->get<int64_t>();
  }
  auto str = [&](const char* key, std::string& out) {
    if (auto it = j.find(key); it != j.end() && it->is_string()) out = it->get<std::string>();
  };
  str("cpu", c.cpu);
  str("memory", c.memory);
  str("storage", c.storage);
  return c;
}

std::string RegisterMessage(const std::string& agent_id, const std::string& platform,
                            const std::string& region, const std::string& version,
                            const Capacity& capacity) {
  return json{{"type", msg::kRegister},      {"protocol", kVersion}, {"agent_id", agent_id},
              {"platform", platform},        {"region", region},     {"version", version},
              {"capacity", ToJson(capacity)}}
      .dump();
}

std::string HeartbeatMessage(const Capacity& capacity, int64_t active_sessions, bool draining) {
  return json{{"type", msg::kHeartbeat},
              {"capacity", ToJson(capacity)},
              {"active_sessions", active_sessions},
              {"status", draining ? "draining" : "online"}}
      .dump();
}

std::string AckMessage(const std::string& command_id) {
  return json{{"type", msg::kAck}, {"command_id", command_id}}.dump();
}

std::string CompleteMessage(const std::string& command_id, const json& result) {
  return json{{"type", msg::kComplete}, {"command_id", command_id}, {"result", result}}.dump();
}

std::string FailedMessage(const std::string& command_id, const std::string& error) {
  return json{{"type", msg::kFailed}, {"command_id", command_id}, {"error", error}}.dump();
}

std::string StatusMessage(const SessionReport& r) {
  return json{{"type", msg::kStatus},
              {"session_id", r.session_id},
              {"state", r.state},
              {"details", r.details}}
      .dump();
}

std::string SessionsReportMessage(const std::vector<SessionReport>& sessions) {
  json list = json::array();
  for (const auto& r : sessions) {
    list.push_back({{"session_id", r.session_id}, {"state", r.state}, {"details", r.details}});
  }
  return json{{"type", msg::kSessionsReport}, {"sessions", list}}.dump();
}

std::string CommandMessage(const Command& c) {
  return json{{"type", msg::kCommand},
              {"command_id", c.command_id},
              {"action", c.action},
              {"session_id", c.session_id},
              {"payload", c.payload}}
      .dump();
}

std::string RegisteredMessage(int heartbeat_interval_s) {
  return json{{"type", msg::kRegistered},
              {"protocol", kVersion},
              {"heartbeat_interval", heartbeat_interval_s}}
      .dump();
}

Result<json> ParseMessage(std::string_view frame) {
  json j = json::parse(frame, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(Errc::kInvalidArgument, "agent message is not a JSON object");
  }
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) {
    return Fail(Errc::kInvalidArgument, "agent message has no type");
  }
  return j;
}

Result<Command> CommandFromJson(const json& j) {
  Command c;
  auto str = [&](const char* key, std::string& out) {
    if (auto it = j.find(key); it != j.end() && it->is_string()) out = it->get<std::string>();
  };
  str("command_id", c.command_id);
  str("action", c.action);
  str("session_id", c.session_id);
  if (auto it = j.find("payload"); it != j.end() && it->is_object()) c.payload = *it;
  if (c.command_id.empty() || c.action.empty()) {
    return Fail(Errc::kInvalidArgument, "command without command_id or action");
  }
  return c;
}

std::vector<SessionReport> ReportsFromJson(const json& j) {
  std::vector<SessionReport> out;
  auto it = j.find("sessions");
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& s : *it) {
    if (!s.is_object()) continue;
    SessionReport r;
    r.session_id = s.value("session_id", "");
    r.state = s.value("state", "");
    r.details = s.value("details", "");
    if (!r.session_id.empty()) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace sp::protocol
