#pragma once
// A thin RAII layer over one libpq connection (PGconn): statements prepared by name once per connection (and again
// after a reconnect), executed with text parameters and text results, and every PostgreSQL error turned into a
// StoreError by its SQLSTATE: 23505 (unique violation) is errc::conflict; a lost or refused connection, 57P01
// (admin shutdown), class 08 (connection exception) and class 53 (insufficient resources) are errc::unavailable
// with the message "Database unavailable"; anything else is errc::unavailable with the server's text as detail.
// SQL is written with SQLite's ?N placeholders (so the analytics SQL is shared, see sqlite/analytics_sql.hpp) and
// turned into PostgreSQL's $N when prepared.
// Thread safety: none; the connection is used by one thread at a time (its store lane).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace hearth::store {

class PgConnection;

// The message clients get when PostgreSQL cannot be reached.
inline constexpr std::string_view kDatabaseUnavailable = "Database unavailable";

// Owns a PGresult.
struct PgResultFree {
  void operator()(pg_result* r) const noexcept;
};
using PgResult = std::unique_ptr<pg_result, PgResultFree>;

// One use of a prepared statement, shaped like SqliteQuery: bind (1-based), step through the rows, read columns
// (0-based). The statement runs at the first step() or run(); its whole result is then held in memory (queries
// here are bounded by LIMIT or by a session's rows).
class PgQuery {
 public:
  PgQuery(PgConnection& conn, const std::string& name, int params) : conn_(&conn), name_(&name), params_(params) {}

  PgQuery& bind(int index, std::string_view text);
  PgQuery& bind(int index, std::int64_t value);
  PgQuery& bind_real(int index, double value);
  PgQuery& bind_null(int index);

  bool step();  // true: a row is ready; false: done. Throws StoreError.
  void run();   // executes, ignoring rows

  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string_view text(int column) const;

 private:
  void execute();

  PgConnection* conn_;       // not owned; outlives the query
  const std::string* name_;  // the prepared statement's name, owned by the connection
  int params_;
  std::vector<std::optional<std::string>> values_;
  PgResult result_;
  int row_ = -1;
  int rows_ = 0;
};

class PgConnection {
 public:
  // The scalar maximum of two values (shared SQL, sqlite/analytics_sql.hpp).
  static constexpr std::string_view kGreatest = "GREATEST";

  // Connects (libpq's URL or key=value form; connect_timeout defaults to 5 s, here and on reconnects, unless the
  // URL sets it). Throws StoreError(errc::unavailable) if it cannot.
  explicit PgConnection(std::string conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // The prepared statement for `sql` (one statement, ?N placeholders), prepared on first use on this connection.
  PgQuery query(std::string_view sql);
  // Runs `sql` (one or several statements, no parameters) unprepared: BEGIN, COMMIT, migrations.
  void exec(std::string_view sql);
  void exec_script(const std::string& sql) { exec(sql); }
  // Rows changed by the last statement run through query().
  std::int64_t changes() const noexcept { return changes_; }
  // Statements run through query() since the last BEGIN (exec of "BEGIN..."): 0 means the transaction has taken no
  // snapshot yet, so its isolation level may still be set.
  int queries_since_begin() const noexcept { return queries_since_begin_; }
  bool in_transaction() const;
  // A statement failed in the open transaction: only ROLLBACK (TO SAVEPOINT) is accepted until then.
  bool transaction_failed() const;
  // The connection is up (as far as libpq knows without asking the server).
  bool ok() const;
  // Reconnects (PQreset); prepared statements are prepared again on next use. Returns whether it is up.
  bool reset();

  // Throws the StoreError for `result` (null: the connection's own error), naming `context`.
  [[noreturn]] void fail(const pg_result* result, std::string_view context);

 private:
  friend class PgQuery;
  struct Prepared {
    std::string name;
    int params = 0;
  };
  PgResult run_prepared(const std::string& name, int params, const std::vector<std::optional<std::string>>& values);

  std::string conninfo_;
  pg_conn* conn_ = nullptr;
  std::unordered_map<std::string, Prepared> prepared_;  // by SQL text as written (?N)
  std::int64_t changes_ = 0;
  int queries_since_begin_ = 0;
  int next_name_ = 0;
};

// Whether a StoreError's cause means the connection itself is gone (so a reconnect may help).
bool is_connection_sqlstate(std::string_view sqlstate) noexcept;

}  // namespace hearth::store
