// Users area routes (spec section 33), under /api/v1.
#pragma once

#include "areas/users/user_service.hpp"
#include "http/router.hpp"

namespace sp::users {

void RegisterRoutes(http::Router& router, UserService& users);

}  // namespace sp::users
