#include "areas/register_all.hpp"

#include "areas/agents/agent_routes.hpp"
#include "areas/apikeys/api_key_routes.hpp"
#include "areas/auth/auth_routes.hpp"
#include "areas/groups/group_routes.hpp"
#include "areas/session_events/session_event_routes.hpp"
#include "areas/sessions/session_routes.hpp"
#include "areas/templates/template_routes.hpp"
#include "areas/users/user_routes.hpp"

namespace sp::areas {

void RegisterAll(http::Router& router, Services s) {
  agents::RegisterRoutes(router, s.agents);
  apikeys::RegisterRoutes(router, s.apikeys);
  authn::RegisterRoutes(router, s.auth, s.setup);
  groups::RegisterRoutes(router, s.groups);
  session_events::RegisterRoutes(router, s.session_events);
  sessions::RegisterRoutes(router, s.sessions);
  templates::RegisterRoutes(router, s.templates);
  users::RegisterRoutes(router, s.users);
}

}  // namespace sp::areas
