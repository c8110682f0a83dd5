#include "areas/apikeys/api_key_repository.hpp"

#include <nlohmann/json.hpp>

namespace sp::apikeys {
namespace {

constexpr const char* kSelect =
    "SELECT k.id, k.key_hash, k.key_prefix, k.name, k.description, k.user_id, u.username, "
    "k.scopes, k.rate_limit, k.expires_at, k.last_used_at, k.use_count, k.is_active, "
    "k.created_at, k.created_by FROM api_keys k JOIN users u ON u.id = k.user_id";

ApiKey Read(const soci::row& r) {
  ApiKey k;
  k.id = db::GetString(r, 0);
  k.key_hash = db::GetString(r, 1);
  k.key_prefix = db::GetString(r, 2);
  k.name = db::GetString(r, 3);
  k.description = db::GetString(r, 4);
  k.user_id = db::GetString(r, 5);
  k.username = db::GetString(r, 6);
  auto scopes = nlohmann::json::parse(db::GetString(r, 7), nullptr, false);
  if (scopes.is_array()) {
    for (const auto& s : scopes) {
      if (s.is_string()) k.scopes.push_back(s.get<std::string>());
    }
  }
  k.rate_limit = db::GetInt(r, 8);
  k.expires_at = db::GetOptString(r, 9);
  k.last_used_at = db::GetOptString(r, 10);
  k.use_count = db::GetInt(r, 11);
  k.is_active = db::GetBool(r, 12);
  k.created_at = db::GetString(r, 13);
  k.created_by = db::GetString(r, 14);
  return k;
}

std::vector<ApiKey> Collect(soci::rowset<soci::row>& rows) {
  std::vector<ApiKey> out;
  for (const auto& r : rows) out.push_back(Read(r));
  return out;
}

}  // namespace

std::optional<ApiKey> ApiKeyRepository::FindById(db::Conn& c, const std::string& id) {
  soci::rowset<soci::row> rows = (c.sql().prepare << kSelect << " WHERE k.id = :id", soci::use(id));
  for (const auto& r : rows) return Read(r);
  return std::nullopt;
}

std::optional<ApiKey> ApiKeyRepository::FindByHash(db::Conn& c, const std::string& hash) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << kSelect << " WHERE k.key_hash = :h", soci::use(hash));
  for (const auto& r : rows) return Read(r);
  return std::nullopt;
}

std::vector<ApiKey> ApiKeyRepository::ListByUser(db::Conn& c, const std::string& user_id) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << kSelect << " WHERE k.user_id = :u ORDER BY k.created_at DESC, k.id",
       soci::use(user_id));
  return Collect(rows);
}

std::vector<ApiKey> ApiKeyRepository::ListAll(db::Conn& c, int64_t limit, int64_t offset,
                                              int64_t& total) {
  c.sql() << "SELECT COUNT(*) FROM api_keys", soci::into(total);
  soci::rowset<soci::row> rows =
      (c.sql().prepare << kSelect << " ORDER BY k.created_at DESC, k.id LIMIT :lim OFFSET :off",
       soci::use(limit), soci::use(offset));
  return Collect(rows);
}

void ApiKeyRepository::Insert(db::Conn& c, const ApiKey& k) {
  const std::string scopes = nlohmann::json(k.scopes).dump();
  const int active = k.is_active ? 1 : 0;
  const std::string expires = k.expires_at.value_or("");
  soci::indicator expires_ind = db::Ind(k.expires_at);
  c.sql() << "INSERT INTO api_keys (id, key_hash, key_prefix, name, description, user_id, scopes, "
             "rate_limit, expires_at, use_count, is_active, created_at, created_by) VALUES (:id, "
             ":h, :p, :n, :d, :u, :s, :rl, :ex, 0, :ac, :ca, :cb)",
      soci::use(k.id), soci::use(k.key_hash), soci::use(k.key_prefix), soci::use(k.name),
      soci::use(k.description), soci::use(k.user_id), soci::use(scopes), soci::use(k.rate_limit),
      soci::use(expires, expires_ind), soci::use(active), soci::use(k.created_at),
      soci::use(k.created_by);
}

void ApiKeyRepository::Update(db::Conn& c, const ApiKey& k) {
  const std::string scopes = nlohmann::json(k.scopes).dump();
  const int active = k.is_active ? 1 : 0;
  c.sql() << "UPDATE api_keys SET key_hash = :h, key_prefix = :p, name = :n, description = :d, "
             "scopes = :s, rate_limit = :rl, is_active = :ac WHERE id = :id",
      soci::use(k.key_hash), soci::use(k.key_prefix), soci::use(k.name), soci::use(k.description),
      soci::use(scopes), soci::use(k.rate_limit), soci::use(active), soci::use(k.id);
}

void ApiKeyRepository::Delete(db::Conn& c, const std::string& id) {
  c.sql() << "DELETE FROM api_keys WHERE id = :id", soci::use(id);
}

void ApiKeyRepository::RecordUse(db::Conn& c, const std::string& id, const std::string& now) {
  c.sql() << "UPDATE api_keys SET use_count = use_count + 1, last_used_at = :now WHERE id = :id",
      soci::use(now), soci::use(id);
}

}  // namespace sp::apikeys
