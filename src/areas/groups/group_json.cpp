#include "areas/groups/group_json.hpp"

#include <array>
#include <vector>

namespace sp::groups {
namespace {

std::vector<std::string_view> Choices(const std::array<std::string_view, 3>& values) {
  return std::vector<std::string_view>(values.begin(), values.end());
}

}  // namespace

nlohmann::json ToJson(const Group& g) {
  nlohmann::json j = {{"id", g.id},
                      {"name", g.name},
                      {"displayName", g.display_name},
                      {"description", g.description},
                      {"type", g.type},
                      {"createdAt", g.created_at},
                      {"updatedAt", g.updated_at},
                      {"memberCount", g.member_count}};
  if (g.parent_id) j["parentId"] = *g.parent_id;
  return j;
}

nlohmann::json ToJson(const GroupMember& m) {
  return {{"userId", m.user_id},     {"username", m.username}, {"email", m.email},
          {"fullName", m.full_name}, {"role", m.role},         {"joinedAt", m.joined_at}};
}

nlohmann::json ToJson(const GroupQuota& q) {
  nlohmann::json j = {{"groupId", q.group_id}};
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

Result<CreateGroupRequest> ParseCreateGroup(std::string_view body) {
  http::JsonReader r(body);
  CreateGroupRequest req;
  req.name = r.String("name", {.required = true, .min = 3, .max = 50}).value_or("");
  req.display_name = r.String("displayName", {.required = true, .min = 3, .max = 100}).value_or("");
  req.description = r.String("description", {.max = 500}).value_or("");
  req.type = r.String("type", {.required = true, .one_of = Choices(kGroupTypes)}).value_or("");
  // An empty parentId means a top-level group, like a missing one.
  if (auto parent = r.String("parentId", {.max = 100}); parent && !parent->empty()) {
    req.parent_id = std::move(*parent);
  }
  if (auto st = r.Finish(); !st) return Fail(st.error());
  return req;
}

Result<UpdateGroupRequest> ParseUpdateGroup(std::string_view body) {
  http::JsonReader r(body);
  UpdateGroupRequest req;
  req.display_name = r.String("displayName", {.min = 3, .max = 100});
  req.description = r.String("description", {.max = 500});
  req.type = r.String("type", {.one_of = Choices(kGroupTypes)});
  if (auto st = r.Finish(); !st) return Fail(st.error());
  return req;
}

Result<AddMemberRequest> ParseAddMember(std::string_view body) {
  http::JsonReader r(body);
  AddMemberRequest req;
  req.user_id = r.String("userId", {.required = true, .min = 1, .max = 100}).value_or("");
  req.role =
      r.String("role", {.one_of = Choices(kMemberRoles)}).value_or(std::string(kGroupRoleMember));
  if (auto st = r.Finish(); !st) return Fail(st.error());
  return req;
}

Result<std::string> ParseMemberRole(std::string_view body) {
  http::JsonReader r(body);
  auto role = r.String("role", {.required = true, .one_of = Choices(kMemberRoles)});
  if (auto st = r.Finish(); !st) return Fail(st.error());
  return *role;
}

}  // namespace sp::groups
