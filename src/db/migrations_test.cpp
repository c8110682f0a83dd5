#include "db/migrations.hpp"

#include <filesystem>

#include <gtest/gtest.h>

namespace sp::db {
namespace {

TEST(Migrations, SplitStatementsIgnoresCommentsAndKeepsMultilineStatements) {
  auto parts =
      SplitStatements("-- header\nCREATE TABLE a (\n  x INTEGER\n);\n\nCREATE INDEX i ON a (x);\n");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_NE(parts[0].find("x INTEGER"), std::string::npos);
  EXPECT_EQ(parts[1].find(';'), std::string::npos);
}

TEST(Migrations, LoadSortsByVersionAndFiltersByDialect) {
  const EmbeddedFile files[] = {{"0002_b.sql", "B"},
                                {"0001_a.sql", "A"},
                                {"0003_pg.postgresql.sql", "P"},
                                {"0003_lite.sqlite.sql", "L"}};
  auto sqlite = LoadMigrations(files, Dialect::kSqlite);
  ASSERT_TRUE(sqlite);
  ASSERT_EQ(sqlite->size(), 3u);
  EXPECT_EQ((*sqlite)[0].sql, "A");
  EXPECT_EQ((*sqlite)[2].sql, "L");
  auto pg = LoadMigrations(files, Dialect::kPostgres);
  ASSERT_TRUE(pg);
  EXPECT_EQ((*pg)[2].sql, "P");
}

TEST(Migrations, RejectsDuplicateVersionsAndBadNames) {
  const EmbeddedFile dup[] = {{"0001_a.sql", "A"}, {"0001_b.sql", "B"}};
  EXPECT_FALSE(LoadMigrations(dup, Dialect::kSqlite));
  const EmbeddedFile bad[] = {{"first.sql", "A"}};
  EXPECT_FALSE(LoadMigrations(bad, Dialect::kSqlite));
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sp-migrations-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_; }

 private:
  std::string path_;
};

TEST(Migrations, EmbeddedSchemaAppliesOnceAndIsIdempotent) {
  TempDir dir;
  const std::string url = "sqlite://" + dir.path() + "/t.db";
  {
    auto db = Database::Open({url, 2});
    ASSERT_TRUE(db) << db.error().message;
  }
  auto db = Database::Open({url, 2});  // second start: nothing to apply, no error
  ASSERT_TRUE(db) << db.error().message;
  auto count = (*db)->Read([](Conn& c) -> Result<int> {
    int n = 0;
    c.sql() << "SELECT COUNT(*) FROM schema_migrations", soci::into(n);
    return n;
  });
  ASSERT_TRUE(count);
  EXPECT_GE(*count, 1);
}

TEST(Migrations, FailedMigrationRollsBackAndReportsItsName) {
  TempDir dir;
  auto db = Database::Open({"sqlite://" + dir.path() + "/t.db", 1});
  ASSERT_TRUE(db);
  const std::vector<Migration> broken = {
      {9001, "9001_half.sql", "CREATE TABLE half_done (x INTEGER);\nTHIS IS NOT SQL;"}};
  auto st = (*db)->Read([&](Conn& c) { return ApplyMigrations(c, broken); });
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("9001_half.sql"), std::string::npos);
  auto exists = (*db)->Read([](Conn& c) -> Result<int> {
    int n = 0;
    c.sql() << "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'", soci::into(n);
    return n;
  });
  ASSERT_TRUE(exists);
  EXPECT_EQ(*exists, 0);  // the first statement was rolled back with the second
}

TEST(Database, TransactionRollsBackOnErrorResult) {
  TempDir dir;
  auto db = Database::Open({"sqlite://" + dir.path() + "/t.db", 1});
  ASSERT_TRUE(db);
  auto r = (*db)->Transaction([](Conn& c) -> Status {
    c.sql() << "INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', 'now')";
    return Fail(Errc::kInvalidArgument, "no");
  });
  EXPECT_FALSE(r);
  auto n = (*db)->Read([](Conn& c) -> Result<int> {
    int count = 0;
    c.sql() << "SELECT COUNT(*) FROM settings WHERE key = 'k'", soci::into(count);
    return count;
  });
  EXPECT_EQ(*n, 0);
}

TEST(Database, UniqueViolationMapsToAlreadyExists) {
  TempDir dir;
  auto db = Database::Open({"sqlite://" + dir.path() + "/t.db", 1});
  ASSERT_TRUE(db);
  auto r = (*db)->Transaction([](Conn& c) -> Status {
    c.sql() << "INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', 'now')";
    c.sql() << "INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', 'now')";
    return Ok();
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kAlreadyExists);
}

}  // namespace
}  // namespace sp::db
