#pragma once
// A thin RAII layer over one libpq connection (PGconn): statements prepared by name once per connection (and again
// after a reconnect), executed with text parameters and text results, and every PostgreSQL error turned into a
// StoreError by its SQLSTATE: 23505 (unique violation) is errc::conflict; a lost or refused connection, 57P01
// (admin shutdown), class 08 (connection exception) and class 53 (insufficient resources) are errc::unavailable
// with the message "Database unavailable"; anything else is errc::unavailable with the server's text as detail.
// SQL is written with SQLite's ?N placeholders (so the analytics SQL is shared, see sqlite/analytics_sql.hpp) and
// turned into PostgreSQL's $N when prepared.
// Round trips are what a store lane waits for and what PostgreSQL pays most for (BENCHMARKS.md, "Call set-ups and
// REST on PostgreSQL"), so a transaction takes as few as it can:
// - begin_lazily(): BEGIN is not sent until the first statement that writes or locks; plain reads before it run on
//   their own (under READ COMMITTED each statement takes its own snapshot anyway), and a transaction that only
//   read costs no BEGIN and no COMMIT;
// - defer(): a statement whose result nobody waits for (BEGIN, SAVEPOINT, RELEASE, an UPDATE of a row this
//   transaction has locked, an INSERT that cannot conflict) is sent with the next statement that is waited for, or
//   with the COMMIT, in libpq's pipeline mode: one round trip for all of them. Its error is thrown there.
// - a round trip that opens the transaction (or a plain read outside one) and fails because the connection was
//   lost (PostgreSQL restarted since the last statement) reconnects once and is sent again: nothing ran yet.
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
  struct Prepared;
  PgQuery(PgConnection& conn, Prepared& prepared, bool plain_read)
      : conn_(&conn), prepared_(&prepared), plain_read_(plain_read) {}

  PgQuery& bind(int index, std::string_view text);
  PgQuery& bind(int index, std::int64_t value);
  PgQuery& bind_real(int index, double value);
  PgQuery& bind_null(int index);

  bool step();   // true: a row is ready; false: done. Throws StoreError.
  void run();    // executes, ignoring rows
  void defer();  // executes with the next round trip (PgConnection::defer): rows and changes() are not read

  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string_view text(int column) const;

 private:
  void execute();
  int params() const noexcept;

  PgConnection* conn_;  // not owned; outlives the query
  Prepared* prepared_;  // owned by the connection (never erased)
  bool plain_read_;     // may run before the lazily begun transaction's BEGIN
  std::vector<std::optional<std::string>> values_;
  PgResult result_;
  int row_ = -1;
  int rows_ = 0;
};

// A statement as prepared on a connection (prepared again after a reconnect).
struct PgQuery::Prepared {
  std::string name;
  int params = 0;
  int generation = -1;  // the connection it was prepared on
  std::string text;     // with $N placeholders
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
  // A `plain_read` (a SELECT that neither locks nor writes) may run before a lazily begun transaction's BEGIN.
  PgQuery query(std::string_view sql, bool plain_read = false);
  // Runs `sql` (one or several statements, no parameters) unprepared: BEGIN, COMMIT, migrations. Sends what is
  // deferred first.
  void exec(std::string_view sql);
  void exec_script(const std::string& sql) { exec(sql); }
  // Rows changed by the last statement run through query() and waited for.
  std::int64_t changes() const noexcept { return changes_; }
  // Statements run inside the transaction since its BEGIN: 0 means it has taken no snapshot yet, so its isolation
  // level may still be set.
  int queries_since_begin() const noexcept { return queries_since_begin_; }

  // A transaction whose BEGIN goes with its first statement that writes or locks (see the top of this file).
  void begin_lazily();
  // Sends what is deferred and COMMIT (nothing at all if the transaction never began). Throws StoreError if any of
  // it failed or the transaction had failed before (COMMIT of a failed transaction is a ROLLBACK).
  void commit();
  // Forgets what is deferred and rolls back what was sent; never throws for a lost connection.
  void rollback();
  // One savepoint ("op") at a time, and only when needed: an operation whose writes are all still deferred when it
  // fails is undone by dropping them; SAVEPOINT is sent (before them) once the operation reaches the server with a
  // write or a lock.
  void savepoint();
  void release_savepoint();
  void rollback_to_savepoint();
  // Queues a parameterless single statement (BEGIN, SAVEPOINT op...) for the next round trip.
  void defer_exec(std::string_view sql);

  // Begun (lazily or not) and not yet committed or rolled back.
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
  // One statement of a round trip: a prepared one with its values, or a parameterless `sql`.
  struct Statement {
    PgQuery::Prepared* prepared = nullptr;
    std::string_view sql;  // a literal: BEGIN, COMMIT, SAVEPOINT op...
    std::vector<std::optional<std::string>> values;
  };
  void connect();
  void ensure_prepared(PgQuery::Prepared& p);
  // Runs `last` (a query() or COMMIT) with everything deferred before it; returns its result.
  PgResult round_trip(Statement last, bool plain_read);
  PgResult send(const std::vector<Statement>& deferred, const Statement& last);
  PgResult send_pipeline(const std::vector<Statement>& deferred, const Statement& last);
  void flush();        // sends what is deferred, if anything (before exec())
  void materialize();  // a lazily begun transaction's BEGIN goes first into the deferred statements
  // Before a round trip: the pending savepoint is sent if the operation deferred something or `changes` (the
  // statement waited for writes or locks).
  void keep_savepoint(bool changes);

  std::string conninfo_;
  pg_conn* conn_ = nullptr;
  std::unordered_map<std::string, PgQuery::Prepared> prepared_;  // by SQL text as written (?N); never erased
  std::vector<Statement> deferred_;
  std::int64_t changes_ = 0;
  int queries_since_begin_ = 0;
  int next_name_ = 0;
  int generation_ = 0;  // connections so far: a statement prepared on an older one is prepared again
  bool lazy_ = false;   // begin_lazily() and nothing written or locked yet: BEGIN not sent
  // The operation's savepoint: `pending` while nothing it wrote or locked has reached the server (it is undone by
  // dropping its deferred statements, from savepoint_at_ on), `sent` once SAVEPOINT went before them.
  enum class Savepoint { none, pending, sent };
  Savepoint savepoint_ = Savepoint::none;
  std::size_t savepoint_at_ = 0;
  bool broken_ = false;  // a round trip ended in a state libpq cannot continue from: reconnect
};

// Whether a StoreError's cause means the connection itself is gone (so a reconnect may help).
bool is_connection_sqlstate(std::string_view sqlstate) noexcept;

}  // namespace hearth::store
