// Subscription filters of the user event hub (spec 34, SubscriptionFilters) and the rule
// that decides whether one client receives one event. Filters only ever narrow what a
// client's principal may see: users get events about themselves, operators and admins get
// everything.
#pragma once

#include <string>
#include <vector>

#include "auth/principal.hpp"
#include "common/error.hpp"
#include "realtime/hub_event.hpp"

namespace sp::realtime {

struct EventFilter {
  std::vector<std::string> session_ids;  // empty: any session
  std::string user_id;                   // empty: any user the principal may see
  std::string team_id;                   // empty: any team
  std::vector<std::string> event_types;  // empty: any; "session.*" matches a prefix
};

// Reads {"sessionIds": [...], "userId": "", "teamId": "", "eventTypes": [...]}; rejects
// wrong types, oversized lists, and a user filter naming someone the principal may not watch.
Result<EventFilter> ParseEventFilter(const nlohmann::json& filters,
                                     const auth::Principal& principal);

// Whether `principal`, subscribed with `filter`, receives `event`.
bool Delivers(const auth::Principal& principal, const EventFilter& filter, const HubEvent& event);

}  // namespace sp::realtime
