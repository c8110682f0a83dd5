#include "areas/auth/auth_service.hpp"

#include "areas/audit/audit_recorder.hpp"
#include "auth/password.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"
#include "common/time_format.hpp"

namespace sp::authn {
namespace {

Error BadCredentials() {
  return Error{Errc::kUnauthenticated, "invalid username or password", {}, 0};
}

}  // namespace

Result<std::string> AuthService::ResolveJwtSecret(db::Database& db, AuthSessionRepository& sessions,
                                                  const Clock& clock,
                                                  const std::string& configured) {
  if (!configured.empty()) {
    if (configured.size() < 32) {
      return Fail(Errc::kInvalidArgument, "the JWT secret must be at least 32 characters");
    }
    return configured;
  }
  const std::string candidate = HexEncode(RandomBytes(32));
  return db.Transaction([&](db::Conn& c) -> Result<std::string> {
    return sessions.GetOrInsertSetting(c, "jwt_secret", candidate, FormatTime(clock.Now()));
  });
}

Result<LoginResult> AuthService::Issue(db::Conn& c, const users::User& user,
                                       const std::string& session_id, bool create,
                                       const std::string& client_ip) {
  const TimePoint now = clock_.Now();
  const std::string refresh = "rt_" + Base64UrlEncode(RandomBytes(32));
  const std::string refresh_expires = FormatTime(now + ttls_.refresh);
  if (create) {
    sessions_.Insert(c, {session_id, user.id, Sha256Hex(refresh), refresh_expires, std::nullopt},
                     FormatTime(now), client_ip);
  } else {
    sessions_.Rotate(c, session_id, Sha256Hex(refresh), refresh_expires, FormatTime(now));
  }
  auth::TokenClaims claims{user.id, user.username, user.role, session_id, now, now + ttls_.access};
  auto token = jwt_.Encode(claims);
  if (!token) return Fail(token.error());
  return LoginResult{std::move(*token), refresh, FormatTime(claims.expires_at), user};
}

Result<LoginResult> AuthService::Login(const std::string& username, const std::string& password,
                                       const std::string& client_ip) {
  if (int wait = throttle_.RetryAfter(username, client_ip); wait > 0) {
    return Fail(Error{Errc::kResourceExhausted,
                      "too many failed logins; try again in " + std::to_string(wait) + " seconds",
                      {},
                      wait});
  }
  auto user = db_.Read([&](db::Conn& c) -> Result<std::optional<users::User>> {
    return users_.FindByUsername(c, username);
  });
  if (!user) return Fail(user.error());
  // Hash verification runs outside any database connection: it is the slow part.
  bool ok = false;
  if (*user && (*user)->provider == "local") {
    ok = auth::VerifyPassword(password, (*user)->password_hash);
  } else {
    auth::BurnVerificationTime(password);
  }
  if (!ok) {
    throttle_.RecordFailure(username, client_ip);
    spdlog::warn("login failed username={} client={}", username, client_ip);
    return Fail(BadCredentials());
  }
  if (!(*user)->active) {
    return Fail(Errc::kUnauthenticated, "this account is deactivated; ask an administrator");
  }
  throttle_.RecordSuccess(username);
  return db_.Transaction([&](db::Conn& c) -> Result<LoginResult> {
    const std::string now = FormatTime(clock_.Now());
    users_.TouchLastLogin(c, (*user)->id, now);
    (*user)->last_login = now;
    auto result = Issue(c, **user, NewId(), true, client_ip);
    if (result) {
      auth::Principal who{(*user)->id, (*user)->username, (*user)->role};
      audit::Record(c, clock_, &who, {"auth.login", "user", (*user)->id}, client_ip);
    }
    return result;
  });
}

Result<LoginResult> AuthService::Refresh(const std::string& refresh_token,
                                         const std::string& client_ip) {
  const std::string hash = Sha256Hex(refresh_token);
  return db_.Transaction([&](db::Conn& c) -> Result<LoginResult> {
    auto s = sessions_.FindByRefreshHash(c, hash);
    const std::string now = FormatTime(clock_.Now());
    if (!s || s->revoked_at || s->expires_at <= now) {
      return Fail(Errc::kUnauthenticated, "invalid or expired refresh token");
    }
    auto user = users_.FindById(c, s->user_id);
    if (!user || !user->active) {
      return Fail(Errc::kUnauthenticated, "invalid or expired refresh token");
    }
    return Issue(c, *user, s->id, false, client_ip);
  });
}

Status AuthService::Logout(const auth::Principal& who) {
  if (who.kind != auth::CredentialKind::kJwt) {
    return Fail(Errc::kInvalidArgument, "API keys cannot log out; revoke the key instead");
  }
  return db_.Transaction([&](db::Conn& c) -> Status {
    sessions_.Revoke(c, who.auth_session_id, FormatTime(clock_.Now()));
    audit::Record(c, clock_, &who, {"auth.logout", "user", who.user_id});
    return Ok();
  });
}

Result<auth::Principal> AuthService::Authenticate(std::string_view credential,
                                                  std::string_view /*client_ip*/) {
  if (credential.starts_with(apikeys::kKeyPrefix)) return api_keys_.Authenticate(credential);
  auto claims = jwt_.Decode(credential);
  if (!claims) return Fail(claims.error());
  // The token's role may be stale (a demotion after login): read the live one.
  return db_.Read([&](db::Conn& c) -> Result<auth::Principal> {
    auto live =
        sessions_.FindLive(c, claims->session_id, claims->user_id, FormatTime(clock_.Now()));
    if (!live) return Fail(Errc::kUnauthenticated, "token has been revoked");
    auth::Principal p;
    p.user_id = claims->user_id;
    p.username = live->username;
    p.role = live->role;
    p.kind = auth::CredentialKind::kJwt;
    p.auth_session_id = claims->session_id;
    return p;
  });
}

}  // namespace sp::authn
