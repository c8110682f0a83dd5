// Session routes, under /api/v1: the session resource, its state changes, connect,
// heartbeat and activity status (spec sections 1 and the sessions issue).
#pragma once

#include "areas/sessions/session_service.hpp"
#include "http/router.hpp"

namespace sp::sessions {

void RegisterRoutes(http::Router& router, SessionService& sessions);

}  // namespace sp::sessions
