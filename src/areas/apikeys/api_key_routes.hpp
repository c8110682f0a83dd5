// API key routes (spec section 3), under /api/v1.
#pragma once

#include "areas/apikeys/api_key_service.hpp"
#include "http/router.hpp"

namespace sp::apikeys {

void RegisterRoutes(http::Router& router, ApiKeyService& keys);

}  // namespace sp::apikeys
