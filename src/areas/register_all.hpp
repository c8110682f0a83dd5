// The table of contents of the REST API: every area registers its own routes, one line each.
#pragma once

#include "http/router.hpp"

namespace sp::apikeys { class ApiKeyService; }
namespace sp::authn { class AuthService; class SetupService; }
namespace sp::groups { class GroupService; }
namespace sp::users { class UserService; }

namespace sp::areas {

struct Services {
  apikeys::ApiKeyService& apikeys;
  authn::AuthService& auth;
  authn::SetupService& setup;
  groups::GroupService& groups;
  users::UserService& users;
};

void RegisterAll(http::Router& router, Services s);

}  // namespace sp::areas
