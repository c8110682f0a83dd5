#include "areas/templates/template_repository.hpp"

#include <nlohmann/json.hpp>

#include "common/strings.hpp"

namespace sp::templates {
namespace {

constexpr const char* kColumns =
    "id, name, display_name, description, category, tags, icon, app_type, command, image, "
    "protocol, http_port, http_path, cpu_millicores, memory_mib, env, idle_timeout_s, "
    "persistent_home, builtin, enabled, created_at, updated_at";

// Columns hold what this file wrote; anything else reads as empty rather than failing a list.
std::vector<std::string> ReadStringList(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& item : j) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> ReadStringMap(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (const auto& [key, value] : j.items()) {
    if (value.is_string()) out.emplace(key, value.get<std::string>());
  }
  return out;
}

std::string WriteList(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }

std::string WriteMap(const std::map<std::string, std::string>& m) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, value] : m) j[key] = value;
  return j.dump();
}

Template ReadTemplate(const soci::row& r) {
  Template t;
  t.id = db::GetString(r, 0);
  t.name = db::GetString(r, 1);
  t.display_name = db::GetString(r, 2);
  t.description = db::GetString(r, 3);
  t.category = db::GetString(r, 4);
  t.tags = ReadStringList(db::GetString(r, 5));
  t.icon = db::GetString(r, 6);
  t.app_type = db::GetString(r, 7);
  t.command = ReadStringList(db::GetString(r, 8));
  t.image = db::GetString(r, 9);
  t.protocol = db::GetString(r, 10);
  t.http_port = db::GetInt(r, 11);
  t.http_path = db::GetString(r, 12);
  t.cpu_millicores = db::GetInt(r, 13);
  t.memory_mib = db::GetInt(r, 14);
  t.env = ReadStringMap(db::GetString(r, 15));
  t.idle_timeout_s = db::GetInt(r, 16);
  t.persistent_home = db::GetBool(r, 17);
  t.builtin = db::GetBool(r, 18);
  t.enabled = db::GetBool(r, 19);
  t.created_at = db::GetString(r, 20);
  t.updated_at = db::GetString(r, 21);
  return t;
}

std::optional<Template> FindOne(db::Conn& c, const std::string& column, const std::string& value) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kColumns << " FROM templates WHERE " << column << " = :v",
       soci::use(value));
  for (const auto& r : rows) return ReadTemplate(r);
  return std::nullopt;
}

// A LIKE pattern that matches `text` literally, for use with ESCAPE '!'. ('!' rather than
// a backslash: PostgreSQL and SQLite disagree on backslashes, and '!' needs no quoting.)
std::string LikeLiteral(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '!' || ch == '%' || ch == '_') out += '!';
    out += ch;
  }
  return out;
}

}  // namespace

std::optional<Template> TemplateRepository::FindById(db::Conn& c, const std::string& id) {
  return FindOne(c, "id", id);
}

std::optional<Template> TemplateRepository::FindByName(db::Conn& c, const std::string& name) {
  return FindOne(c, "name", name);
}

std::optional<Template> TemplateRepository::FindByIdOrName(db::Conn& c,
                                                           const std::string& id_or_name) {
  if (auto t = FindById(c, id_or_name)) return t;
  return FindByName(c, id_or_name);
}

std::vector<Template> TemplateRepository::List(db::Conn& c, const TemplateFilter& f,
                                               const http::Page& page, int64_t& total) {
  // Filters bind as parameters; the WHERE text only has fixed fragments.
  std::string where = " WHERE 1=1";
  const std::string category = f.category ? ToLower(*f.category) : "";
  // Tags are a JSON array of strings: a tag matches as its quoted JSON form.
  const std::string tag =
      f.tag ? "%" + LikeLiteral(ToLower(nlohmann::json(*f.tag).dump())) + "%" : "";
  const std::string search = f.search ? "%" + LikeLiteral(ToLower(*f.search)) + "%" : "";
  const std::string app_type = f.app_type.value_or("");
  const int enabled = f.enabled.value_or(false) ? 1 : 0;
  where += f.category ? " AND LOWER(category) = :cat" : " AND :cat = ''";
  where += f.tag ? " AND LOWER(tags) LIKE :tag ESCAPE '!'" : " AND :tag = ''";
  where += f.search ? " AND (LOWER(name) LIKE :q ESCAPE '!' OR LOWER(display_name) LIKE :q2 "
                      "ESCAPE '!' OR LOWER(description) LIKE :q3 ESCAPE '!')"
                    : " AND :q = '' AND :q2 = '' AND :q3 = ''";
  where += f.app_type ? " AND app_type = :at" : " AND :at = ''";
  where += f.enabled ? " AND enabled = :en" : " AND :en = 0";
  c.sql() << "SELECT COUNT(*) FROM templates" << where, soci::use(category), soci::use(tag),
      soci::use(search), soci::use(search), soci::use(search), soci::use(app_type),
      soci::use(enabled), soci::into(total);
  const int64_t limit = page.page_size;
  const int64_t offset = page.Offset();
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kColumns << " FROM templates" << where
                       << " ORDER BY name LIMIT :lim OFFSET :off",
       soci::use(category), soci::use(tag), soci::use(search), soci::use(search), soci::use(search),
       soci::use(app_type), soci::use(enabled), soci::use(limit), soci::use(offset));
  std::vector<Template> out;
  for (const auto& r : rows) out.push_back(ReadTemplate(r));
  return out;
}

