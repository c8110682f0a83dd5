// What the user event hub carries (spec 34, BroadcastMessage): one event on one channel,
// with the user and session it concerns, which decide who may receive it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace sp::realtime {

// The hub's streams, one WebSocket route each (/api/v1/ws/<channel>).
namespace channel {
inline constexpr std::string_view kSessions = "sessions";
inline constexpr std::string_view kNotifications = "notifications";
inline constexpr std::string_view kMetrics = "metrics";
inline constexpr std::string_view kAlerts = "alerts";
}  // namespace channel

struct HubEvent {
  std::string channel;     // one of channel::*
  std::string event;       // "session.created", "alert.triggered", ...
  std::string session_id;  // empty: not about one session
  std::string user_id;     // empty: not about one user, so for operators and admins only
  std::string team_id;
  nlohmann::json data = nlohmann::json::object();
  std::string timestamp;  // RFC 3339

  // The wire form: {"type":"update","event",...,"data",...,"timestamp"}.
  std::string Serialize() const;
};

}  // namespace sp::realtime
