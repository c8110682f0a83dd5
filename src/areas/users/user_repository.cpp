#include "areas/users/user_repository.hpp"

namespace sp::users {
namespace {

constexpr const char* kColumns =
    "id, username, email, full_name, role, provider, active, password_hash, created_at, "
    "updated_at, last_login";

User ReadUser(const soci::row& r) {
  User u;
  u.id = db::GetString(r, 0);
  u.username = db::GetString(r, 1);
  u.email = db::GetString(r, 2);
  u.full_name = db::GetString(r, 3);
  u.role = db::GetString(r, 4);
  u.provider = db::GetString(r, 5);
  u.active = db::GetBool(r, 6);
  u.password_hash = db::GetString(r, 7);
  u.created_at = db::GetString(r, 8);
  u.updated_at = db::GetString(r, 9);
  u.last_login = db::GetOptString(r, 10);
  return u;
}

std::optional<User> FindOne(db::Conn& c, const std::string& column, const std::string& value) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kColumns << " FROM users WHERE " << column << " = :v",
       soci::use(value));
  for (const auto& r : rows) return ReadUser(r);
  return std::nullopt;
}

}  // namespace

std::optional<User> UserRepository::FindById(db::Conn& c, const std::string& id) {
  return FindOne(c, "id", id);
}
std::optional<User> UserRepository::FindByUsername(db::Conn& c, const std::string& username) {
  return FindOne(c, "username", username);
}
std::optional<User> UserRepository::FindByEmail(db::Conn& c, const std::string& email) {
  if (email.empty()) return std::nullopt;
  return FindOne(c, "email", email);
}

std::vector<User> UserRepository::List(db::Conn& c, const UserFilter& f, const http::Page& page,
                                       int64_t& total) {
  // Filters bind as parameters; the WHERE text only has fixed fragments.
  std::string where = " WHERE 1=1";
  const std::string role = f.role.value_or("");
  const std::string provider = f.provider.value_or("");
  const int active = f.active.value_or(false) ? 1 : 0;
  const std::string search = f.search ? "%" + *f.search + "%" : "";
  where += f.role ? " AND role = :role" : " AND :role = ''";
  where += f.provider ? " AND provider = :provider" : " AND :provider = ''";
  where += f.active ? " AND active = :active" : " AND :active = 0";
  where += f.search ? " AND (username LIKE :q OR email LIKE :q2 OR full_name LIKE :q3)"
                    : " AND :q = '' AND :q2 = '' AND :q3 = ''";
  c.sql() << "SELECT COUNT(*) FROM users" << where, soci::use(role), soci::use(provider),
      soci::use(active), soci::use(search), soci::use(search), soci::use(search), soci::into(total);
  const int64_t limit = page.page_size;
  const int64_t offset = page.Offset();
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kColumns << " FROM users" << where
                       << " ORDER BY username LIMIT :lim OFFSET :off",
       soci::use(role), soci::use(provider), soci::use(active), soci::use(search),
       soci::use(search), soci::use(search), soci::use(limit), soci::use(offset));
  std::vector<User> out;
  for (const auto& r : rows) out.push_back(ReadUser(r));
  return out;
}

void UserRepository::Insert(db::Conn& c, const User& u) {
  const int active = u.active ? 1 : 0;
  c.sql() << "INSERT INTO users (id, username, email, full_name, role, provider, active, "
             "password_hash, created_at, updated_at) VALUES (:id, :un, :em, :fn, :ro, :pr, :ac, "
             ":ph, :ca, :ua)",
      soci::use(u.id), soci::use(u.username), soci::use(u.email), soci::use(u.full_name),
      soci::use(u.role), soci::use(u.provider), soci::use(active), soci::use(u.password_hash),
      soci::use(u.created_at), soci::use(u.updated_at);
}

void UserRepository::Update(db::Conn& c, const User& u) {
  const int active = u.active ? 1 : 0;
  c.sql() << "UPDATE users SET username = :un, email = :em, full_name = :fn, role = :ro, "
             "provider = :pr, active = :ac, password_hash = :ph, updated_at = :ua WHERE id = :id",
      soci::use(u.username), soci::use(u.email), soci::use(u.full_name), soci::use(u.role),
      soci::use(u.provider), soci::use(active), soci::use(u.password_hash), soci::use(u.updated_at),
      soci::use(u.id);
}

