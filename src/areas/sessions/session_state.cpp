#include <array>
#include <utility>

#include "areas/sessions/session.hpp"

namespace sp::sessions {
namespace {

struct Edge {
  std::string_view from;
  std::string_view to;
};

// Every legal move. Anything may fail; `failed` may be woken (a restart) or deleted.
constexpr std::array kEdges = {
    Edge{state::kPending, state::kStarting},     Edge{state::kPending, state::kRunning},
    Edge{state::kPending, state::kStopping},     Edge{state::kStarting, state::kRunning},
    Edge{state::kStarting, state::kStopping},    Edge{state::kRunning, state::kHibernating},
    Edge{state::kRunning, state::kStopping},     Edge{state::kHibernating, state::kHibernated},
    Edge{state::kHibernating, state::kStopping}, Edge{state::kHibernated, state::kWaking},
    Edge{state::kHibernated, state::kStopping},  Edge{state::kWaking, state::kRunning},
    Edge{state::kWaking, state::kStopping},      Edge{state::kStopping, state::kStopped},
    Edge{state::kFailed, state::kWaking},        Edge{state::kFailed, state::kStopping},
    Edge{state::kFailed, state::kStopped},
};

constexpr std::array kStates = {state::kPending,     state::kStarting,   state::kRunning,
                                state::kHibernating, state::kHibernated, state::kWaking,
                                state::kStopping,    state::kStopped,    state::kFailed};

std::string Why(std::string_view from, std::string_view to) {
  const std::string f(from);
  if (to == state::kHibernating) {
    if (from == state::kHibernated || from == state::kHibernating) {
      return "session is already " + f;
    }
    return "only a running session can be hibernated; this one is " + f;
  }
  if (to == state::kWaking) {
    if (from == state::kRunning || from == state::kWaking) return "session is already " + f;
    return "only a hibernated session can be woken; this one is " + f;
  }
  if (to == state::kStopping) return "session is already " + f;
  return "session cannot go from " + f + " to " + std::string(to);
}

}  // namespace

bool IsValidState(std::string_view s) {
  for (auto v : kStates) {
    if (v == s) return true;
  }
  return false;
}

Status CheckTransition(std::string_view from, std::string_view to) {
  if (to == state::kFailed && from != state::kStopped) return Ok();
  for (const auto& e : kEdges) {
    if (e.from == from && e.to == to) return Ok();
  }
  return Fail(Errc::kFailedPrecondition, Why(from, to));
}

bool CountsAgainstQuota(std::string_view s) {
  return s == state::kPending || s == state::kStarting || s == state::kRunning ||
         s == state::kWaking;
}

}  // namespace sp::sessions
