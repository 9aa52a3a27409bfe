#include "store/postgres/pg_connection.hpp"

#include <libpq-fe.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>

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

PgConnection::PgConnection(std::string conninfo) : conninfo_(std::move(conninfo)) {
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

bool PgConnection::ok() const { return PQstatus(conn_) == CONNECTION_OK; }

bool PgConnection::in_transaction() const {
  const auto s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

bool PgConnection::transaction_failed() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

bool PgConnection::reset() {
  prepared_.clear();
  PQreset(conn_);
  if (!ok()) return false;
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  return true;
}

void PgConnection::fail(const pg_result* result, std::string_view context) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string_view sqlstate = state ? state : "";
  std::string detail = trimmed(result ? PQresultErrorMessage(result) : nullptr);
  if (detail.empty()) detail = trimmed(PQerrorMessage(conn_));
  std::string what =
      fmt::format("postgres: {} ({}): {}", detail, sqlstate.empty() ? "no SQLSTATE" : sqlstate, context.substr(0, 200));
  if (sqlstate == "23505") throw StoreError(errc::conflict, what);
  if (is_connection_sqlstate(sqlstate) || !ok())
    throw StoreError(errc::unavailable, what, std::string(kDatabaseUnavailable));
  throw StoreError(errc::unavailable, what);
}

void PgConnection::exec(std::string_view sql) {
  if (sql.starts_with("BEGIN")) queries_since_begin_ = 0;
  const PgResult r(PQexec(conn_, std::string(sql).c_str()));
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r.get(), sql);
}

PgQuery PgConnection::query(std::string_view sql) {
  auto it = prepared_.find(std::string(sql));
  if (it == prepared_.end()) {
    Prepared p;
    p.name = "h";  // not "h" + to_string(): GCC 12 -Wrestrict false positive (GCC bug 105329)
    p.name += std::to_string(next_name_++);
    const std::string text = to_dollar_placeholders(sql, p.params);
    const PgResult r(PQprepare(conn_, p.name.c_str(), text.c_str(), 0, nullptr));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) fail(r.get(), sql);
    it = prepared_.emplace(std::string(sql), std::move(p)).first;
  }
  return PgQuery(*this, it->second.name, it->second.params);
}

PgResult PgConnection::run_prepared(const std::string& name, int params,
                                    const std::vector<std::optional<std::string>>& values) {
  std::vector<const char*> ptrs(static_cast<std::size_t>(params), nullptr);
  for (std::size_t i = 0; i < values.size() && i < ptrs.size(); ++i)
    if (values[i]) ptrs[i] = values[i]->c_str();
  ++queries_since_begin_;
  PgResult r(PQexecPrepared(conn_, name.c_str(), params, ptrs.data(), nullptr, nullptr, 0));
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r.get(), name);
  const char* tuples = PQcmdTuples(r.get());
  changes_ = tuples && *tuples ? std::strtoll(tuples, nullptr, 10) : 0;
  return r;
}

PgQuery& PgQuery::bind(int index, std::string_view text) {
  if (index < 1 || index > params_) throw StoreError(errc::internal, "postgres: bind index out of range");
  if (values_.size() < static_cast<std::size_t>(params_)) values_.resize(static_cast<std::size_t>(params_));
  values_[static_cast<std::size_t>(index - 1)] = std::string(text);
  return *this;
}

PgQuery& PgQuery::bind(int index, std::int64_t value) { return bind(index, std::to_string(value)); }

PgQuery& PgQuery::bind_real(int index, double value) { return bind(index, fmt::format("{}", value)); }

PgQuery& PgQuery::bind_null(int index) {
  if (index < 1 || index > params_) throw StoreError(errc::internal, "postgres: bind index out of range");
  if (values_.size() < static_cast<std::size_t>(params_)) values_.resize(static_cast<std::size_t>(params_));
  values_[static_cast<std::size_t>(index - 1)].reset();
  return *this;
}

void PgQuery::execute() {
  result_ = conn_->run_prepared(*name_, params_, values_);
  rows_ = PQntuples(result_.get());
  row_ = -1;
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