void UserRepository::Delete(db::Conn& c, const std::string& id) {
  c.sql() << "DELETE FROM users WHERE id = :id", soci::use(id);
}

void UserRepository::TouchLastLogin(db::Conn& c, const std::string& id, const std::string& now) {
  c.sql() << "UPDATE users SET last_login = :now WHERE id = :id", soci::use(now), soci::use(id);
}

int64_t UserRepository::CountActiveAdmins(db::Conn& c) {
  int64_t n = 0;
  c.sql() << "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1", soci::into(n);
  return n;
}

namespace {

UserQuota ReadQuota(const soci::row& r) {
  UserQuota q;
  q.user_id = db::GetString(r, 0);
  q.username = db::GetString(r, 1);
  q.limits.max_sessions = db::GetInt(r, 2);
  q.limits.cpu_millicores = db::GetInt(r, 3);
  q.limits.memory_mib = db::GetInt(r, 4);
  q.limits.storage_gib = db::GetInt(r, 5);
  q.created_at = db::GetString(r, 6);
  q.updated_at = db::GetString(r, 7);
  q.is_default = false;
  return q;
}

constexpr const char* kQuotaSelect =
    "SELECT q.user_id, u.username, q.max_sessions, q.max_cpu_millicores, q.max_memory_mib, "
    "q.max_storage_gib, q.created_at, q.updated_at FROM user_quotas q JOIN users u ON u.id = "
    "q.user_id";

}  // namespace

std::optional<UserQuota> UserRepository::FindQuota(db::Conn& c, const std::string& user_id) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << kQuotaSelect << " WHERE q.user_id = :id", soci::use(user_id));
  for (const auto& r : rows) return ReadQuota(r);
  return std::nullopt;
}

void UserRepository::UpsertQuota(db::Conn& c, const std::string& user_id,
                                 const quotas::QuotaLimits& l, const std::string& now) {
  // ON CONFLICT ... DO UPDATE is the same text on SQLite (3.24+) and PostgreSQL.
  c.sql() << "INSERT INTO user_quotas (user_id, max_sessions, max_cpu_millicores, "
             "max_memory_mib, max_storage_gib, created_at, updated_at) VALUES (:id, :s, :c, :m, "
             ":st, :now, :now2) ON CONFLICT (user_id) DO UPDATE SET max_sessions = "
             "excluded.max_sessions, max_cpu_millicores = excluded.max_cpu_millicores, "
             "max_memory_mib = excluded.max_memory_mib, max_storage_gib = "
             "excluded.max_storage_gib, updated_at = excluded.updated_at",
      soci::use(user_id), soci::use(l.max_sessions), soci::use(l.cpu_millicores),
      soci::use(l.memory_mib), soci::use(l.storage_gib), soci::use(now), soci::use(now);
}

bool UserRepository::DeleteQuota(db::Conn& c, const std::string& user_id) {
  soci::statement st =
      (c.sql().prepare << "DELETE FROM user_quotas WHERE user_id = :id", soci::use(user_id));
  st.execute(true);
  return st.get_affected_rows() > 0;
}

std::vector<UserQuota> UserRepository::ListQuotas(db::Conn& c) {
  soci::rowset<soci::row> rows = (c.sql().prepare << kQuotaSelect << " ORDER BY u.username");
  std::vector<UserQuota> out;
  for (const auto& r : rows) out.push_back(ReadQuota(r));
  return out;
}

std::vector<UserGroupMembership> UserRepository::Groups(db::Conn& c, const std::string& user_id) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT g.id, g.name, g.display_name, g.type, m.role, m.created_at "
                          "FROM group_members m JOIN groups g ON g.id = m.group_id WHERE "
                          "m.user_id = :id ORDER BY g.name",
       soci::use(user_id));
  std::vector<UserGroupMembership> out;
  for (const auto& r : rows) {
    out.push_back({db::GetString(r, 0), db::GetString(r, 1), db::GetString(r, 2),
                   db::GetString(r, 3), db::GetString(r, 4), db::GetString(r, 5)});
  }
  return out;
}

}  // namespace sp::users
