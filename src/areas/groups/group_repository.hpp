// SQL for groups, their members and their quota overrides. Decides nothing: the service
// authorises.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "areas/groups/group.hpp"
#include "db/database.hpp"
#include "http/pagination.hpp"

namespace sp::groups {

class GroupRepository {
 public:
  std::optional<Group> FindById(db::Conn& c, const std::string& id);
  std::optional<Group> FindByName(db::Conn& c, const std::string& name);
  std::vector<Group> List(db::Conn& c, const GroupFilter& filter, const http::Page& page,
                          int64_t& total);
  void Insert(db::Conn& c, const Group& g);
  void Update(db::Conn& c, const Group& g);  // display name, description, type, updated_at
  // Memberships and the quota go with it (ON DELETE CASCADE); children lose their parent
  // (ON DELETE SET NULL).
  void Delete(db::Conn& c, const std::string& id);

  // The user's role in the group, or nullopt when not a member.
  std::optional<std::string> MemberRole(db::Conn& c, const std::string& group_id,
                                        const std::string& user_id);
  std::vector<GroupMember> Members(db::Conn& c, const std::string& group_id);
  void AddMember(db::Conn& c, const std::string& group_id, const std::string& user_id,
                 const std::string& role, const std::string& now);
  bool RemoveMember(db::Conn& c, const std::string& group_id, const std::string& user_id);
  bool SetMemberRole(db::Conn& c, const std::string& group_id, const std::string& user_id,
                     const std::string& role);

  std::optional<GroupQuota> FindQuota(db::Conn& c, const std::string& group_id);
  void UpsertQuota(db::Conn& c, const std::string& group_id, const quotas::QuotaLimits& limits,
                   const std::string& now);
};

}  // namespace sp::groups
