#include "db/database.hpp"

#include <filesystem>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "common/log.hpp"
#include "db/migrations.hpp"
#include "http/query.hpp"

namespace sp::db {

Database::Database(Dialect dialect, std::string description, size_t pool_size)
    : dialect_(dialect),
      description_(std::move(description)),
      pool_(pool_size),
      pool_size_(pool_size) {}

Database::~Database() = default;

Database::Lease::Lease(Database& db) : db_(db), index_(db.pool_.lease()) {}
Database::Lease::~Lease() { db_.pool_.give_back(index_); }
soci::session& Database::Lease::session() { return db_.pool_.at(index_); }

namespace {

struct ParsedUrl {
  Dialect dialect;
  std::string connect;      // what SOCI's backend takes
  std::string description;  // for logs: never the password
};

Result<ParsedUrl> ParseUrl(const std::string& url) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.rfind(kSqlite, 0) == 0) {
    std::string path = url.substr(kSqlite.size());
    if (path.empty()) return Fail(Errc::kInvalidArgument, "sqlite URL has no file path: " + url);
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Fail(Errc::kInvalidArgument, "cannot create " + parent.string() + ": " + ec.message());
    }
    return ParsedUrl{Dialect::kSqlite, "db=\"" + path + "\" timeout=10 shared_cache=false",
                     "sqlite:" + path};
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    // libpq accepts the URI form as it is. Drop the credentials from what is logged.
    std::string shown = url;
    const size_t scheme_end = url.find("://") + 3;
    const size_t at = url.find('@', scheme_end);
    if (at != std::string::npos) shown = url.substr(0, scheme_end) + "***@" + url.substr(at + 1);
    auto connect = PostgresConnectString(url);
    if (!connect) return Fail(connect.error());
    return ParsedUrl{Dialect::kPostgres, *connect, shown};
  }
  return Fail(Errc::kInvalidArgument,
              "unsupported database URL (use sqlite://PATH or postgresql://...): " + url);
}

