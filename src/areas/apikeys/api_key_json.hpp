// API keys on the wire (spec section 3: APIKey, CreateAPIKeyRequest). The hash never
// appears; the secret appears only in the create and rotate responses.
#pragma once

#include <nlohmann/json.hpp>

#include "areas/apikeys/api_key.hpp"
#include "common/error.hpp"

namespace sp::apikeys {

nlohmann::json ToJson(const ApiKey& k);
nlohmann::json UsageJson(const ApiKey& k);
nlohmann::json IssuedJson(const IssuedKey& issued);
Result<CreateApiKeyRequest> ParseCreate(std::string_view body);
Result<UpdateApiKeyRequest> ParseUpdate(std::string_view body);

}  // namespace sp::apikeys
