// Users on the wire: the JSON keys of models.User, UserQuota and their requests live here
// and nowhere else. The password hash is never written.
#pragma once

#include <nlohmann/json.hpp>

#include "areas/users/user.hpp"
#include "common/error.hpp"
#include "http/json_reader.hpp"

namespace sp::users {

nlohmann::json ToJson(const User& u);
nlohmann::json ToJson(const UserQuota& q);
nlohmann::json ToJson(const UserGroupMembership& m);

Result<CreateUserRequest> ParseCreateUser(std::string_view body);
Result<UpdateUserRequest> ParseUpdateUser(std::string_view body);

inline const std::vector<std::string_view> kRoles = {"user", "operator", "admin"};
inline const std::vector<std::string_view> kProviders = {"local", "saml", "oidc"};

}  // namespace sp::users
