// Agent routes (spec section 2), under /api/v1: self-service (register, heartbeat with the
// agent key) and administration.
#pragma once

#include "areas/agents/agent_service.hpp"
#include "http/router.hpp"

namespace sp::agents {

void RegisterRoutes(http::Router& router, AgentService& agents);

}  // namespace sp::agents
