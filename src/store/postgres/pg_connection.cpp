#include "store/postgres/pg_connection.hpp"

#include <libpq-fe.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <exception>

#include <fmt/format.h>

#include "store/repository.hpp"

namespace hearth::store {

namespace {

// "?12" -> "$12"; a '?' not followed by a digit, and anything inside quotes, is left alone.
std::string to_dollar_placeholders(std::string_view sql, int& params) {
  std::string out;
  out.reserve(sql.size());
  bool quoted = false;
  params = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') quoted = !quoted;
    if (!quoted && c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out += '$';
      int n = 0;
      std::size_t j = i + 1;
      for (; j < sql.size() && sql[j] >= '0' && sql[j] <= '9'; ++j) n = n * 10 + (sql[j] - '0');
      out.append(sql.substr(i + 1, j - i - 1));
      params = std::max(params, n);
      i = j - 1;
      continue;
    }
    out += c;
  }
  return out;
}

// libpq's messages end with a newline.
std::string trimmed(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

bool is_connection_sqlstate(std::string_view state) noexcept {
  return state.empty() || state == "57P01" || state == "57P02" || state == "57P03" || state.starts_with("08") ||
         state.starts_with("53");
}

void PgResultFree::operator()(pg_result* r) const noexcept { PQclear(r); }

PgConnection::PgConnection(std::string conninfo) : conninfo_(std::move(conninfo)) { connect(); }

void PgConnection::connect() {
  // Later keywords override earlier ones, and the URL is expanded where "dbname" stands: its own settings win.
  // A server that hangs without closing the socket must not hold a lane for ever: TCP keepalives and a user timeout
  // notice a dead peer within about 15 s, and no statement or row lock waits longer than 15 s (a lane's operations
  // are short: one session's row each).
  const char* keywords[] = {"connect_timeout",
                            "keepalives",
                            "keepalives_idle",
                            "keepalives_interval",
                            "keepalives_count",
                            "tcp_user_timeout",
                            "options",
                            "dbname",
                            nullptr};
  const char* values[] = {
      "5", "1", "5", "2", "3", "15000", "-c statement_timeout=15000 -c lock_timeout=15000", conninfo_.c_str(), nullptr};
  conn_ = PQconnectdbParams(keywords, values, 1);
  if (conn_ == nullptr)
    throw StoreError(errc::unavailable, "postgres: out of memory", std::string(kDatabaseUnavailable));
  ++generation_;
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string why = trimmed(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw StoreError(errc::unavailable, "postgres: cannot connect: " + why, std::string(kDatabaseUnavailable));
  }
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);  // NOTICEs (IF NOT EXISTS...) are not errors
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

bool PgConnection::ok() const { return conn_ != nullptr && !broken_ && PQstatus(conn_) == CONNECTION_OK; }

bool PgConnection::in_transaction() const {
  if (lazy_ || !deferred_.empty()) return true;
  const auto s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

bool PgConnection::transaction_failed() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

bool PgConnection::reset() {
  ++generation_;  // every statement is prepared again on the new connection
  if (conn_ != nullptr && !broken_) {
    PQreset(conn_);
  } else {
    // Left in pipeline mode with results unread, or never connected: start from a new connection.
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
    broken_ = false;
    try {
      connect();
    } catch (const StoreError&) {
      broken_ = true;  // connect() left conn_ null; the next reset() tries again
      return false;
    }
  }
  if (!ok()) return false;
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  return true;
}

void PgConnection::fail(const pg_result* result, std::string_view context) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string_view sqlstate = state ? state : "";
  std::string detail = trimmed(result ? PQresultErrorMessage(result) : nullptr);
  if (detail.empty() && conn_ != nullptr) detail = trimmed(PQerrorMessage(conn_));
  std::string what =
      fmt::format("postgres: {} ({}): {}", detail, sqlstate.empty() ? "no SQLSTATE" : sqlstate, context.substr(0, 200));
  if (sqlstate == "23505") throw StoreError(errc::conflict, what);
  // A compare-and-set that found the row changed (session_sql.hpp, compare_and_set_session_sql), or a transaction
  // PostgreSQL aborted to break a deadlock (40P01) or a serialization conflict (40001): worth running again.
  if ((sqlstate == "22012" && context.starts_with("WITH cas AS")) || sqlstate == "40P01" || sqlstate == "40001")
    throw ConcurrentWrite(what);
  if (is_connection_sqlstate(sqlstate) || !ok())
    throw StoreError(errc::unavailable, what, std::string(kDatabaseUnavailable));
  throw StoreError(errc::unavailable, what);
}

void PgConnection::exec(std::string_view sql) {
  if (conn_ == nullptr || broken_) fail(nullptr, sql);
  if (sql.starts_with("BEGIN")) {
    lazy_ = false;
    savepoint_ = Savepoint::none;
    queries_since_begin_ = 0;
  } else if (sql == "ROLLBACK") {
    deferred_.clear();
    lazy_ = false;
    savepoint_ = Savepoint::none;
  } else {
    keep_savepoint(true);
    materialize();
  }
  flush();
  const PgResult r(PQexec(conn_, std::string(sql).c_str()));
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r.get(), sql);
}

PgQuery PgConnection::query(std::string_view sql, bool plain_read) {
  auto it = prepared_.find(std::string(sql));
  if (it == prepared_.end()) {
    PgQuery::Prepared p;
    p.text = to_dollar_placeholders(sql, p.params);
    it = prepared_.emplace(std::string(sql), std::move(p)).first;
  }
  // Prepared when first sent (send()), inside the round trip that reconnects if the connection was lost.
  return PgQuery(*this, it->second, plain_read);
}

void PgConnection::ensure_prepared(PgQuery::Prepared& p) {
  if (p.generation == generation_) return;
  if (conn_ == nullptr) fail(nullptr, p.text);
  p.name = "h";  // not "h" + to_string(): GCC 12 -Wrestrict false positive (GCC bug 105329)
  p.name += std::to_string(next_name_++);
  const PgResult r(PQprepare(conn_, p.name.c_str(), p.text.c_str(), 0, nullptr));
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) fail(r.get(), p.text);
  p.generation = generation_;
}

