// API keys: the rules. Owners manage their own keys (others' are 404), admins list all.
// Authenticate() turns a presented key into a Principal: unknown, revoked, expired keys and
// keys of deactivated users are refused; each use is counted and rate-limited per key.
#pragma once

#include <string>
#include <vector>

#include "areas/apikeys/api_key.hpp"
#include "areas/apikeys/api_key_repository.hpp"
#include "auth/principal.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "db/database.hpp"
#include "http/pagination.hpp"
#include "http/rate_limiter.hpp"

namespace sp::apikeys {

struct ApiKeyPage {
  std::vector<ApiKey> keys;
  int64_t total = 0;
};

class ApiKeyService {
 public:
  ApiKeyService(db::Database& db, ApiKeyRepository& repo, const Clock& clock)
      : db_(db), repo_(repo), clock_(clock), limiter_(clock, 0, 0) {}

  Result<IssuedKey> Create(const auth::Principal& who, CreateApiKeyRequest req);
  Result<std::vector<ApiKey>> ListOwn(const auth::Principal& who);
  Result<ApiKeyPage> ListAll(const auth::Principal& who, const http::Page& page);
  Result<ApiKey> Get(const auth::Principal& who, const std::string& id);
  Result<ApiKey> Update(const auth::Principal& who, const std::string& id, UpdateApiKeyRequest req);
  Result<IssuedKey> Rotate(const auth::Principal& who, const std::string& id);
  Result<ApiKey> Revoke(const auth::Principal& who, const std::string& id);
  Status Delete(const auth::Principal& who, const std::string& id);

  Result<auth::Principal> Authenticate(std::string_view presented);

  // "sk_" + base64url of 32 random bytes.
  static std::string GenerateSecret();

 private:
  Result<ApiKey> FindOwned(db::Conn& c, const auth::Principal& who, const std::string& id);

  db::Database& db_;
  ApiKeyRepository& repo_;
  const Clock& clock_;
  http::RateLimiter limiter_;
};

}  // namespace sp::apikeys
