// Users: the rules. Who may see and change which user, validation beyond field shapes,
// the last-admin guard, quota overrides, and an audit entry for every change.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "areas/users/user.hpp"
#include "areas/users/user_repository.hpp"
#include "auth/principal.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "db/database.hpp"
#include "http/pagination.hpp"

namespace sp::users {

// Current use of resources by a user's sessions. Sessions arrive with the sessions area,
// which provides the real counter; until then nothing runs and usage is zero.
class UsageSource {
 public:
  virtual ~UsageSource() = default;
  virtual quotas::QuotaLimits UserUsage(db::Conn& c, const std::string& user_id) = 0;
};

struct UserList {
  std::vector<User> users;
  int64_t total = 0;
};

struct UserDetails {
  User user;
  UserQuota quota;
  std::vector<UserGroupMembership> groups;
};

class UserService {
 public:
  UserService(db::Database& db, UserRepository& repo, const Clock& clock, UsageSource& usage)
      : db_(db), repo_(repo), clock_(clock), usage_(usage) {}

  Result<UserList> List(const auth::Principal& who, const UserFilter& filter,
                        const http::Page& page);
  Result<User> Create(const auth::Principal& who, const CreateUserRequest& req);
  Result<UserDetails> Get(const auth::Principal& who, const std::string& id);
  Result<User> Update(const auth::Principal& who, const std::string& id, UpdateUserRequest req);
  Status Delete(const auth::Principal& who, const std::string& id);
  Result<std::vector<UserGroupMembership>> Groups(const auth::Principal& who,
                                                  const std::string& id);

  Result<UserQuota> GetQuota(const auth::Principal& who, const std::string& id);
  Result<UserQuota> GetQuotaByUsername(const auth::Principal& who, const std::string& username);
  // `update` receives the current limits and returns the new ones (or a validation error).
  using QuotaUpdate = std::function<Result<quotas::QuotaLimits>(const quotas::QuotaLimits&)>;
  Result<UserQuota> SetQuota(const auth::Principal& who, const std::string& id,
                             const QuotaUpdate& update);
  Result<UserQuota> SetQuotaByUsername(const auth::Principal& who, const std::string& username,
                                       const QuotaUpdate& update);
  Status DeleteQuotaByUsername(const auth::Principal& who, const std::string& username);
  Result<std::vector<UserQuota>> ListQuotas(const auth::Principal& who);

 private:
  UserQuota EffectiveQuota(db::Conn& c, const User& user);
  Result<UserQuota> SetQuotaFor(db::Conn& c, const auth::Principal& who, const User& user,
                                const QuotaUpdate& update);

  db::Database& db_;
  UserRepository& repo_;
  const Clock& clock_;
  UsageSource& usage_;
};

// Username rule shared with the setup wizard: 3-32 of [A-Za-z0-9_-].
bool IsValidUsername(std::string_view s);

}  // namespace sp::users
