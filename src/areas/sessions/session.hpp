// Sessions: domain types and the state machine of DESIGN.md:
//   pending -> starting -> running <-> hibernated (through hibernating / waking)
//   -> stopping -> stopped; any state -> failed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace sp::sessions {

namespace state {
inline constexpr std::string_view kPending = "pending";
inline constexpr std::string_view kStarting = "starting";
inline constexpr std::string_view kRunning = "running";
inline constexpr std::string_view kHibernating = "hibernating";
inline constexpr std::string_view kHibernated = "hibernated";
inline constexpr std::string_view kWaking = "waking";
inline constexpr std::string_view kStopping = "stopping";
inline constexpr std::string_view kStopped = "stopped";
inline constexpr std::string_view kFailed = "failed";
}  // namespace state

// kFailedPrecondition with a message that says why, when `from` may not become `to`.
Status CheckTransition(std::string_view from, std::string_view to);
bool IsValidState(std::string_view s);
// Counted against quotas (spec 22.4): pending, starting, running; and waking, which is
// about to run.
bool CountsAgainstQuota(std::string_view s);

struct Session {
  std::string id;
  std::string user_id;
  std::string username;  // joined
  std::string template_id;
  std::string template_name;
  std::string state{state::kPending};
  std::string state_reason;
  std::optional<std::string> agent_id;
  std::string agent_status;  // joined: the hosting agent's status
  std::vector<std::string> tags;
  int64_t cpu_millicores = 0;
  int64_t memory_mib = 0;
  int64_t idle_timeout_s = 1800;
  std::string protocol = "vnc";
  nlohmann::json endpoint = nlohmann::json::object();
  std::string created_at;
  std::string updated_at;
  std::optional<std::string> started_at;
  std::optional<std::string> hibernated_at;
  std::optional<std::string> stopped_at;
  std::optional<std::string> last_activity;
};

struct SessionFilter {
  std::optional<std::string> user_id;  // admins/operators only; others see their own
  std::optional<std::string> state;
  std::optional<std::string> tag;
  bool include_stopped = false;
};

struct CreateSessionRequest {
  std::string template_ref;  // id or name
  std::optional<int64_t> cpu_millicores;
  std::optional<int64_t> memory_mib;
  std::vector<std::string> tags;
  std::optional<int64_t> idle_timeout_s;
};

struct UpdateSessionRequest {
  std::optional<std::string> state;  // "hibernated" or "running"
  std::optional<std::vector<std::string>> tags;
  std::optional<int64_t> cpu_millicores;
  std::optional<int64_t> memory_mib;
  std::optional<int64_t> idle_timeout_s;
};

struct ConnectInfo {
  std::string path;  // /api/v1/sessions/<id>/vnc?token=...
  std::string token;
  std::string protocol;
  std::string expires_at;
  std::string state;
};

struct Activity {
  std::string session_id;
  bool is_active = false;
  bool is_idle = false;
  std::optional<std::string> last_activity;
  int64_t idle_duration_s = 0;
  int64_t idle_threshold_s = 0;
  bool should_hibernate = false;
  int viewers = 0;
};

}  // namespace sp::sessions
