// SQL for login sessions (auth_sessions) and the settings row holding the JWT secret.
#pragma once

#include <optional>
#include <string>

#include "db/database.hpp"

namespace sp::authn {

struct AuthSession {
  std::string id;
  std::string user_id;
  std::string refresh_hash;
  std::string expires_at;
  std::optional<std::string> revoked_at;
};

class AuthSessionRepository {
 public:
  void Insert(db::Conn& c, const AuthSession& s, const std::string& now, const std::string& ip);
  std::optional<AuthSession> FindByRefreshHash(db::Conn& c, const std::string& hash);
  void Rotate(db::Conn& c, const std::string& id, const std::string& new_hash,
              const std::string& expires_at, const std::string& now);
  void Revoke(db::Conn& c, const std::string& id, const std::string& now);
  // The session is live and its user active; returns the user's current role and name.
  struct LiveUser {
    std::string username;
    std::string role;
  };
  std::optional<LiveUser> FindLive(db::Conn& c, const std::string& session_id,
                                   const std::string& user_id, const std::string& now);
  // Stores value under key unless one exists; returns the value that is stored.
  std::string GetOrInsertSetting(db::Conn& c, const std::string& key, const std::string& value,
                                 const std::string& now);
};

}  // namespace sp::authn
