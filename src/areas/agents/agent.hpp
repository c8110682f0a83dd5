// Agents and their command queue: domain types.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/agent_protocol.hpp"

namespace sp::agents {

namespace status {
inline constexpr std::string_view kPending = "pending";  // registered, awaiting approval
inline constexpr std::string_view kOnline = "online";
inline constexpr std::string_view kDegraded = "degraded";  // 3 heartbeats missed
inline constexpr std::string_view kOffline = "offline";    // 6 missed, or disconnected
inline constexpr std::string_view kDraining = "draining";  // takes no new sessions
inline constexpr std::string_view kRejected = "rejected";
}  // namespace status

namespace command_status {
inline constexpr std::string_view kPending = "pending";
inline constexpr std::string_view kSent = "sent";
inline constexpr std::string_view kAck = "ack";
inline constexpr std::string_view kCompleted = "completed";
inline constexpr std::string_view kFailed = "failed";
}  // namespace command_status

inline constexpr std::string_view kAgentKeyPrefix = "ak_";
// The built-in local agent of `streamspace serve`.
inline constexpr std::string_view kBuiltinAgentId = "builtin-local";

struct Agent {
  std::string id;
  std::string agent_id;
  std::string platform;
  std::string region;
  std::string status{status::kPending};
  bool approved = false;
  protocol::Capacity capacity;
  int64_t active_sessions = 0;
  nlohmann::json metadata = nlohmann::json::object();
  std::string version;
  std::optional<std::string> api_key_hash;
  std::optional<std::string> api_key_created_at;
  std::optional<std::string> last_heartbeat;
  std::string created_at;
  std::string updated_at;
};

struct AgentCommand {
  std::string id;
  std::string command_id;
  std::string agent_id;
  std::optional<std::string> session_id;
  std::string action;
  nlohmann::json payload = nlohmann::json::object();
  std::string status{command_status::kPending};
  std::optional<nlohmann::json> result;
  std::optional<std::string> error_message;
  int64_t attempts = 0;
  std::string created_at;
  std::optional<std::string> sent_at;
  std::optional<std::string> acknowledged_at;
  std::optional<std::string> completed_at;
};

struct AgentFilter {
  std::optional<std::string> platform;
  std::optional<std::string> status;
  std::optional<std::string> region;
};

struct RegisterRequest {
  std::string agent_id;
  std::string platform;
  std::string region;
  protocol::Capacity capacity;
  nlohmann::json metadata = nlohmann::json::object();
  std::string version;
};

}  // namespace sp::agents
