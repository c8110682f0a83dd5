// Session activity routes (spec section 27), under /api/v1 with the "sessions" scope family:
//   POST /sessions/:id/activity/log       log an event (201)
//   GET  /sessions/:id/activity/timeline  the session's events, oldest first, paginated
//   GET  /sessions/:id/activity/stats     counts by type, category and hour of day
//   GET  /sessions/:id/activity/export    ?format=json|csv, as a download
//   GET  /users/:id/session-activity      events of every session of one user, newest first
// The user route's parameter is `:id`, not the spec's `:userId`: the router requires one name
// per path position and the users area already registers /users/:id.
#pragma once

#include "areas/session_events/session_event_service.hpp"
#include "http/router.hpp"

namespace sp::session_events {

void RegisterRoutes(http::Router& router, SessionEventService& events);

}  // namespace sp::session_events
