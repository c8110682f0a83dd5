#include "areas/register_all.hpp"

#include "areas/apikeys/api_key_routes.hpp"
#include "areas/auth/auth_routes.hpp"
#include "areas/groups/group_routes.hpp"
#include "areas/users/user_routes.hpp"

namespace sp::areas {

void RegisterAll(http::Router& router, Services s) {
  apikeys::RegisterRoutes(router, s.apikeys);
  authn::RegisterRoutes(router, s.auth, s.setup);
  groups::RegisterRoutes(router, s.groups);
  users::RegisterRoutes(router, s.users);
}

}  // namespace sp::areas