// --- transactions and round trips ------------------------------------------------------------------------------------

void PgConnection::begin_lazily() {
  deferred_.clear();
  lazy_ = true;
  savepoint_ = Savepoint::none;
  queries_since_begin_ = 0;
}

void PgConnection::materialize() {
  if (!lazy_) return;
  lazy_ = false;
  deferred_.insert(deferred_.begin(), Statement{nullptr, "BEGIN", {}});
  if (savepoint_ == Savepoint::pending) ++savepoint_at_;
}

void PgConnection::defer_exec(std::string_view sql) { deferred_.push_back(Statement{nullptr, sql, {}}); }

void PgConnection::savepoint() {
  savepoint_ = Savepoint::pending;
  savepoint_at_ = deferred_.size();
}

void PgConnection::keep_savepoint(bool changes) {
  // The operation is about to reach the server with something it wrote or locked: from here on, undoing it needs
  // the savepoint, taken where the operation began (before its deferred statements).
  if (savepoint_ != Savepoint::pending || (!changes && deferred_.size() == savepoint_at_)) return;
  materialize();
  deferred_.insert(deferred_.begin() + static_cast<std::ptrdiff_t>(savepoint_at_),
                   Statement{nullptr, "SAVEPOINT op", {}});
  savepoint_ = Savepoint::sent;
}

void PgConnection::release_savepoint() {
  if (savepoint_ == Savepoint::sent) defer_exec("RELEASE SAVEPOINT op");
  savepoint_ = Savepoint::none;
}

void PgConnection::rollback_to_savepoint() {
  if (savepoint_ == Savepoint::pending) {
    // Nothing of the operation reached the server: dropping what it deferred undoes it.
    deferred_.resize(savepoint_at_);
  } else if (savepoint_ == Savepoint::sent) {
    // ROLLBACK TO keeps the savepoint open; release it too.
    defer_exec("ROLLBACK TO SAVEPOINT op");
    defer_exec("RELEASE SAVEPOINT op");
  }
  savepoint_ = Savepoint::none;
}