void TemplateRepository::Insert(db::Conn& c, const Template& t) {
  const std::string tags = WriteList(t.tags);
  const std::string command = WriteList(t.command);
  const std::string env = WriteMap(t.env);
  const int persistent_home = t.persistent_home ? 1 : 0;
  const int builtin = t.builtin ? 1 : 0;
  const int enabled = t.enabled ? 1 : 0;
  c.sql() << "INSERT INTO templates (id, name, display_name, description, category, tags, icon, "
             "app_type, command, image, protocol, http_port, http_path, cpu_millicores, "
             "memory_mib, env, idle_timeout_s, persistent_home, builtin, enabled, created_at, "
             "updated_at) VALUES (:id, :nm, :dn, :de, :ca, :tg, :ic, :at, :cm, :im, :pr, :hp, "
             ":pa, :cpu, :mem, :env, :idle, :ph, :bi, :en, :cr, :up)",
      soci::use(t.id), soci::use(t.name), soci::use(t.display_name), soci::use(t.description),
      soci::use(t.category), soci::use(tags), soci::use(t.icon), soci::use(t.app_type),
      soci::use(command), soci::use(t.image), soci::use(t.protocol), soci::use(t.http_port),
      soci::use(t.http_path), soci::use(t.cpu_millicores), soci::use(t.memory_mib), soci::use(env),
      soci::use(t.idle_timeout_s), soci::use(persistent_home), soci::use(builtin),
      soci::use(enabled), soci::use(t.created_at), soci::use(t.updated_at);
}

void TemplateRepository::Update(db::Conn& c, const Template& t) {
  const std::string tags = WriteList(t.tags);
  const std::string command = WriteList(t.command);
  const std::string env = WriteMap(t.env);
  const int persistent_home = t.persistent_home ? 1 : 0;
  const int enabled = t.enabled ? 1 : 0;
  c.sql() << "UPDATE templates SET name = :nm, display_name = :dn, description = :de, "
             "category = :ca, tags = :tg, icon = :ic, app_type = :at, command = :cm, image = :im, "
             "protocol = :pr, http_port = :hp, http_path = :pa, cpu_millicores = :cpu, "
             "memory_mib = :mem, env = :env, idle_timeout_s = :idle, persistent_home = :ph, "
             "enabled = :en, updated_at = :up WHERE id = :id",
      soci::use(t.name), soci::use(t.display_name), soci::use(t.description), soci::use(t.category),
      soci::use(tags), soci::use(t.icon), soci::use(t.app_type), soci::use(command),
      soci::use(t.image), soci::use(t.protocol), soci::use(t.http_port), soci::use(t.http_path),
      soci::use(t.cpu_millicores), soci::use(t.memory_mib), soci::use(env),
      soci::use(t.idle_timeout_s), soci::use(persistent_home), soci::use(enabled),
      soci::use(t.updated_at), soci::use(t.id);
}

void TemplateRepository::Delete(db::Conn& c, const std::string& id) {
  c.sql() << "DELETE FROM templates WHERE id = :id", soci::use(id);
}

int64_t TemplateRepository::CountActiveSessions(db::Conn& c, const std::string& template_id) {
  int64_t n = 0;
  c.sql() << "SELECT COUNT(*) FROM sessions WHERE template_id = :id AND state NOT IN "
             "('stopped', 'failed')",
      soci::use(template_id), soci::into(n);
  return n;
}

int64_t TemplateRepository::CountSessions(db::Conn& c, const std::string& template_id) {
  int64_t n = 0;
  c.sql() << "SELECT COUNT(*) FROM sessions WHERE template_id = :id", soci::use(template_id),
      soci::into(n);
  return n;
}

}  // namespace sp::templates
