#include "areas/auth/setup_service.hpp"

#include "areas/audit/audit_recorder.hpp"
#include "auth/password.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"
#include "common/strings.hpp"
#include "common/time_format.hpp"

namespace sp::authn {

Status SetupService::Bootstrap(const std::string& env_password) {
  std::string hash;
  if (!env_password.empty()) {
    if (auto st = auth::CheckPasswordStrength(env_password, "STREAMSPACE_ADMIN_PASSWORD"); !st) {
      return st;
    }
    auto h = auth::HashPassword(env_password);
    if (!h) return Fail(h.error());
    hash = std::move(*h);
  }
  return db_.Transaction([&](db::Conn& c) -> sp::Status {
    const std::string now = FormatTime(clock_.Now());
    auto admin = users_.FindByUsername(c, std::string(kAdminUsername));
    if (!admin) {
      users::User u;
      u.id = NewId();
      u.username = std::string(kAdminUsername);
      u.full_name = "Administrator";
      u.role = "admin";
      u.created_at = u.updated_at = now;
      users_.Insert(c, u);
      audit::Record(c, clock_, nullptr, {"user.create", "user", u.id, {{"username", u.username}}});
      admin = u;
    }
    if (!hash.empty() && admin->password_hash.empty()) {
      admin->password_hash = hash;
      admin->updated_at = now;
      users_.Update(c, *admin);
      audit::Record(c, clock_, nullptr, {"setup.env_password", "user", admin->id});
      spdlog::info("admin password set from STREAMSPACE_ADMIN_PASSWORD");
    }
    return Ok();
  });
}

Result<SetupStatus> SetupService::GetStatus() {
  return db_.Read([&](db::Conn& c) -> Result<SetupStatus> {
    SetupStatus s;
    auto admin = users_.FindByUsername(c, std::string(kAdminUsername));
    s.admin_exists = admin.has_value();
    s.has_password = admin && !admin->password_hash.empty();
    s.setup_required = s.admin_exists && !s.has_password;
    return s;
  });
}

Result<users::User> SetupService::Setup(const SetupRequest& req, const std::string& client_ip) {
  if (auto st = auth::CheckPasswordStrength(req.password, "password"); !st) return Fail(st.error());
  if (req.password != req.password_confirm) {
    return Fail(Errc::kInvalidArgument, "field 'passwordConfirm': does not match 'password'");
  }
  auto hash = auth::HashPassword(req.password);
  if (!hash) return Fail(hash.error());
  return db_.Transaction([&](db::Conn& c) -> Result<users::User> {
    auto admin = users_.FindByUsername(c, std::string(kAdminUsername));
    if (!admin || !admin->password_hash.empty()) {
      return Fail(Errc::kPermissionDenied,
                  "setup wizard is disabled: the admin account is already configured");
    }
    const std::string email = ToLower(req.email);
    if (auto other = users_.FindByEmail(c, email); other && other->id != admin->id) {
      return Fail(Errc::kAlreadyExists, "email '" + email + "' is already in use");
    }
    admin->password_hash = *hash;
    admin->email = email;
    admin->updated_at = FormatTime(clock_.Now());
    users_.Update(c, *admin);
    audit::Record(c, clock_, nullptr, {"setup.complete", "user", admin->id, {{"email", email}}},
                  client_ip);
    return *admin;
  });
}

}  // namespace sp::authn
