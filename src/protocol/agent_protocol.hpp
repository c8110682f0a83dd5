// Agent protocol, version 1 (DESIGN.md): JSON text frames on one WebSocket per agent,
// each with a "type". Shared by the control plane and the agent so both sides agree on
// every key.
//
// agent -> control plane: register, heartbeat, ack, complete, failed, status,
//                         sessions_report
// control plane -> agent: registered, command, ping, shutdown
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace sp::protocol {

inline constexpr int kVersion = 1;

namespace msg {
inline constexpr std::string_view kRegister = "register";
inline constexpr std::string_view kHeartbeat = "heartbeat";
inline constexpr std::string_view kAck = "ack";
inline constexpr std::string_view kComplete = "complete";
inline constexpr std::string_view kFailed = "failed";
inline constexpr std::string_view kStatus = "status";
inline constexpr std::string_view kSessionsReport = "sessions_report";
inline constexpr std::string_view kRegistered = "registered";
inline constexpr std::string_view kCommand = "command";
inline constexpr std::string_view kPing = "ping";
inline constexpr std::string_view kShutdown = "shutdown";
}  // namespace msg

namespace action {
inline constexpr std::string_view kStartSession = "start_session";
inline constexpr std::string_view kStopSession = "stop_session";
inline constexpr std::string_view kHibernateSession = "hibernate_session";
inline constexpr std::string_view kWakeSession = "wake_session";
inline constexpr std::string_view kDeleteSession = "delete_session";
inline constexpr std::string_view kOpenTunnel = "open_tunnel";
}  // namespace action

struct Capacity {
  int64_t max_sessions = 0;
  std::string cpu;
  std::string memory;
  std::string storage;
};

struct SessionReport {
  std::string session_id;
  std::string state;  // running, hibernated, stopped, failed
  std::string details;
};

struct Command {
  std::string command_id;
  std::string action;
  std::string session_id;
  nlohmann::json payload = nlohmann::json::object();
};

nlohmann::json ToJson(const Capacity& c);
Capacity CapacityFromJson(const nlohmann::json& j);

// Builders for each message; every message carries "type".
std::string RegisterMessage(const std::string& agent_id, const std::string& platform,
                            const std::string& region, const std::string& version,
                            const Capacity& capacity);
std::string HeartbeatMessage(const Capacity& capacity, int64_t active_sessions, bool draining);
std::string AckMessage(const std::string& command_id);
std::string CompleteMessage(const std::string& command_id, const nlohmann::json& result);
std::string FailedMessage(const std::string& command_id, const std::string& error);
std::string StatusMessage(const SessionReport& report);
std::string SessionsReportMessage(const std::vector<SessionReport>& sessions);
std::string CommandMessage(const Command& command);
std::string RegisteredMessage(int heartbeat_interval_s);

// Parses a frame: a JSON object with a string "type". kInvalidArgument otherwise.
Result<nlohmann::json> ParseMessage(std::string_view frame);
Result<Command> CommandFromJson(const nlohmann::json& j);
std::vector<SessionReport> ReportsFromJson(const nlohmann::json& j);

}  // namespace sp::protocol