void PgConnection::commit() {
  if (lazy_) {  // never began: nothing was written or locked
    lazy_ = false;
    savepoint_ = Savepoint::none;
    return;
  }
  // COMMIT of a failed transaction "succeeds" as a ROLLBACK: never report that as committed. (Whether it failed
  // is known only once what is deferred, a ROLLBACK TO SAVEPOINT maybe, has run.)
  if (!in_transaction())
    throw StoreError(errc::unavailable, "postgres: the transaction was rolled back after an error");
  const PgResult r = round_trip(Statement{nullptr, "COMMIT", {}}, false);
  if (std::string_view(PQcmdStatus(r.get())) != "COMMIT")
    throw StoreError(errc::unavailable, "postgres: the transaction was rolled back after an error");
}

void PgConnection::rollback() {
  deferred_.clear();
  lazy_ = false;
  savepoint_ = Savepoint::none;
  if (ok() && in_transaction()) exec("ROLLBACK");
}

void PgConnection::flush() {
  if (deferred_.empty()) return;
  keep_savepoint(true);
  // Nothing to wait for but the deferred statements themselves: the last of them is the one waited for.
  auto last = std::move(deferred_.back());
  deferred_.pop_back();
  (void)round_trip(std::move(last), false);
}

PgResult PgConnection::round_trip(Statement last, bool plain_read) {
  keep_savepoint(!plain_read);
  if (!plain_read) materialize();
  if (!lazy_ && last.sql != "COMMIT") ++queries_since_begin_;
  // A round trip that opens the transaction, or a read outside one, may be sent again on a new connection.
  const bool idle = conn_ == nullptr || PQtransactionStatus(conn_) == PQTRANS_IDLE;
  const bool first = deferred_.empty() ? plain_read && idle : deferred_.front().sql == "BEGIN";
  auto deferred = std::move(deferred_);
  deferred_.clear();
  // A savepoint still pending here has nothing of its operation before this round trip: it starts afresh after it.
  if (savepoint_ == Savepoint::pending) savepoint_at_ = 0;
  try {
    return send(deferred, last);
  } catch (const StoreError&) {
    // PostgreSQL restarted since the last statement: the connection only learns it now. Reconnect once.
    if (!first || ok() || !reset()) throw;
    return send(deferred, last);
  }
}

PgResult PgConnection::send(const std::vector<Statement>& deferred, const Statement& last) {
  if (conn_ == nullptr || broken_) fail(nullptr, last.sql);
  for (const auto& s : deferred)
    if (s.prepared) ensure_prepared(*s.prepared);
  if (last.prepared) ensure_prepared(*last.prepared);
  if (!deferred.empty()) return send_pipeline(deferred, last);
  PgResult r;
  if (last.prepared) {
    std::vector<const char*> ptrs(static_cast<std::size_t>(last.prepared->params), nullptr);
    for (std::size_t i = 0; i < last.values.size() && i < ptrs.size(); ++i)
      if (last.values[i]) ptrs[i] = last.values[i]->c_str();
    r.reset(
        PQexecPrepared(conn_, last.prepared->name.c_str(), last.prepared->params, ptrs.data(), nullptr, nullptr, 0));
  } else {
    r.reset(PQexecParams(conn_, std::string(last.sql).c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0));
  }
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    fail(r.get(), last.prepared ? std::string_view(last.prepared->text) : last.sql);
  const char* tuples = PQcmdTuples(r.get());
  changes_ = tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
  return r;
}

