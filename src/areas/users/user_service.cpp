#include "areas/users/user_service.hpp"

#include "areas/audit/audit_recorder.hpp"
#include "auth/password.hpp"
#include "common/crypto.hpp"
#include "common/strings.hpp"
#include "common/time_format.hpp"

namespace sp::users {
namespace {

Error NotFound() { return Error{Errc::kNotFound, "user not found", {}, 0}; }

bool CanSee(const auth::Principal& who, const std::string& id) {
  return who.IsSelf(id) || who.IsOperator();
}

}  // namespace

bool IsValidUsername(std::string_view s) {
  if (s.size() < 3 || s.size() > 32) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<UserList> UserService::List(const auth::Principal& who, const UserFilter& filter,
                                   const http::Page& page) {
  if (!who.IsOperator()) {
    return Fail(Errc::kPermissionDenied, "listing users requires the operator or admin role");
  }
  return db_.Read([&](db::Conn& c) -> Result<UserList> {
    UserList out;
    out.users = repo_.List(c, filter, page, out.total);
    return out;
  });
}

Result<User> UserService::Create(const auth::Principal& who, const CreateUserRequest& req) {
  if (!who.IsAdmin()) {
    return Fail(Errc::kPermissionDenied, "creating users requires the admin role");
  }
  if (!IsValidUsername(req.username)) {
    return Fail(Errc::kInvalidArgument,
                "field 'username': must be 3 to 32 letters, digits, '-' or '_'");
  }
  if (req.provider == "local") {
    if (auto st = auth::CheckPasswordStrength(req.password, "password"); !st) {
      return Fail(st.error());
    }
  } else if (!req.password.empty()) {
    return Fail(Errc::kInvalidArgument, "field 'password': only local users have a password; " +
                                            req.provider +
                                            " users sign in through their identity provider");
  }
  User u;
  u.id = NewId();
  u.username = req.username;
  u.email = ToLower(req.email);
  u.full_name = req.full_name;
  u.role = req.role;
  u.provider = req.provider;
  u.active = true;
  if (!req.password.empty()) {
    auto hash = auth::HashPassword(req.password);
    if (!hash) return Fail(hash.error());
    u.password_hash = std::move(*hash);
  }
  u.created_at = u.updated_at = FormatTime(clock_.Now());
  return db_.Transaction([&](db::Conn& c) -> Result<User> {
    if (repo_.FindByUsername(c, u.username)) {
      return Fail(Errc::kAlreadyExists, "username '" + u.username + "' is already taken");
    }
    if (repo_.FindByEmail(c, u.email)) {
      return Fail(Errc::kAlreadyExists, "email '" + u.email + "' is already in use");
    }
    repo_.Insert(c, u);
    audit::Record(c, clock_, &who,
                  {"user.create",
                   "user",
                   u.id,
                   {{"username", u.username}, {"role", u.role}, {"provider", u.provider}}});
    return u;
  });
}

UserQuota UserService::EffectiveQuota(db::Conn& c, const User& user) {
  UserQuota q;
  if (auto found = repo_.FindQuota(c, user.id)) {
    q = std::move(*found);
  } else {
    q.user_id = user.id;
    q.username = user.username;
    q.limits = quotas::kDefaultUserLimits;
    q.is_default = true;
  }
  q.used = usage_.UserUsage(c, user.id);
  return q;
}

Result<UserDetails> UserService::Get(const auth::Principal& who, const std::string& id) {
  if (!CanSee(who, id)) return Fail(NotFound());
  return db_.Read([&](db::Conn& c) -> Result<UserDetails> {
    auto user = repo_.FindById(c, id);
    if (!user) return Fail(NotFound());
    UserDetails d{*user, EffectiveQuota(c, *user), repo_.Groups(c, id)};
    return d;
  });
}

Result<User> UserService::Update(const auth::Principal& who, const std::string& id,
                                 UpdateUserRequest req) {
  if (!CanSee(who, id)) return Fail(NotFound());
  const bool self = who.IsSelf(id);
  if (!who.IsAdmin()) {
    if (!self) return Fail(Errc::kPermissionDenied, "only admins may change other users");
    if (req.role || req.active) {
      return Fail(Errc::kPermissionDenied, "only admins may change roles or deactivate accounts");
    }
  }
  std::string new_hash;
  if (req.password) {
    if (auto st = auth::CheckPasswordStrength(*req.password, "password"); !st) {
      return Fail(st.error());
    }
    auto hash = auth::HashPassword(*req.password);
    if (!hash) return Fail(hash.error());
    new_hash = std::move(*hash);
  }
  return db_.Transaction([&](db::Conn& c) -> Result<User> {
    auto user = repo_.FindById(c, id);
    if (!user) return Fail(NotFound());
    nlohmann::json changes = nlohmann::json::object();
    if (req.password) {
      if (user->provider != "local") {
        return Fail(Errc::kInvalidArgument,
                    "field 'password': " + user->provider + " users have no local password");
      }
      // Changing one's own password proves knowledge of the current one, so that a stolen
      // token cannot lock the owner out.
      if (self && !auth::VerifyPassword(req.current_password.value_or(""), user->password_hash)) {
        return Fail(Errc::kInvalidArgument, "field 'currentPassword': does not match");
      }
      user->password_hash = new_hash;
      changes["password"] = "changed";
    }
    if (req.email && ToLower(*req.email) != user->email) {
      const std::string email = ToLower(*req.email);
      if (auto other = repo_.FindByEmail(c, email); other && other->id != id) {
        return Fail(Errc::kAlreadyExists, "email '" + email + "' is already in use");
      }
      changes["email"] = email;
      user->email = email;
    }
    if (req.full_name && *req.full_name != user->full_name) {
      changes["fullName"] = *req.full_name;
      user->full_name = *req.full_name;
    }
    const bool was_active_admin = user->role == "admin" && user->active;
    if (req.role && *req.role != user->role) {
      changes["role"] = *req.role;
      user->role = *req.role;
    }
    if (req.active && *req.active != user->active) {
      changes["active"] = *req.active;
      user->active = *req.active;
    }
    if (was_active_admin && !(user->role == "admin" && user->active) &&
        repo_.CountActiveAdmins(c) <= 1) {
      return Fail(Errc::kFailedPrecondition,
                  "this is the last active admin; promote another admin first");
    }
    if (changes.empty()) return *user;
    user->updated_at = FormatTime(clock_.Now());
    repo_.Update(c, *user);
    if (!user->active || changes.contains("password")) {
      // Deactivation or a new password ends every login of the account but the caller's.
      c.sql() << "UPDATE auth_sessions SET revoked_at = :now WHERE user_id = :id AND "
                 "revoked_at IS NULL AND id <> :sid",
          soci::use(user->updated_at), soci::use(user->id), soci::use(who.auth_session_id);
    }
    audit::Record(c, clock_, &who, {"user.update", "user", id, changes});
    return *user;
  });
}

Status UserService::Delete(const auth::Principal& who, const std::string& id) {
  if (!who.IsAdmin()) {
    if (!CanSee(who, id)) return Fail(NotFound());
    return Fail(Errc::kPermissionDenied, "deleting users requires the admin role");
  }
  if (who.IsSelf(id)) return Fail(Errc::kFailedPrecondition, "you cannot delete your own account");
  return db_.Transaction([&](db::Conn& c) -> Status {
    auto user = repo_.FindById(c, id);
    if (!user) return Fail(NotFound());
    if (user->role == "admin" && user->active && repo_.CountActiveAdmins(c) <= 1) {
      return Fail(Errc::kFailedPrecondition, "the last active admin cannot be deleted");
    }
    repo_.Delete(c, id);  // keys, logins, memberships and quota go with it (ON DELETE CASCADE)
    audit::Record(c, clock_, &who, {"user.delete", "user", id, {{"username", user->username}}});
    return Ok();
  });
}

Result<std::vector<UserGroupMembership>> UserService::Groups(const auth::Principal& who,
                                                             const std::string& id) {
  if (!CanSee(who, id)) return Fail(NotFound());
  return db_.Read([&](db::Conn& c) -> Result<std::vector<UserGroupMembership>> {
    if (!repo_.FindById(c, id)) return Fail(NotFound());
    return repo_.Groups(c, id);
  });
}

Result<UserQuota> UserService::GetQuota(const auth::Principal& who, const std::string& id) {
  if (!CanSee(who, id)) return Fail(NotFound());
  return db_.Read([&](db::Conn& c) -> Result<UserQuota> {
    auto user = repo_.FindById(c, id);
    if (!user) return Fail(NotFound());
    return EffectiveQuota(c, *user);
  });
}

Result<UserQuota> UserService::GetQuotaByUsername(const auth::Principal& who,
                                                  const std::string& username) {
  if (!who.IsAdmin()) return Fail(Errc::kPermissionDenied, "requires the admin role");
  return db_.Read([&](db::Conn& c) -> Result<UserQuota> {
    auto user = repo_.FindByUsername(c, username);
    if (!user) return Fail(NotFound());
    return EffectiveQuota(c, *user);
  });
}

Result<UserQuota> UserService::SetQuotaFor(db::Conn& c, const auth::Principal& who,
                                           const User& user, const QuotaUpdate& update) {
  const UserQuota current = EffectiveQuota(c, user);
  auto limits = update(current.limits);
  if (!limits) return Fail(limits.error());
  repo_.UpsertQuota(c, user.id, *limits, FormatTime(clock_.Now()));
  nlohmann::json changes;
  quotas::WriteLimits(changes, *limits);
  audit::Record(c, clock_, &who, {"quota.set", "user", user.id, changes});
  return EffectiveQuota(c, user);
}

Result<UserQuota> UserService::SetQuota(const auth::Principal& who, const std::string& id,
                                        const QuotaUpdate& update) {
  if (!who.IsOperator()) {
    if (!who.IsSelf(id)) return Fail(NotFound());
    return Fail(Errc::kPermissionDenied, "setting quotas requires the operator or admin role");
  }
  return db_.Transaction([&](db::Conn& c) -> Result<UserQuota> {
    auto user = repo_.FindById(c, id);
    if (!user) return Fail(NotFound());
    return SetQuotaFor(c, who, *user, update);
  });
}

Result<UserQuota> UserService::SetQuotaByUsername(const auth::Principal& who,
                                                  const std::string& username,
                                                  const QuotaUpdate& update) {
  if (!who.IsAdmin()) return Fail(Errc::kPermissionDenied, "requires the admin role");
  return db_.Transaction([&](db::Conn& c) -> Result<UserQuota> {
    auto user = repo_.FindByUsername(c, username);
    if (!user) return Fail(NotFound());
    return SetQuotaFor(c, who, *user, update);
  });
}

Status UserService::DeleteQuotaByUsername(const auth::Principal& who, const std::string& username) {
  if (!who.IsAdmin()) return Fail(Errc::kPermissionDenied, "requires the admin role");
  return db_.Transaction([&](db::Conn& c) -> Status {
    auto user = repo_.FindByUsername(c, username);
    if (!user) return Fail(NotFound());
    if (!repo_.DeleteQuota(c, user->id)) {
      return Fail(Errc::kNotFound, "user '" + username + "' has no quota override");
    }
    audit::Record(c, clock_, &who, {"quota.delete", "user", user->id, {{"username", username}}});
    return Ok();
  });
}

Result<std::vector<UserQuota>> UserService::ListQuotas(const auth::Principal& who) {
  if (!who.IsAdmin()) return Fail(Errc::kPermissionDenied, "requires the admin role");
  return db_.Read([&](db::Conn& c) -> Result<std::vector<UserQuota>> {
    auto list = repo_.ListQuotas(c);
    for (auto& q : list) q.used = usage_.UserUsage(c, q.user_id);
    return list;
  });
}

}  // namespace sp::users
