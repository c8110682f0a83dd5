#include "auth/jwt.hpp"

#include <cstdlib>
#include <memory>

#include <jwt.h>

namespace sp::auth {
namespace {

struct JwtDeleter {
  void operator()(jwt_t* p) const { jwt_free(p); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

constexpr const char* kIssuer = "streamspace";

int64_t ToUnix(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string GetGrant(jwt_t* jwt, const char* name) {
  const char* v = jwt_get_grant(jwt, name);
  return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

Result<std::string> JwtCodec::Encode(const TokenClaims& c) const {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return Fail(Errc::kInternal, "", "jwt_new failed");
  JwtPtr jwt(raw);
  const auto* key = reinterpret_cast<const unsigned char*>(secret_.data());
  if (jwt_add_grant(jwt.get(), "iss", kIssuer) != 0 ||
      jwt_add_grant(jwt.get(), "sub", c.user_id.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "username", c.username.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "role", c.role.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "sid", c.session_id.c_str()) != 0 ||
      jwt_add_grant_int(jwt.get(), "iat", ToUnix(c.issued_at)) != 0 ||
      jwt_add_grant_int(jwt.get(), "exp", ToUnix(c.expires_at)) != 0 ||
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, key, static_cast<int>(secret_.size())) != 0) {
    return Fail(Errc::kInternal, "", "building the JWT failed");
  }
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) return Fail(Errc::kInternal, "", "jwt_encode_str failed");
  std::string out(encoded);
  free(encoded);  // NOLINT(cppcoreguidelines-no-malloc): libjwt allocates with malloc
  return out;
}

namespace {

// Decodes and checks the signature, algorithm, issuer and audience.
Result<JwtPtr> DecodeChecked(std::string_view token, const std::string& secret,
                             std::string_view audience) {
  if (token.size() > 4096) return Fail(Errc::kUnauthenticated, "invalid token");
  const std::string copy(token);
  jwt_t* raw = nullptr;
  const auto* key = reinterpret_cast<const unsigned char*>(secret.data());
  if (jwt_decode(&raw, copy.c_str(), key, static_cast<int>(secret.size())) != 0 || raw == nullptr) {
    if (raw != nullptr) jwt_free(raw);
    return Fail(Errc::kUnauthenticated, "invalid token");
  }
  JwtPtr jwt(raw);
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256 || GetGrant(jwt.get(), "iss") != kIssuer ||
      GetGrant(jwt.get(), "aud") != audience) {
    return Fail(Errc::kUnauthenticated, "invalid token");
  }
  return jwt;
}

}  // namespace

Result<std::string> JwtCodec::EncodeViewer(const ViewerClaims& c) const {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return Fail(Errc::kInternal, "", "jwt_new failed");
  JwtPtr jwt(raw);
  const auto* key = reinterpret_cast<const unsigned char*>(secret_.data());
  if (jwt_add_grant(jwt.get(), "iss", kIssuer) != 0 ||
      jwt_add_grant(jwt.get(), "aud", "viewer") != 0 ||
      jwt_add_grant(jwt.get(), "sub", c.user_id.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "session", c.session_id.c_str()) != 0 ||
      jwt_add_grant_bool(jwt.get(), "view_only", c.view_only ? 1 : 0) != 0 ||
      jwt_add_grant_int(jwt.get(), "exp", ToUnix(c.expires_at)) != 0 ||
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, key, static_cast<int>(secret_.size())) != 0) {
    return Fail(Errc::kInternal, "", "building the viewer token failed");
  }
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) return Fail(Errc::kInternal, "", "jwt_encode_str failed");
  std::string out(encoded);
  free(encoded);  // NOLINT(cppcoreguidelines-no-malloc): libjwt allocates with malloc
  return out;
}

Result<ViewerClaims> JwtCodec::DecodeViewer(std::string_view token) const {
  auto jwt = DecodeChecked(token, secret_, "viewer");
  if (!jwt) return Fail(jwt.error());
  ViewerClaims c;
  c.user_id = GetGrant(jwt->get(), "sub");
  c.session_id = GetGrant(jwt->get(), "session");
  c.view_only = jwt_get_grant_bool(jwt->get(), "view_only") == 1;
  const long exp = jwt_get_grant_int(jwt->get(), "exp");
  if (c.user_id.empty() || c.session_id.empty() || exp <= 0) {
    return Fail(Errc::kUnauthenticated, "invalid token");
  }
  c.expires_at = TimePoint(std::chrono::seconds(exp));
  if (clock_.Now() >= c.expires_at) return Fail(Errc::kUnauthenticated, "token expired");
  return c;
}

Result<TokenClaims> JwtCodec::Decode(std::string_view token) const {
  if (token.size() > 4096) return Fail(Errc::kUnauthenticated, "invalid token");
  const std::string copy(token);
  jwt_t* raw = nullptr;
  const auto* key = reinterpret_cast<const unsigned char*>(secret_.data());
  if (jwt_decode(&raw, copy.c_str(), key, static_cast<int>(secret_.size())) != 0 ||
      raw == nullptr) {
    if (raw != nullptr) jwt_free(raw);
    return Fail(Errc::kUnauthenticated, "invalid token");
  }
  JwtPtr jwt(raw);
  // Refuse anything but the algorithm we sign with ("none" above all).
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256 || GetGrant(jwt.get(), "iss") != kIssuer) {
    return Fail(Errc::kUnauthenticated, "invalid token");
  }
  TokenClaims c;
  c.user_id = GetGrant(jwt.get(), "sub");
  c.username = GetGrant(jwt.get(), "username");
  c.role = GetGrant(jwt.get(), "role");
  c.session_id = GetGrant(jwt.get(), "sid");
  errno = 0;
  const long iat = jwt_get_grant_int(jwt.get(), "iat");
  const long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (c.user_id.empty() || c.session_id.empty() || exp <= 0) {
    return Fail(Errc::kUnauthenticated, "invalid token");
  }
  c.issued_at = TimePoint(std::chrono::seconds(iat));
  c.expires_at = TimePoint(std::chrono::seconds(exp));
  if (clock_.Now() >= c.expires_at) return Fail(Errc::kUnauthenticated, "token expired");
  return c;
}

}  // namespace sp::auth
