// Database: a pool of SOCI sessions over SQLite (default, WAL, a file in the data directory)
// or PostgreSQL, with the one way to run SQL: Read() for single statements and
// Transaction() for anything that writes more than one row. Both catch SOCI's exceptions and
// turn them into Result errors (unique violation -> kAlreadyExists, the rest -> kInternal),
// so that repositories can be written without try/catch.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <soci/soci.h>

#include "common/error.hpp"

namespace sp::db {

enum class Dialect { kSqlite, kPostgres };

// A leased connection, handed to repository functions.
class Conn {
 public:
  Conn(soci::session& session, Dialect dialect) : session_(session), dialect_(dialect) {}
  soci::session& sql() { return session_; }
  Dialect dialect() const { return dialect_; }

  // Runs `fn` once the surrounding transaction has committed (at once after Read()); never
  // when it rolls back. For notifications that must not announce what was not written.
  void AfterCommit(std::function<void()> fn) { after_commit_.push_back(std::move(fn)); }
  void RunAfterCommit() noexcept;

 private:
  soci::session& session_;
  Dialect dialect_;
  std::vector<std::function<void()>> after_commit_;
};

struct DatabaseOptions {
  std::string url;  // "sqlite:///abs/path.db", "sqlite://rel.db" or "postgresql://..."
  size_t pool_size = 8;
};

class Database {
 public:
  // Opens the pool and applies pending migrations. Fails with a clear message.
  static Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options);
  ~Database();

  Dialect dialect() const { return dialect_; }
  const std::string& description() const { return description_; }

  // Runs fn with a connection, outside an explicit transaction.
  template <class Fn>
  auto Read(Fn&& fn) -> std::invoke_result_t<Fn&, Conn&> {
    return Run(std::forward<Fn>(fn), false);
  }

  // Runs fn in a transaction: committed when fn returns a value, rolled back when it returns
  // an error or throws. On SQLite the transaction takes the write lock up front (BEGIN
  // IMMEDIATE) so that concurrent writers queue on busy_timeout instead of failing.
  template <class Fn>
  auto Transaction(Fn&& fn) -> std::invoke_result_t<Fn&, Conn&> {
    return Run(std::forward<Fn>(fn), true);
  }

 private:
  class Lease;
  Database(Dialect dialect, std::string description, size_t pool_size);

  template <class Fn>
  auto Run(Fn&& fn, bool transaction) -> std::invoke_result_t<Fn&, Conn&> {
    try {
      Lease lease(*this);
      Conn conn(lease.session(), dialect_);
      if (!transaction) {
        auto result = fn(conn);
        conn.RunAfterCommit();
        return result;
      }
      Begin(conn);
      try {
        auto result = fn(conn);
        if (result) {
          Commit(conn);
          conn.RunAfterCommit();
        } else {
          Rollback(conn);
        }
        return result;
      } catch (...) {
        Rollback(conn);
        throw;
      }
    } catch (const soci::soci_error& e) {
      return tl::make_unexpected(MapError(e));
    }
  }

  static void Begin(Conn& conn);
  static void Commit(Conn& conn);
  static void Rollback(Conn& conn) noexcept;
  static Error MapError(const soci::soci_error& e);

  class Lease {
   public:
    explicit Lease(Database& db);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    soci::session& session();

   private:
    Database& db_;
    size_t index_;
  };

  Dialect dialect_;
  std::string description_;
  soci::connection_pool pool_;
  size_t pool_size_;
};

// postgresql://user:pass@host:port/db?sslmode=require -> libpq's "key='value' ..." form,
// which is what SOCI's backend passes on unchanged (it garbles the URI form).
Result<std::string> PostgresConnectString(const std::string& url);

// Row access that tolerates the integer widths each backend reports.
std::string GetString(const soci::row& row, size_t i);
std::optional<std::string> GetOptString(const soci::row& row, size_t i);
int64_t GetInt(const soci::row& row, size_t i);
bool GetBool(const soci::row& row, size_t i);

// For binding optional values: soci::use(value, indicator).
inline soci::indicator Ind(const std::optional<std::string>& v) {
  return v ? soci::i_ok : soci::i_null;
}

}  // namespace sp::db
