#include "areas/apikeys/api_key_json.hpp"

#include "http/json_reader.hpp"

namespace sp::apikeys {

nlohmann::json ToJson(const ApiKey& k) {
  nlohmann::json j = {{"id", k.id},
                      {"keyPrefix", k.key_prefix},
                      {"name", k.name},
                      {"userId", k.user_id},
                      {"rateLimit", k.rate_limit},
                      {"useCount", k.use_count},
                      {"isActive", k.is_active},
                      {"createdAt", k.created_at}};
  if (!k.description.empty()) j["description"] = k.description;
  if (!k.scopes.empty()) j["scopes"] = k.scopes;
  if (k.expires_at) j["expiresAt"] = *k.expires_at;
  if (k.last_used_at) j["lastUsedAt"] = *k.last_used_at;
  if (!k.created_by.empty()) j["createdBy"] = k.created_by;
  return j;
}

nlohmann::json UsageJson(const ApiKey& k) {
  return {{"id", k.id},
          {"keyPrefix", k.key_prefix},
          {"name", k.name},
          {"useCount", k.use_count},
          {"lastUsedAt", k.last_used_at ? nlohmann::json(*k.last_used_at) : nlohmann::json()},
          {"rateLimit", k.rate_limit},
          {"isActive", k.is_active},
          {"expiresAt", k.expires_at ? nlohmann::json(*k.expires_at) : nlohmann::json()},
          {"createdAt", k.created_at}};
}

nlohmann::json IssuedJson(const IssuedKey& issued) {
  return {{"key", issued.secret},
          {"apiKey", ToJson(issued.key)},
          {"message", "Store this key now: it will not be shown again."}};
}

namespace {
constexpr http::StringRule kScopeRule{.min = 3, .max = 50};
}

Result<CreateApiKeyRequest> ParseCreate(std::string_view body) {
  http::JsonReader r(body);
  CreateApiKeyRequest req;
  req.name = r.String("name", {.required = true, .min = 3, .max = 100}).value_or("");
  req.description = r.String("description", {.max = 500}).value_or("");
  req.scopes = r.StringList("scopes", kScopeRule, 50).value_or(std::vector<std::string>{});
  req.rate_limit = r.Int("rateLimit", {.min = 0, .max = 100000}).value_or(0);
  req.expires_in = r.String("expiresIn", {.min = 2, .max = 10});
  if (auto st = r.Finish(); !st) return Fail(st.error());
  return req;
}

Result<UpdateApiKeyRequest> ParseUpdate(std::string_view body) {
  http::JsonReader r(body);
  UpdateApiKeyRequest req;
  req.name = r.String("name", {.min = 3, .max = 100});
  req.description = r.String("description", {.max = 500});
  req.scopes = r.StringList("scopes", kScopeRule, 50);
  req.rate_limit = r.Int("rateLimit", {.min = 0, .max = 100000});
  if (r.Has("expiresIn")) r.Reject("expiresIn", "cannot be changed; create a new key instead");
  if (auto st = r.Finish(); !st) return Fail(st.error());
  return req;
}

}  // namespace sp::apikeys
