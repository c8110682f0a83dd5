#include "areas/auth/auth_session_repository.hpp"

namespace sp::authn {

void AuthSessionRepository::Insert(db::Conn& c, const AuthSession& s, const std::string& now,
                                   const std::string& ip) {
  c.sql() << "INSERT INTO auth_sessions (id, user_id, refresh_hash, created_at, expires_at, "
             "client_ip) VALUES (:id, :u, :h, :c, :e, :ip)",
      soci::use(s.id), soci::use(s.user_id), soci::use(s.refresh_hash), soci::use(now),
      soci::use(s.expires_at), soci::use(ip);
}

std::optional<AuthSession> AuthSessionRepository::FindByRefreshHash(db::Conn& c,
                                                                    const std::string& hash) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT id, user_id, refresh_hash, expires_at, revoked_at FROM "
                          "auth_sessions WHERE refresh_hash = :h",
       soci::use(hash));
  for (const auto& r : rows) {
    return AuthSession{db::GetString(r, 0), db::GetString(r, 1), db::GetString(r, 2),
                       db::GetString(r, 3), db::GetOptString(r, 4)};
  }
  return std::nullopt;
}

void AuthSessionRepository::Rotate(db::Conn& c, const std::string& id, const std::string& new_hash,
                                   const std::string& expires_at, const std::string& now) {
  c.sql() << "UPDATE auth_sessions SET refresh_hash = :h, expires_at = :e, refreshed_at = :n "
             "WHERE id = :id",
      soci::use(new_hash), soci::use(expires_at), soci::use(now), soci::use(id);
}

void AuthSessionRepository::Revoke(db::Conn& c, const std::string& id, const std::string& now) {
  c.sql() << "UPDATE auth_sessions SET revoked_at = :n WHERE id = :id AND revoked_at IS NULL",
      soci::use(now), soci::use(id);
}

std::optional<AuthSessionRepository::LiveUser> AuthSessionRepository::FindLive(
    db::Conn& c, const std::string& session_id, const std::string& user_id,
    const std::string& now) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT u.username, u.role FROM auth_sessions s JOIN users u ON u.id = "
                          "s.user_id WHERE s.id = :sid AND s.user_id = :uid AND s.revoked_at IS "
                          "NULL AND s.expires_at > :now AND u.active = 1",
       soci::use(session_id), soci::use(user_id), soci::use(now));
  for (const auto& r : rows) return LiveUser{db::GetString(r, 0), db::GetString(r, 1)};
  return std::nullopt;
}

std::string AuthSessionRepository::GetOrInsertSetting(db::Conn& c, const std::string& key,
                                                      const std::string& value,
                                                      const std::string& now) {
  c.sql() << "INSERT INTO settings (key, value, updated_at) VALUES (:k, :v, :n) ON CONFLICT "
             "(key) DO NOTHING",
      soci::use(key), soci::use(value), soci::use(now);
  std::string stored;
  c.sql() << "SELECT value FROM settings WHERE key = :k", soci::use(key), soci::into(stored);
  return stored;
}

}  // namespace sp::authn
