// Users: domain types. No JSON, no SQL, no HTTP here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "areas/quotas/quota_limits.hpp"

namespace sp::users {

struct User {
  std::string id;
  std::string username;
  std::string email;
  std::string full_name;
  std::string role = "user";
  std::string provider = "local";
  bool active = true;
  std::string password_hash;  // never leaves the service layer
  std::string created_at;
  std::string updated_at;
  std::optional<std::string> last_login;
};

struct UserFilter {
  std::optional<std::string> role;
  std::optional<std::string> provider;
  std::optional<bool> active;
  std::optional<std::string> search;  // substring of username, email or full name
};

struct UserQuota {
  std::string user_id;
  std::string username;
  quotas::QuotaLimits limits;
  bool is_default = true;  // no override set: the platform defaults apply
  std::string created_at;
  std::string updated_at;
  // Usage counted from sessions in pending/starting/running.
  quotas::QuotaLimits used;
};

struct UserGroupMembership {
  std::string group_id;
  std::string name;
  std::string display_name;
  std::string type;
  std::string role;
  std::string joined_at;
};

struct CreateUserRequest {
  std::string username;
  std::string email;
  std::string full_name;
  std::string password;
  std::string role = "user";
  std::string provider = "local";
};

struct UpdateUserRequest {
  std::optional<std::string> email;
  std::optional<std::string> full_name;
  std::optional<std::string> role;
  std::optional<bool> active;
  std::optional<std::string> password;
  std::optional<std::string> current_password;
};

}  // namespace sp::users
