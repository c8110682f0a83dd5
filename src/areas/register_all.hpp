// The table of contents of the REST API: every area registers its own routes, one line each.
#pragma once

#include "http/router.hpp"

namespace sp::agents {
class AgentService;
}
namespace sp::apikeys {
class ApiKeyService;
}
namespace sp::authn {
class AuthService;
class SetupService;
}  // namespace sp::authn
namespace sp::groups {
class GroupService;
}
namespace sp::session_events {
class SessionEventService;
}
namespace sp::sessions {
class SessionService;
}
namespace sp::templates {
class TemplateService;
}
namespace sp::users {
class UserService;
}

namespace sp::areas {

struct Services {
  agents::AgentService& agents;
  apikeys::ApiKeyService& apikeys;
  authn::AuthService& auth;
  authn::SetupService& setup;
  groups::GroupService& groups;
  session_events::SessionEventService& session_events;
  sessions::SessionService& sessions;
  templates::TemplateService& templates;
  users::UserService& users;
};

void RegisterAll(http::Router& router, Services s);

}  // namespace sp::areas
