// Numbered SQL migrations (src/db/migrations/NNNN_name.sql, embedded in the binary),
// applied in order at start, each in its own transaction, recorded in schema_migrations.
// One schema serves both databases: TEXT ids and RFC 3339 timestamps, INTEGER booleans.
// A file named NNNN_name.sqlite.sql or NNNN_name.postgresql.sql applies to that one only.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/embedded_file.hpp"
#include "common/error.hpp"
#include "db/database.hpp"

namespace sp::db {

struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
};

// Sorted by version; rejects duplicate versions and malformed names.
Result<std::vector<Migration>> LoadMigrations(std::span<const EmbeddedFile> files, Dialect dialect);
// Splits a script into statements at semicolons that end a line.
std::vector<std::string> SplitStatements(const std::string& sql);
Status ApplyMigrations(Conn& conn);
Status ApplyMigrations(Conn& conn, const std::vector<Migration>& migrations);

}  // namespace sp::db