std::string QuoteValue(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

Result<std::string> PostgresConnectString(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return Fail(Errc::kInvalidArgument, "not a URL: " + url);
  std::string rest = url.substr(scheme_end + 3);
  std::string query;
  if (const size_t q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string dbname;
  if (const size_t slash = rest.find('/'); slash != std::string::npos) {
    dbname = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  std::string user;
  std::string password;
  if (const size_t at = rest.rfind('@'); at != std::string::npos) {
    const std::string info = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t colon = info.find(':');
    user = info.substr(0, colon);
    if (colon != std::string::npos) password = info.substr(colon + 1);
  }
  std::string host = rest;
  std::string port;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string::npos) {
      return Fail(Errc::kInvalidArgument, "malformed host in database URL");
    }
    if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
    host = host.substr(1, close - 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  std::vector<std::pair<std::string, std::string>> kv;
  auto add = [&](const char* key, const std::string& raw) -> Status {
    if (raw.empty()) return Ok();
    auto decoded = http::PercentDecode(raw, false);
    if (!decoded) {
      return Fail(Errc::kInvalidArgument, std::string("malformed ") + key + " in database URL");
    }
    kv.emplace_back(key, *decoded);
    return Ok();
  };
  for (Status st : {add("host", host), add("port", port), add("user", user),
                    add("password", password), add("dbname", dbname)}) {
    if (!st) return Fail(st.error());
  }
  const http::QueryParams params = http::QueryParams::Parse(query);
  for (const auto& pair : params.All()) kv.push_back(pair);
  std::string out;
  for (const auto& [k, v] : kv) {
    if (!out.empty()) out += ' ';
    out += k + "=" + QuoteValue(v);
  }
  return out;
}

Result<std::unique_ptr<Database>> Database::Open(const DatabaseOptions& options) {
  auto parsed = ParseUrl(options.url);
  if (!parsed) return Fail(parsed.error());
  const size_t pool_size = std::max<size_t>(options.pool_size, 1);
  std::unique_ptr<Database> db(new Database(parsed->dialect, parsed->description, pool_size));
  try {
    for (size_t i = 0; i < pool_size; ++i) {
      soci::session& s = db->pool_.at(i);
      if (parsed->dialect == Dialect::kSqlite) {
        s.open(*soci::factory_sqlite3(), parsed->connect);
        s << "PRAGMA journal_mode=WAL";
        s << "PRAGMA synchronous=NORMAL";
        s << "PRAGMA foreign_keys=ON";
        s << "PRAGMA busy_timeout=10000";
      } else {
        s.open(*soci::factory_postgresql(), parsed->connect);
        s << "SET TIME ZONE 'UTC'";
      }
    }
  } catch (const soci::soci_error& e) {
    return Fail(Errc::kUnavailable,
                "cannot open database " + parsed->description + ": " + e.what());
  }
  auto migrated = db->Read([&](Conn& conn) { return ApplyMigrations(conn); });
  if (!migrated) return Fail(migrated.error());
  return db;
}

void Database::Begin(Conn& conn) {
  conn.sql() << (conn.dialect() == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN");
}

void Database::Commit(Conn& conn) { conn.sql() << "COMMIT"; }

void Conn::RunAfterCommit() noexcept {
  auto pending = std::move(after_commit_);
  after_commit_.clear();
  for (auto& fn : pending) {
    try {
      fn();
    } catch (const std::exception& e) {
      spdlog::error("after-commit action failed error={}", e.what());
    }
  }
}

void Database::Rollback(Conn& conn) noexcept {
  try {
    conn.sql() << "ROLLBACK";
  } catch (const std::exception& e) {
    spdlog::warn("rollback failed error={}", e.what());
  }
}

Error Database::MapError(const soci::soci_error& e) {
  const std::string what = e.what();
  if (what.find("UNIQUE constraint failed") != std::string::npos ||
      what.find("duplicate key value") != std::string::npos) {
    return Error{Errc::kAlreadyExists, "a resource with these values already exists", what, 0};
  }
  if (what.find("FOREIGN KEY constraint failed") != std::string::npos ||
      what.find("violates foreign key constraint") != std::string::npos) {
    return Error{Errc::kFailedPrecondition, "a referenced resource does not exist", what, 0};
  }
  if (what.find("database is locked") != std::string::npos) {
    return Error{Errc::kUnavailable, "the database is busy; retry shortly", what, 0};
  }
  spdlog::error("database error error={}", what);
  return Error{Errc::kInternal, "", what, 0};
}

std::string GetString(const soci::row& row, size_t i) {
  if (row.get_indicator(i) == soci::i_null) return {};
  switch (row.get_properties(i).get_data_type()) {
    case soci::dt_string:
      return row.get<std::string>(i);
    case soci::dt_integer:
      return std::to_string(row.get<int>(i));
    case soci::dt_long_long:
      return std::to_string(row.get<long long>(i));
    case soci::dt_unsigned_long_long:
      return std::to_string(row.get<unsigned long long>(i));
    case soci::dt_double:
      return std::to_string(row.get<double>(i));
    default:
      return row.get<std::string>(i);
  }
}

std::optional<std::string> GetOptString(const soci::row& row, size_t i) {
  if (row.get_indicator(i) == soci::i_null) return std::nullopt;
  return GetString(row, i);
}

int64_t GetInt(const soci::row& row, size_t i) {
  if (row.get_indicator(i) == soci::i_null) return 0;
  switch (row.get_properties(i).get_data_type()) {
    case soci::dt_integer:
      return row.get<int>(i);
    case soci::dt_long_long:
      return row.get<long long>(i);
    case soci::dt_unsigned_long_long:
      return static_cast<int64_t>(row.get<unsigned long long>(i));
    case soci::dt_double:
      return static_cast<int64_t>(row.get<double>(i));
    case soci::dt_string:
      return std::stoll(row.get<std::string>(i));
    default:
      return 0;
  }
}

bool GetBool(const soci::row& row, size_t i) { return GetInt(row, i) != 0; }

}  // namespace sp::db
