// Access tokens: HS256 JWTs (libjwt) naming the user, role and login session (sid).
// Expiry is checked here; revocation (logout) is checked by the caller against the
// auth_sessions table.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace sp::auth {

struct TokenClaims {
  std::string user_id;  // sub
  std::string username;
  std::string role;
  std::string session_id;  // sid
  TimePoint issued_at;
  TimePoint expires_at;
};

// A viewer's short-lived right to open one session's display (audience "viewer").
struct ViewerClaims {
  std::string user_id;
  std::string session_id;
  bool view_only = false;
  TimePoint expires_at;
};

class JwtCodec {
 public:
  JwtCodec(std::string secret, const Clock& clock) : secret_(std::move(secret)), clock_(clock) {}

  Result<std::string> Encode(const TokenClaims& claims) const;
  // kUnauthenticated for a bad signature, another algorithm, a malformed or expired token.
  Result<TokenClaims> Decode(std::string_view token) const;

  Result<std::string> EncodeViewer(const ViewerClaims& claims) const;
  Result<ViewerClaims> DecodeViewer(std::string_view token) const;

 private:
  std::string secret_;
  const Clock& clock_;
};

}  // namespace sp::auth
