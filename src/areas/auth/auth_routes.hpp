// Auth routes: the setup wizard (public), login and refresh (public), logout.
#pragma once

#include "areas/auth/auth_service.hpp"
#include "areas/auth/setup_service.hpp"
#include "http/router.hpp"

namespace sp::authn {

void RegisterRoutes(http::Router& router, AuthService& auth, SetupService& setup);

}  // namespace sp::authn
