#include "db/migrations.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/time_format.hpp"

namespace sp::migrations_embedded {
std::span<const sp::EmbeddedFile> Files();
}

namespace sp::db {

Result<std::vector<Migration>> LoadMigrations(std::span<const EmbeddedFile> files,
                                              Dialect dialect) {
  std::vector<Migration> out;
  std::set<int> seen;
  for (const auto& f : files) {
    const std::string name(f.name);
    int version = 0;
    auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), version);
    if (ec != std::errc() || ptr == name.data() || *ptr != '_' || !name.ends_with(".sql")) {
      return Fail(Errc::kInternal, "malformed migration file name: " + name);
    }
    if (name.ends_with(".sqlite.sql") && dialect != Dialect::kSqlite) continue;
    if (name.ends_with(".postgresql.sql") && dialect != Dialect::kPostgres) continue;
    if (!seen.insert(version).second) {
      return Fail(Errc::kInternal, "duplicate migration version in " + name);
    }
    out.push_back(Migration{version, name, std::string(f.content)});
  }
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  return out;
}

std::vector<std::string> SplitStatements(const std::string& sql) {
  std::vector<std::string> out;
  std::string current;
  size_t pos = 0;
  while (pos < sql.size()) {
    size_t end = sql.find('\n', pos);
    if (end == std::string::npos) end = sql.size();
    std::string line = sql.substr(pos, end - pos);
    pos = end + 1;
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line.compare(first, 2, "--") == 0) continue;
    current += line;
    current += '\n';
    const size_t last = line.find_last_not_of(" \t\r");
    if (line[last] == ';') {
      current.erase(current.find_last_of(';'));
      out.push_back(std::move(current));
      current.clear();
    }
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(current);
  return out;
}

Status ApplyMigrations(Conn& conn) {
  auto migrations = LoadMigrations(migrations_embedded::Files(), conn.dialect());
  if (!migrations) return Fail(migrations.error());
  return ApplyMigrations(conn, *migrations);
}

Status ApplyMigrations(Conn& conn, const std::vector<Migration>& migrations) {
  auto& sql = conn.sql();
  const bool pg = conn.dialect() == Dialect::kPostgres;
  // Several replicas may start at once against one PostgreSQL: serialise them.
  if (pg) sql << "SELECT pg_advisory_lock(7310001)";
  struct Unlock {
    soci::session& s;
    bool pg;
    ~Unlock() {
      if (pg) {
        try {
          s << "SELECT pg_advisory_unlock(7310001)";
        } catch (...) {
        }
      }
    }
  } unlock{sql, pg};

  sql << "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
         "name TEXT NOT NULL, applied_at TEXT NOT NULL)";
  std::set<int> applied;
  {
    soci::rowset<soci::row> rows = (sql.prepare << "SELECT version FROM schema_migrations");
    for (const auto& row : rows) applied.insert(static_cast<int>(GetInt(row, 0)));
  }
  for (const auto& m : migrations) {
    if (applied.count(m.version) != 0) continue;
    sql << (pg ? "BEGIN" : "BEGIN IMMEDIATE");
    try {
      for (const auto& statement : SplitStatements(m.sql)) sql << statement;
      const std::string now = FormatTime(std::chrono::system_clock::now());
      sql << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, :n, :t)",
          soci::use(m.version), soci::use(m.name), soci::use(now);
      sql << "COMMIT";
    } catch (const std::exception& e) {
      try {
        sql << "ROLLBACK";
      } catch (...) {
      }
      return Fail(Errc::kInternal, "migration " + m.name + " failed: " + e.what());
    }
    spdlog::info("migration applied version={} name={}", m.version, m.name);
  }
  return Ok();
}

}  // namespace sp::db
