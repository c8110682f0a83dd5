// SQL for users and their quota overrides. Decides nothing: the service authorises.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "areas/users/user.hpp"
#include "db/database.hpp"
#include "http/pagination.hpp"

namespace sp::users {

class UserRepository {
 public:
  std::optional<User> FindById(db::Conn& c, const std::string& id);
  std::optional<User> FindByUsername(db::Conn& c, const std::string& username);
  std::optional<User> FindByEmail(db::Conn& c, const std::string& email);
  std::vector<User> List(db::Conn& c, const UserFilter& filter, const http::Page& page,
                         int64_t& total);
  void Insert(db::Conn& c, const User& u);
  void Update(db::Conn& c, const User& u);  // every column but id and created_at
  void Delete(db::Conn& c, const std::string& id);
  void TouchLastLogin(db::Conn& c, const std::string& id, const std::string& now);
  int64_t CountActiveAdmins(db::Conn& c);

  std::optional<UserQuota> FindQuota(db::Conn& c, const std::string& user_id);
  void UpsertQuota(db::Conn& c, const std::string& user_id, const quotas::QuotaLimits& limits,
                   const std::string& now);
  bool DeleteQuota(db::Conn& c, const std::string& user_id);
  // Every override, with usernames.
  std::vector<UserQuota> ListQuotas(db::Conn& c);

  std::vector<UserGroupMembership> Groups(db::Conn& c, const std::string& user_id);
};

}  // namespace sp::users
