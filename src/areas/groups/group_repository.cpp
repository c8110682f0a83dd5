#include "areas/groups/group_repository.hpp"

#include "common/crypto.hpp"
#include "common/strings.hpp"

namespace sp::groups {
namespace {

constexpr const char* kColumns =
    "g.id, g.name, g.display_name, g.description, g.type, g.parent_id, g.created_at, "
    "g.updated_at, (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id)";

Group ReadGroup(const soci::row& r) {
  Group g;
  g.id = db::GetString(r, 0);
  g.name = db::GetString(r, 1);
  g.display_name = db::GetString(r, 2);
  g.description = db::GetString(r, 3);
  g.type = db::GetString(r, 4);
  g.parent_id = db::GetOptString(r, 5);
  g.created_at = db::GetString(r, 6);
  g.updated_at = db::GetString(r, 7);
  g.member_count = db::GetInt(r, 8);
  return g;
}

std::optional<Group> FindOne(db::Conn& c, const std::string& column, const std::string& value) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kColumns << " FROM groups g WHERE g." << column << " = :v",
       soci::use(value));
  for (const auto& r : rows) return ReadGroup(r);
  return std::nullopt;
}

}  // namespace

std::optional<Group> GroupRepository::FindById(db::Conn& c, const std::string& id) {
  return FindOne(c, "id", id);
}

std::optional<Group> GroupRepository::FindByName(db::Conn& c, const std::string& name) {
  return FindOne(c, "name", name);
}

std::vector<Group> GroupRepository::List(db::Conn& c, const GroupFilter& f, const http::Page& page,
                                         int64_t& total) {
  // Filters bind as parameters; the WHERE text only has fixed fragments.
  std::string where = " WHERE 1=1";
  const std::string type = f.type.value_or("");
  const std::string parent = f.parent_id.value_or("");
  const std::string search = f.search ? "%" + ToLower(*f.search) + "%" : "";
  const std::string member = f.member_id.value_or("");
  where += f.type ? " AND g.type = :type" : " AND :type = ''";
  where += f.parent_id ? " AND g.parent_id = :parent" : " AND :parent = ''";
  where += f.search ? " AND (LOWER(g.name) LIKE :q OR LOWER(g.display_name) LIKE :q2 OR "
                      "LOWER(g.description) LIKE :q3)"
                    : " AND :q = '' AND :q2 = '' AND :q3 = ''";
  where += f.member_id
               ? " AND g.id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = :mem)"
               : " AND :mem = ''";
  c.sql() << "SELECT COUNT(*) FROM groups g" << where, soci::use(type), soci::use(parent),
      soci::use(search), soci::use(search), soci::use(search), soci::use(member), soci::into(total);
  const int64_t limit = page.page_size;
  const int64_t offset = page.Offset();
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kColumns << " FROM groups g" << where
                       << " ORDER BY g.name LIMIT :lim OFFSET :off",
       soci::use(type), soci::use(parent), soci::use(search), soci::use(search), soci::use(search),
       soci::use(member), soci::use(limit), soci::use(offset));
  std::vector<Group> out;
  for (const auto& r : rows) out.push_back(ReadGroup(r));
  return out;
}

void GroupRepository::Insert(db::Conn& c, const Group& g) {
  const std::string parent = g.parent_id.value_or("");
  soci::indicator parent_ind = db::Ind(g.parent_id);
  c.sql() << "INSERT INTO groups (id, name, display_name, description, type, parent_id, "
             "created_at, updated_at) VALUES (:id, :na, :dn, :de, :ty, :pa, :ca, :ua)",
      soci::use(g.id), soci::use(g.name), soci::use(g.display_name), soci::use(g.description),
      soci::use(g.type), soci::use(parent, parent_ind), soci::use(g.created_at),
      soci::use(g.updated_at);
}

void GroupRepository::Update(db::Conn& c, const Group& g) {
  c.sql() << "UPDATE groups SET display_name = :dn, description = :de, type = :ty, "
             "updated_at = :ua WHERE id = :id",
      soci::use(g.display_name), soci::use(g.description), soci::use(g.type),
      soci::use(g.updated_at), soci::use(g.id);
}

void GroupRepository::Delete(db::Conn& c, const std::string& id) {
  c.sql() << "DELETE FROM groups WHERE id = :id", soci::use(id);
}

