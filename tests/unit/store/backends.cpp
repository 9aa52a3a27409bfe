#include "unit/store/backends.hpp"

#include <sqlite3.h>

#include "store/postgres/pg_repository.hpp"
#include "store/sqlite/sqlite_repository.hpp"
#include "unit/store/pg_server.hpp"

namespace hearth::store::test {

namespace {

std::string sqlite_raw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string out;
  char* error = nullptr;
  sqlite3_exec(
      db, sql.c_str(),
      [](void* o, int, char** values, char**) {
        auto* s = static_cast<std::string*>(o);
        if (s->empty()) *s = values[0] ? values[0] : "NULL";
        return 0;
      },
      &out, &error);
  if (error) {
    ADD_FAILURE() << "sqlite: " << sql << ": " << error;
    sqlite3_free(error);
  }
  sqlite3_close(db);
  return out;
}

}  // namespace

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::sqlite ? "sqlite" : "postgres";
}

TestDatabase::TestDatabase(Backend backend) : backend_(backend) {
  if (backend == Backend::sqlite) {
    dir_ = std::make_unique<TempDir>();
    url_ = dir_->file("hearth.db");
  } else {
    url_ = pg_server().create_database();  // throws, with what is missing, if PostgreSQL cannot run
  }
}

std::unique_ptr<Repository> TestDatabase::open(OutboxOptions outbox, bool migrated) const {
  std::unique_ptr<Repository> repo;
  if (backend_ == Backend::sqlite)
    repo = std::make_unique<SqliteRepository>(url_, SqliteOptions{}, std::move(outbox));
  else
    repo = open_postgres(url_, std::move(outbox));
  if (migrated) repo->migrate();
  return repo;
}

std::string TestDatabase::raw(const std::string& sqlite_sql, const std::string& postgres_sql) const {
  return backend_ == Backend::sqlite ? sqlite_raw(url_, sqlite_sql) : pg_query(url_, postgres_sql);
}

std::string TestDatabase::stored(const std::string& session_id, const std::string& field) const {
  std::string pg_path = "{";
  for (const char c : field) pg_path += c == '.' ? ',' : c;
  pg_path += "}";
  const std::string where = " FROM call_sessions WHERE session_id = '" + session_id + "'";
  return raw("SELECT json_extract(document, '$." + field + "')" + where,
             "SELECT document::jsonb #>> '" + pg_path + "'" + where);
}

void BackendTest::SetUp() {
  try {
    db_ = std::make_unique<TestDatabase>(GetParam());
    repo_ = db_->open();
  } catch (const std::exception& e) {
    GTEST_FAIL() << "cannot set the " << (GetParam() == Backend::sqlite ? "SQLite" : "PostgreSQL")
                 << " database up: " << e.what();
  }
}

}  // namespace hearth::store::test
