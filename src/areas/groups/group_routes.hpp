// Groups area routes (spec section 13), under /api/v1.
#pragma once

#include "areas/groups/group_service.hpp"
#include "http/router.hpp"

namespace sp::groups {

void RegisterRoutes(http::Router& router, GroupService& groups);

}  // namespace sp::groups
