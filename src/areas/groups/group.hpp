// Groups: domain types. No JSON, no SQL, no HTTP here.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "areas/quotas/quota_limits.hpp"

namespace sp::groups {

inline constexpr std::string_view kGroupRoleOwner = "owner";
inline constexpr std::string_view kGroupRoleAdmin = "admin";
inline constexpr std::string_view kGroupRoleMember = "member";
inline constexpr std::array<std::string_view, 3> kMemberRoles = {kGroupRoleMember, kGroupRoleAdmin,
                                                                 kGroupRoleOwner};
inline constexpr std::array<std::string_view, 3> kGroupTypes = {"team", "department", "project"};

struct Group {
  std::string id;
  std::string name;  // unique, lowercase slug
  std::string display_name;
  std::string description;
  std::string type = "team";  // team | department | project
  std::optional<std::string> parent_id;
  std::string created_at;
  std::string updated_at;
  int64_t member_count = 0;
};

struct GroupFilter {
  std::optional<std::string> type;
  std::optional<std::string> parent_id;
  std::optional<std::string> search;     // substring of name, display name or description
  std::optional<std::string> member_id;  // only groups this user belongs to
};

// A membership with the member's user info (never the password hash).
struct GroupMember {
  std::string user_id;
  std::string username;
  std::string email;
  std::string full_name;
  std::string role;  // owner | admin | member
  std::string joined_at;
};

struct GroupQuota {
  std::string group_id;
  quotas::QuotaLimits limits;
  bool is_default = true;  // no override set: kDefaultGroupLimits apply
  std::string created_at;
  std::string updated_at;
  // The pool is shared: usage is the sum of the members' sessions.
  quotas::QuotaLimits used;
};

struct CreateGroupRequest {
  std::string name;
  std::string display_name;
  std::string description;
  std::string type;
  std::optional<std::string> parent_id;
};

struct UpdateGroupRequest {
  std::optional<std::string> display_name;
  std::optional<std::string> description;
  std::optional<std::string> type;
};

struct AddMemberRequest {
  std::string user_id;
  std::string role = std::string(kGroupRoleMember);
};

}  // namespace sp::groups
