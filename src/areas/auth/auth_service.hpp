// Authentication: login with username and password, refresh, logout, and turning a bearer
// credential into a Principal for every request (http::Authenticator).
//
// A login creates an auth_sessions row. The access token (a short-lived JWT) names that row
// (claim sid), so logout revokes the token at once on every replica; the refresh token is
// opaque, stored hashed, and rotated on each use.
#pragma once

#include <chrono>
#include <string>

#include "areas/apikeys/api_key_service.hpp"
#include "areas/auth/auth_session_repository.hpp"
#include "areas/auth/login_throttle.hpp"
#include "areas/users/user_repository.hpp"
#include "auth/jwt.hpp"
#include "http/pipeline.hpp"

namespace sp::authn {

struct TokenTtls {
  std::chrono::seconds access{3600};
  std::chrono::seconds refresh{7 * 24 * 3600};
};

struct LoginResult {
  std::string token;
  std::string refresh_token;
  std::string expires_at;
  users::User user;
};

class AuthService final : public http::Authenticator {
 public:
  AuthService(db::Database& db, users::UserRepository& users, AuthSessionRepository& sessions,
              apikeys::ApiKeyService& api_keys, const Clock& clock, std::string jwt_secret,
              TokenTtls ttls)
      : db_(db),
        users_(users),
        sessions_(sessions),
        api_keys_(api_keys),
        clock_(clock),
        jwt_(std::move(jwt_secret), clock),
        ttls_(ttls),
        throttle_(clock) {}

  Result<LoginResult> Login(const std::string& username, const std::string& password,
                            const std::string& client_ip);
  Result<LoginResult> Refresh(const std::string& refresh_token, const std::string& client_ip);
  Status Logout(const auth::Principal& who);
  const TokenTtls& ttls() const { return ttls_; }

  Result<auth::Principal> Authenticate(std::string_view credential,
                                       std::string_view client_ip) override;

  // The secret given by configuration, else the one stored in the database, else a new
  // random one stored there (so every replica and restart agrees).
  static Result<std::string> ResolveJwtSecret(db::Database& db, AuthSessionRepository& sessions,
                                              const Clock& clock, const std::string& configured);

 private:
  Result<LoginResult> Issue(db::Conn& c, const users::User& user, const std::string& session_id,
                            bool create, const std::string& client_ip);

  db::Database& db_;
  users::UserRepository& users_;
  AuthSessionRepository& sessions_;
  apikeys::ApiKeyService& api_keys_;
  const Clock& clock_;
  auth::JwtCodec jwt_;
  TokenTtls ttls_;
  LoginThrottle throttle_;
};

}  // namespace sp::authn
