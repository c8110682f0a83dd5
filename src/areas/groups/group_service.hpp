// Groups: the rules. Who may see and manage which group and its members, validation beyond
// field shapes, the shared group quota, and an audit entry for every change.
//
// Admins and operators see every group; other users see only the groups they belong to, and a
// group they may not see answers 404. Managing a group takes the platform admin role or the
// group's owner or admin role; deleting it takes the platform admin role or group ownership.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "areas/groups/group.hpp"
#include "areas/groups/group_repository.hpp"
#include "areas/users/user_repository.hpp"
#include "auth/principal.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "db/database.hpp"
#include "http/pagination.hpp"

namespace sp::groups {

struct GroupList {
  std::vector<Group> groups;
  int64_t total = 0;
};

class GroupService {
 public:
  GroupService(db::Database& db, GroupRepository& repo, users::UserRepository& users,
               const Clock& clock)
      : db_(db), repo_(repo), users_(users), clock_(clock) {}

  Result<GroupList> List(const auth::Principal& who, GroupFilter filter, const http::Page& page);
  Result<Group> Create(const auth::Principal& who, CreateGroupRequest req);
  Result<Group> Get(const auth::Principal& who, const std::string& id);
  Result<Group> Update(const auth::Principal& who, const std::string& id, UpdateGroupRequest req);
  Status Delete(const auth::Principal& who, const std::string& id);

  Result<std::vector<GroupMember>> Members(const auth::Principal& who, const std::string& id);
  Status AddMember(const auth::Principal& who, const std::string& id, AddMemberRequest req);
  /// A member may always remove themselves; removing others takes managing rights.
  Status RemoveMember(const auth::Principal& who, const std::string& id,
                      const std::string& user_id);
  Status SetMemberRole(const auth::Principal& who, const std::string& id,
                       const std::string& user_id, const std::string& role);

  Result<GroupQuota> GetQuota(const auth::Principal& who, const std::string& id);
  // `update` receives the current limits and returns the new ones (or a validation error).
  using QuotaUpdate = std::function<Result<quotas::QuotaLimits>(const quotas::QuotaLimits&)>;
  Result<GroupQuota> SetQuota(const auth::Principal& who, const std::string& id,
                              const QuotaUpdate& update);

 private:
  // A group the caller may see, with the caller's role in it (nullopt: not a member).
  struct Visible {
    Group group;
    std::optional<std::string> role;
  };
  Result<Visible> Load(db::Conn& c, const auth::Principal& who, const std::string& id);
  // kPermissionDenied unless the caller is a platform admin or the group's owner or admin.
  static Status RequireManager(const auth::Principal& who, const Visible& v);
  GroupQuota EffectiveQuota(db::Conn& c, const std::string& group_id);
  quotas::QuotaLimits MembersUsage(db::Conn& c, const std::string& group_id);

  db::Database& db_;
  GroupRepository& repo_;
  users::UserRepository& users_;
  const Clock& clock_;
};

// Group name rule: 3-50 of [a-z0-9-], starting with a letter or digit.
bool IsValidGroupName(std::string_view s);

}  // namespace sp::groups
