// The first-run setup wizard (spec section 29). The admin account exists from the first
// start with no password; until one is set, the public wizard may set it (once). The
// STREAMSPACE_ADMIN_PASSWORD environment variable sets it at start instead.
#pragma once

#include <string>

#include "areas/users/user_repository.hpp"
#include "common/clock.hpp"
#include "db/database.hpp"

namespace sp::authn {

inline constexpr std::string_view kAdminUsername = "admin";

struct SetupStatus {
  bool setup_required = false;
  bool admin_exists = false;
  bool has_password = false;
};

struct SetupRequest {
  std::string password;
  std::string password_confirm;
  std::string email;
};

class SetupService {
 public:
  SetupService(db::Database& db, users::UserRepository& users, const Clock& clock)
      : db_(db), users_(users), clock_(clock) {}

  // Creates the admin account if missing; sets its password from `env_password` when given
  // and no password is set yet.
  Status Bootstrap(const std::string& env_password);
  Result<SetupStatus> GetStatus();
  // kPermissionDenied (403) once the admin has a password.
  Result<users::User> Setup(const SetupRequest& req, const std::string& client_ip);

 private:
  db::Database& db_;
  users::UserRepository& users_;
  const Clock& clock_;
};

}  // namespace sp::authn
