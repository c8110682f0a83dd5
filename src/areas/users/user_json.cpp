#include "areas/users/user_json.hpp"

namespace sp::users {

nlohmann::json ToJson(const User& u) {
  nlohmann::json j = {{"id", u.id},
                      {"username", u.username},
                      {"email", u.email},
                      {"fullName", u.full_name},
                      {"role", u.role},
                      {"provider", u.provider},
                      {"active", u.active},
                      {"createdAt", u.created_at},
                      {"updatedAt", u.updated_at}};
  if (u.last_login) j["lastLogin"] = *u.last_login;
  return j;
}

nlohmann::json ToJson(const UserQuota& q) {
  nlohmann::json j = {{"userId", q.user_id}, {"username", q.username}};
  quotas::WriteLimits(j, q.limits);
  j["usedSessions"] = q.used.max_sessions;
  j["usedCpu"] = quotas::FormatCpu(q.used.cpu_millicores);
  j["usedMemory"] = quotas::FormatMemory(q.used.memory_mib);
  j["usedStorage"] = quotas::FormatStorage(q.used.storage_gib);
  j["isDefault"] = q.is_default;
  if (!q.is_default) {
    j["createdAt"] = q.created_at;
    j["updatedAt"] = q.updated_at;
  }
  return j;
}

nlohmann::json ToJson(const UserGroupMembership& m) {
  return {{"groupId", m.group_id}, {"name", m.name}, {"displayName", m.display_name},
          {"type", m.type},        {"role", m.role}, {"joinedAt", m.joined_at}};
}

Result<CreateUserRequest> ParseCreateUser(std::string_view body) {
  http::JsonReader r(body);
  CreateUserRequest req;
  req.username = r.String("username", {.required = true, .min = 3, .max = 32}).value_or("");
  req.email = r.String("email", {.required = true, .max = 254, .email = true}).value_or("");
  req.full_name = r.String("fullName", {.required = true, .min = 1, .max = 200}).value_or("");
  req.password = r.String("password", {.max = 256, .trim = false}).value_or("");
  req.role = r.String("role", {.one_of = kRoles}).value_or("user");
  req.provider = r.String("provider", {.one_of = kProviders}).value_or("local");
  if (auto st = r.Finish(); !st) return Fail(st.error());
  return req;
}

Result<UpdateUserRequest> ParseUpdateUser(std::string_view body) {
  http::JsonReader r(body);
  UpdateUserRequest req;
  req.email = r.String("email", {.required = false, .max = 254, .email = true});
  req.full_name = r.String("fullName", {.min = 1, .max = 200});
  req.role = r.String("role", {.one_of = kRoles});
  req.active = r.Bool("active");
  req.password = r.String("password", {.max = 256, .trim = false});
  req.current_password = r.String("currentPassword", {.max = 256, .trim = false});
  if (auto st = r.Finish(); !st) return Fail(st.error());
  return req;
}

}  // namespace sp::users
