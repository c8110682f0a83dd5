#include "realtime/event_filter.hpp"

#include <algorithm>

namespace sp::realtime {
namespace {

constexpr size_t kMaxListEntries = 200;
constexpr size_t kMaxValueLength = 128;

Status ReadList(const nlohmann::json& filters, const char* key, std::vector<std::string>& out) {
  auto it = filters.find(key);
  if (it == filters.end() || it->is_null()) return Ok();
  if (!it->is_array() || it->size() > kMaxListEntries) {
    return Fail(Errc::kInvalidArgument,
                std::string("filters.") + key + " must be an array of at most 200 strings");
  }
  for (const auto& v : *it) {
    if (!v.is_string() || v.get_ref<const std::string&>().size() > kMaxValueLength) {
      return Fail(Errc::kInvalidArgument,
                  std::string("filters.") + key + " must hold strings of at most 128 characters");
    }
    out.push_back(v.get<std::string>());
  }
  return Ok();
}

Status ReadString(const nlohmann::json& filters, const char* key, std::string& out) {
  auto it = filters.find(key);
  if (it == filters.end() || it->is_null()) return Ok();
  if (!it->is_string() || it->get_ref<const std::string&>().size() > kMaxValueLength) {
    return Fail(Errc::kInvalidArgument,
                std::string("filters.") + key + " must be a string of at most 128 characters");
  }
  out = it->get<std::string>();
  return Ok();
}

bool TypeMatches(const std::string& pattern, const std::string& event) {
  if (pattern.size() >= 2 && pattern.ends_with(".*")) {
    return event.starts_with(std::string_view(pattern).substr(0, pattern.size() - 1));
  }
  return pattern == "*" || pattern == event;
}

}  // namespace

Result<EventFilter> ParseEventFilter(const nlohmann::json& filters,
                                     const auth::Principal& principal) {
  EventFilter f;
  if (filters.is_null()) return f;
  if (!filters.is_object()) {
    return Fail(Errc::kInvalidArgument,
                "filters must be an object with sessionIds, userId, "
                "teamId and eventTypes");
  }
  if (auto st = ReadList(filters, "sessionIds", f.session_ids); !st) return Fail(st.error());
  if (auto st = ReadString(filters, "userId", f.user_id); !st) return Fail(st.error());
  if (auto st = ReadString(filters, "teamId", f.team_id); !st) return Fail(st.error());
  if (auto st = ReadList(filters, "eventTypes", f.event_types); !st) return Fail(st.error());
  if (!f.user_id.empty() && !principal.IsOperator() && f.user_id != principal.user_id) {
    return Fail(Errc::kPermissionDenied, "you may only subscribe to your own events");
  }
  return f;
}

bool Delivers(const auth::Principal& principal, const EventFilter& filter, const HubEvent& event) {
  // Authorisation first: filters narrow, they never widen.
  if (!principal.IsOperator() && (event.user_id.empty() || event.user_id != principal.user_id)) {
    return false;
  }
  if (!filter.user_id.empty() && event.user_id != filter.user_id) return false;
  if (!filter.team_id.empty() && event.team_id != filter.team_id) return false;
  if (!filter.session_ids.empty() && std::find(filter.session_ids.begin(), filter.session_ids.end(),
                                               event.session_id) == filter.session_ids.end()) {
    return false;
  }
  if (!filter.event_types.empty() &&
      std::none_of(filter.event_types.begin(), filter.event_types.end(),
                   [&](const std::string& p) { return TypeMatches(p, event.event); })) {
    return false;
  }
  return true;
}

}  // namespace sp::realtime
