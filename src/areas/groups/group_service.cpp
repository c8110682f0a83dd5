#include "areas/groups/group_service.hpp"

#include <algorithm>

#include "areas/audit/audit_recorder.hpp"
#include "common/crypto.hpp"
#include "common/time_format.hpp"

namespace sp::groups {
namespace {

Error NotFound() { return Error{Errc::kNotFound, "group not found", {}, 0}; }

template <size_t N>
bool OneOf(std::string_view value, const std::array<std::string_view, N>& allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

Status CheckType(const std::string& type) {
  if (OneOf(type, kGroupTypes)) return Ok();
  return Fail(Errc::kInvalidArgument, "field 'type': must be one of: team, department, project");
}

Status CheckMemberRole(const std::string& role) {
  if (OneOf(role, kMemberRoles)) return Ok();
  return Fail(Errc::kInvalidArgument, "field 'role': must be one of: member, admin, owner");
}

bool IsOwnerOrPlatformAdmin(const auth::Principal& who, const std::optional<std::string>& role) {
  return who.IsAdmin() || (role && *role == kGroupRoleOwner);
}

}  // namespace

bool IsValidGroupName(std::string_view s) {
  if (s.size() < 3 || s.size() > 50) return false;
  const auto lower_or_digit = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!lower_or_digit(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return lower_or_digit(c) || c == '-'; });
}

Result<GroupService::Visible> GroupService::Load(db::Conn& c, const auth::Principal& who,
                                                 const std::string& id) {
  auto group = repo_.FindById(c, id);
  if (!group) return Fail(NotFound());
  auto role = repo_.MemberRole(c, id, who.user_id);
  // Not found rather than forbidden, so that probing ids tells a non-member nothing.
  if (!role && !who.IsOperator()) return Fail(NotFound());
  return Visible{std::move(*group), std::move(role)};
}

Status GroupService::RequireManager(const auth::Principal& who, const Visible& v) {
  if (who.IsAdmin()) return Ok();
  if (v.role && (*v.role == kGroupRoleOwner || *v.role == kGroupRoleAdmin)) return Ok();
  return Fail(Errc::kPermissionDenied,
              "managing group '" + v.group.name + "' requires the group owner or admin role");
}

Result<GroupList> GroupService::List(const auth::Principal& who, GroupFilter filter,
                                     const http::Page& page) {
  if (!who.IsOperator()) filter.member_id = who.user_id;
  return db_.Read([&](db::Conn& c) -> Result<GroupList> {
    GroupList out;
    out.groups = repo_.List(c, filter, page, out.total);
    return out;
  });
}

Result<Group> GroupService::Create(const auth::Principal& who, CreateGroupRequest req) {
  if (!who.IsAdmin()) {
    return Fail(Errc::kPermissionDenied, "creating groups requires the admin role");
  }
  if (!IsValidGroupName(req.name)) {
    return Fail(Errc::kInvalidArgument,
                "field 'name': must be 3 to 50 lowercase letters, digits or '-', starting with a "
                "letter or digit");
  }
  if (auto st = CheckType(req.type); !st) return Fail(st.error());
  Group g;
  g.id = NewId();
  g.name = std::move(req.name);
  g.display_name = std::move(req.display_name);
  g.description = std::move(req.description);
  g.type = std::move(req.type);
  g.parent_id = std::move(req.parent_id);
  g.created_at = g.updated_at = FormatTime(clock_.Now());
  return db_.Transaction([&](db::Conn& c) -> Result<Group> {
    if (repo_.FindByName(c, g.name)) {
      return Fail(Errc::kAlreadyExists, "group name '" + g.name + "' is already taken");
    }
    if (g.parent_id && !repo_.FindById(c, *g.parent_id)) {
      return Fail(Errc::kInvalidArgument, "field 'parentId': no such group");
    }
    repo_.Insert(c, g);
    nlohmann::json changes = {{"name", g.name}, {"displayName", g.display_name}, {"type", g.type}};
    if (g.parent_id) changes["parentId"] = *g.parent_id;
    audit::Record(c, clock_, &who, {"group.create", "group", g.id, changes});
    return g;
  });
}

Result<Group> GroupService::Get(const auth::Principal& who, const std::string& id) {
  return db_.Read([&](db::Conn& c) -> Result<Group> {
    auto v = Load(c, who, id);
    if (!v) return Fail(v.error());
    return std::move(v->group);
  });
}

Result<Group> GroupService::Update(const auth::Principal& who, const std::string& id,
                                   UpdateGroupRequest req) {
  if (req.type) {
    if (auto st = CheckType(*req.type); !st) return Fail(st.error());
  }
  return db_.Transaction([&](db::Conn& c) -> Result<Group> {
    auto v = Load(c, who, id);
    if (!v) return Fail(v.error());
    if (auto st = RequireManager(who, *v); !st) return Fail(st.error());
    Group& g = v->group;
    nlohmann::json changes = nlohmann::json::object();
    if (req.display_name && *req.display_name != g.display_name) {
      changes["displayName"] = *req.display_name;
      g.display_name = std::move(*req.display_name);
    }
    if (req.description && *req.description != g.description) {
      changes["description"] = *req.description;
      g.description = std::move(*req.description);
    }
    if (req.type && *req.type != g.type) {
      changes["type"] = *req.type;
      g.type = std::move(*req.type);
    }
    if (changes.empty()) return g;
    g.updated_at = FormatTime(clock_.Now());
    repo_.Update(c, g);
    audit::Record(c, clock_, &who, {"group.update", "group", id, changes});
    return g;
  });
}

Status GroupService::Delete(const auth::Principal& who, const std::string& id) {
  return db_.Transaction([&](db::Conn& c) -> Status {
    auto v = Load(c, who, id);
    if (!v) return Fail(v.error());
    if (!IsOwnerOrPlatformAdmin(who, v->role)) {
      return Fail(Errc::kPermissionDenied, "deleting group '" + v->group.name +
                                               "' requires the admin role or group ownership");
    }
    // Members and the quota go with it; child groups become top-level (ON DELETE SET NULL).
    repo_.Delete(c, id);
    audit::Record(c, clock_, &who, {"group.delete", "group", id, {{"name", v->group.name}}});
    return Ok();
  });
}

Result<std::vector<GroupMember>> GroupService::Members(const auth::Principal& who,
                                                       const std::string& id) {
  return db_.Read([&](db::Conn& c) -> Result<std::vector<GroupMember>> {
    if (auto v = Load(c, who, id); !v) return Fail(v.error());
    return repo_.Members(c, id);
  });
}

Status GroupService::AddMember(const auth::Principal& who, const std::string& id,
                               AddMemberRequest req) {
  if (auto st = CheckMemberRole(req.role); !st) return Fail(st.error());
  return db_.Transaction([&](db::Conn& c) -> Status {
    auto v = Load(c, who, id);
    if (!v) return Fail(v.error());
    if (auto st = RequireManager(who, *v); !st) return Fail(st.error());
    // A group admin manages members; handing out ownership stays with owners.
    if (req.role == kGroupRoleOwner && !IsOwnerOrPlatformAdmin(who, v->role)) {
      return Fail(Errc::kPermissionDenied,
                  "field 'role': only group owners and platform admins may add owners");
    }
    auto user = users_.FindById(c, req.user_id);
    if (!user) return Fail(Errc::kNotFound, "user not found");
    if (repo_.MemberRole(c, id, req.user_id)) {
      return Fail(
          Errc::kAlreadyExists,
          "user '" + user->username + "' is already a member of group '" + v->group.name + "'");
    }
    repo_.AddMember(c, id, req.user_id, req.role, FormatTime(clock_.Now()));
    audit::Record(c, clock_, &who,
                  {"group.member_add",
                   "group",
                   id,
                   {{"userId", req.user_id}, {"username", user->username}, {"role", req.role}}});
    return Ok();
  });
}

Status GroupService::RemoveMember(const auth::Principal& who, const std::string& id,
                                  const std::string& user_id) {
  return db_.Transaction([&](db::Conn& c) -> Status {
    auto v = Load(c, who, id);
    if (!v) return Fail(v.error());
    if (!who.IsSelf(user_id)) {
      if (auto st = RequireManager(who, *v); !st) return Fail(st.error());
      auto target_role = repo_.MemberRole(c, id, user_id);
      if (target_role && *target_role == kGroupRoleOwner && !IsOwnerOrPlatformAdmin(who, v->role)) {
        return Fail(Errc::kPermissionDenied,
                    "only group owners and platform admins may remove an owner");
      }
    }
    if (!repo_.RemoveMember(c, id, user_id)) {
      return Fail(Errc::kNotFound, "user is not a member of this group");
    }
    audit::Record(c, clock_, &who, {"group.member_remove", "group", id, {{"userId", user_id}}});
    return Ok();
  });
}

Status GroupService::SetMemberRole(const auth::Principal& who, const std::string& id,
                                   const std::string& user_id, const std::string& role) {
  if (auto st = CheckMemberRole(role); !st) return Fail(st.error());
  return db_.Transaction([&](db::Conn& c) -> Status {
    auto v = Load(c, who, id);
    if (!v) return Fail(v.error());
    if (auto st = RequireManager(who, *v); !st) return Fail(st.error());
    auto current = repo_.MemberRole(c, id, user_id);
    if (!current) return Fail(Errc::kNotFound, "user is not a member of this group");
    // Granting or taking away ownership stays with owners and platform admins.
    if ((role == kGroupRoleOwner || *current == kGroupRoleOwner) &&
        !IsOwnerOrPlatformAdmin(who, v->role)) {
      return Fail(Errc::kPermissionDenied,
                  "field 'role': only group owners and platform admins may grant or revoke "
                  "ownership");
    }
    if (*current == role) return Ok();
    repo_.SetMemberRole(c, id, user_id, role);
    audit::Record(c, clock_, &who,
                  {"group.member_role",
                   "group",
                   id,
                   {{"userId", user_id}, {"role", role}, {"previousRole", *current}}});
    return Ok();
  });
}

// The group pool is shared by all members, so its usage is the sum of the members' usage
// (sessions in pending/starting/running). Sessions do not exist yet, so every member uses
// nothing and the sum is zero; the sessions issue wires the real per-member count in here.
quotas::QuotaLimits GroupService::MembersUsage(db::Conn& /*c*/, const std::string& /*group_id*/) {
  quotas::QuotaLimits sum;  // all zero
  return sum;
}

GroupQuota GroupService::EffectiveQuota(db::Conn& c, const std::string& group_id) {
  GroupQuota q;
  if (auto found = repo_.FindQuota(c, group_id)) {
    q = std::move(*found);
  } else {
    q.group_id = group_id;
    q.limits = quotas::kDefaultGroupLimits;
    q.is_default = true;
  }
  q.used = MembersUsage(c, group_id);
  return q;
}

Result<GroupQuota> GroupService::GetQuota(const auth::Principal& who, const std::string& id) {
  return db_.Read([&](db::Conn& c) -> Result<GroupQuota> {
    if (auto v = Load(c, who, id); !v) return Fail(v.error());
    return EffectiveQuota(c, id);
  });
}

Result<GroupQuota> GroupService::SetQuota(const auth::Principal& who, const std::string& id,
                                          const QuotaUpdate& update) {
  return db_.Transaction([&](db::Conn& c) -> Result<GroupQuota> {
    if (auto v = Load(c, who, id); !v) return Fail(v.error());
    if (!who.IsOperator()) {
      return Fail(Errc::kPermissionDenied,
                  "setting group quotas requires the operator or admin role");
    }
    const GroupQuota current = EffectiveQuota(c, id);
    auto limits = update(current.limits);
    if (!limits) return Fail(limits.error());
    repo_.UpsertQuota(c, id, *limits, FormatTime(clock_.Now()));
    nlohmann::json changes;
    quotas::WriteLimits(changes, *limits);
    audit::Record(c, clock_, &who, {"group.quota_set", "group", id, changes});
    return EffectiveQuota(c, id);
  });
}

}  // namespace sp::groups