PgResult PgConnection::send_pipeline(const std::vector<Statement>& deferred, const Statement& last) {
  const auto queue = [this](const Statement& s) {
    if (!s.prepared)
      return PQsendQueryParams(conn_, std::string(s.sql).c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
    std::vector<const char*> ptrs(static_cast<std::size_t>(s.prepared->params), nullptr);
    for (std::size_t i = 0; i < s.values.size() && i < ptrs.size(); ++i)
      if (s.values[i]) ptrs[i] = s.values[i]->c_str();
    return PQsendQueryPrepared(conn_, s.prepared->name.c_str(), s.prepared->params, ptrs.data(), nullptr, nullptr, 0) ==
           1;
  };
  if (PQenterPipelineMode(conn_) != 1) fail(nullptr, "pipeline mode");
  bool sent = true;
  for (const auto& s : deferred) sent = sent && queue(s);
  sent = sent && queue(last) && PQpipelineSync(conn_) == 1;

  // Each statement's results end with a null; the Sync's own result ends the pipeline. After an error, the
  // statements that follow come back PGRES_PIPELINE_ABORTED.
  const std::size_t total = deferred.size() + 1;
  std::size_t index = 0;
  std::exception_ptr error;  // the first failure (a ConcurrentWrite keeps its type)
  PgResult result;
  bool synced = false;
  int nulls = 0;
  while (sent) {
    PgResult r(PQgetResult(conn_));
    if (!r) {
      ++index;
      if (++nulls >= 2) break;  // two in a row: the connection is gone
      continue;
    }
    nulls = 0;
    const auto status = PQresultStatus(r.get());
    if (status == PGRES_PIPELINE_SYNC) {
      synced = true;
      break;
    }
    if (status == PGRES_PIPELINE_ABORTED) continue;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      if (!error) {
        const Statement& s = index < deferred.size() ? deferred[index] : last;
        try {
          fail(r.get(), s.prepared ? std::string_view(s.prepared->text) : s.sql);
        } catch (...) {
          error = std::current_exception();
        }
      }
      continue;
    }
    if (index + 1 == total) result = std::move(r);
  }
  if (!synced || PQexitPipelineMode(conn_) != 1) broken_ = true;  // the next transaction reconnects
  if (error) std::rethrow_exception(error);
  if (broken_ || !result) fail(nullptr, "pipeline");
  const char* tuples = PQcmdTuples(result.get());
  changes_ = tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
  return result;
}

PgQuery& PgQuery::bind(int index, std::string_view text) {
  if (index < 1 || index > params()) throw StoreError(errc::internal, "postgres: bind index out of range");
  if (values_.size() < static_cast<std::size_t>(params())) values_.resize(static_cast<std::size_t>(params()));
  values_[static_cast<std::size_t>(index - 1)] = std::string(text);
  return *this;
}

PgQuery& PgQuery::bind(int index, std::int64_t value) { return bind(index, std::to_string(value)); }

PgQuery& PgQuery::bind_real(int index, double value) { return bind(index, fmt::format("{}", value)); }

PgQuery& PgQuery::bind_null(int index) {
  if (index < 1 || index > params()) throw StoreError(errc::internal, "postgres: bind index out of range");
  if (values_.size() < static_cast<std::size_t>(params())) values_.resize(static_cast<std::size_t>(params()));
  values_[static_cast<std::size_t>(index - 1)].reset();
  return *this;
}

int PgQuery::params() const noexcept { return prepared_->params; }

void PgQuery::execute() {
  result_ = conn_->round_trip(PgConnection::Statement{prepared_, {}, std::move(values_)}, plain_read_);
  values_.clear();
  rows_ = PQntuples(result_.get());
  row_ = -1;
}

void PgQuery::defer() {
  if (!conn_->in_transaction()) return run();  // no COMMIT to carry it: autocommit, now
  conn_->materialize();
  conn_->deferred_.push_back(PgConnection::Statement{prepared_, {}, std::move(values_)});
  values_.clear();
}

bool PgQuery::step() {
  if (!result_) execute();
  if (row_ + 1 >= rows_) return false;
  ++row_;
  return true;
}

void PgQuery::run() {
  if (!result_) execute();
}

bool PgQuery::is_null(int column) const { return PQgetisnull(result_.get(), row_, column) != 0; }

std::int64_t PgQuery::int64(int column) const {
  const auto t = text(column);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc{}) {
    // SUM(bigint) is numeric: an integral value prints without a fraction, anything else is a bug.
    throw StoreError(errc::internal, "postgres: not an integer: " + std::string(t.substr(0, 40)));
  }
  return v;
}

double PgQuery::real(int column) const {
  const std::string t(text(column));
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end == t.c_str()) throw StoreError(errc::internal, "postgres: not a number: " + t.substr(0, 40));
  return v;
}

std::string_view PgQuery::text(int column) const {
  return {PQgetvalue(result_.get(), row_, column), static_cast<std::size_t>(PQgetlength(result_.get(), row_, column))};
}

}  // namespace hearth::store