std::optional<std::string> GroupRepository::MemberRole(db::Conn& c, const std::string& group_id,
                                                       const std::string& user_id) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT role FROM group_members WHERE group_id = :g AND user_id = :u",
       soci::use(group_id), soci::use(user_id));
  for (const auto& r : rows) return db::GetString(r, 0);
  return std::nullopt;
}

std::vector<GroupMember> GroupRepository::Members(db::Conn& c, const std::string& group_id) {
  // Only the user columns the API shows are selected: the password hash never leaves the table.
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT u.id, u.username, u.email, u.full_name, m.role, m.created_at "
                          "FROM group_members m JOIN users u ON u.id = m.user_id WHERE "
                          "m.group_id = :g ORDER BY u.username",
       soci::use(group_id));
  std::vector<GroupMember> out;
  for (const auto& r : rows) {
    out.push_back({db::GetString(r, 0), db::GetString(r, 1), db::GetString(r, 2),
                   db::GetString(r, 3), db::GetString(r, 4), db::GetString(r, 5)});
  }
  return out;
}

void GroupRepository::AddMember(db::Conn& c, const std::string& group_id,
                                const std::string& user_id, const std::string& role,
                                const std::string& now) {
  const std::string id = NewId();
  c.sql() << "INSERT INTO group_members (id, group_id, user_id, role, created_at) VALUES (:id, "
             ":g, :u, :r, :now)",
      soci::use(id), soci::use(group_id), soci::use(user_id), soci::use(role), soci::use(now);
}

bool GroupRepository::RemoveMember(db::Conn& c, const std::string& group_id,
                                   const std::string& user_id) {
  soci::statement st =
      (c.sql().prepare << "DELETE FROM group_members WHERE group_id = :g AND user_id = :u",
       soci::use(group_id), soci::use(user_id));
  st.execute(true);
  return st.get_affected_rows() > 0;
}

bool GroupRepository::SetMemberRole(db::Conn& c, const std::string& group_id,
                                    const std::string& user_id, const std::string& role) {
  soci::statement st = (c.sql().prepare << "UPDATE group_members SET role = :r WHERE group_id = "
                                           ":g AND user_id = :u",
                        soci::use(role), soci::use(group_id), soci::use(user_id));
  st.execute(true);
  return st.get_affected_rows() > 0;
}

std::optional<GroupQuota> GroupRepository::FindQuota(db::Conn& c, const std::string& group_id) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT group_id, max_sessions, max_cpu_millicores, max_memory_mib, "
                          "max_storage_gib, created_at, updated_at FROM group_quotas WHERE "
                          "group_id = :g",
       soci::use(group_id));
  for (const auto& r : rows) {
    GroupQuota q;
    q.group_id = db::GetString(r, 0);
    q.limits.max_sessions = db::GetInt(r, 1);
    q.limits.cpu_millicores = db::GetInt(r, 2);
    q.limits.memory_mib = db::GetInt(r, 3);
    q.limits.storage_gib = db::GetInt(r, 4);
    q.created_at = db::GetString(r, 5);
    q.updated_at = db::GetString(r, 6);
    q.is_default = false;
    return q;
  }
  return std::nullopt;
}

void GroupRepository::UpsertQuota(db::Conn& c, const std::string& group_id,
                                  const quotas::QuotaLimits& l, const std::string& now) {
  // ON CONFLICT ... DO UPDATE is the same text on SQLite (3.24+) and PostgreSQL.
  c.sql() << "INSERT INTO group_quotas (group_id, max_sessions, max_cpu_millicores, "
             "max_memory_mib, max_storage_gib, created_at, updated_at) VALUES (:g, :s, :c, :m, "
             ":st, :now, :now2) ON CONFLICT (group_id) DO UPDATE SET max_sessions = "
             "excluded.max_sessions, max_cpu_millicores = excluded.max_cpu_millicores, "
             "max_memory_mib = excluded.max_memory_mib, max_storage_gib = "
             "excluded.max_storage_gib, updated_at = excluded.updated_at",
      soci::use(group_id), soci::use(l.max_sessions), soci::use(l.cpu_millicores),
      soci::use(l.memory_mib), soci::use(l.storage_gib), soci::use(now), soci::use(now);
}

}  // namespace sp::groups
