#include "db/database.hpp"

#include <gtest/gtest.h>

namespace sp::db {
namespace {

TEST(PostgresConnectString, ConvertsUriToKeywordForm) {
  EXPECT_EQ(*PostgresConnectString("postgresql://ss@127.0.0.1:55432/postgres"),
            "host='127.0.0.1' port='55432' user='ss' dbname='postgres'");
  EXPECT_EQ(*PostgresConnectString("postgres://u:p%40ss@db.example:5432/app?sslmode=require"),
            "host='db.example' port='5432' user='u' password='p@ss' dbname='app' "
            "sslmode='require'");
  EXPECT_EQ(*PostgresConnectString("postgresql://[::1]:5433/x"),
            "host='::1' port='5433' dbname='x'");
  EXPECT_EQ(*PostgresConnectString("postgresql://u:it's@h/d"),
            "host='h' user='u' password='it\\'s' dbname='d'");
}

TEST(Database, UnsupportedUrlIsAClearError) {
  auto db = Database::Open({"mysql://x", 1});
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("unsupported database URL"), std::string::npos);
}

}  // namespace
}  // namespace sp::db
