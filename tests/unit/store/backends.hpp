#pragma once
// The two Repository implementations, for the store's parametrised suites (INSTANTIATE_TEST_SUITE_P over
// test::kBackends): one TestDatabase per test, a fresh SQLite file or a fresh PostgreSQL database (pg_server.hpp),
// repositories opened on it (several: several connections, as several nodes would), and raw SQL as another client
// would run it. SQL given to raw() must be valid on both, or the test passes each its own (raw(sqlite, postgres)).
// Thread safety: one TestDatabase per test thread; the repositories it opens follow Repository's rules.
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "store/repository.hpp"
#include "unit/store/store_fixtures.hpp"

namespace hearth::store::test {

enum class Backend { sqlite, postgres };

inline constexpr Backend kBackends[] = {Backend::sqlite, Backend::postgres};

// "sqlite", "postgres": the suffix of each instantiated test's name.
std::string backend_name(const ::testing::TestParamInfo<Backend>& info);

class TestDatabase {
 public:
  explicit TestDatabase(Backend backend);
  // A repository on this database (migrated if `migrated`); each call is a new connection.
  std::unique_ptr<Repository> open(OutboxOptions outbox = {}, bool migrated = true) const;
  // The first column of the first row of `sql` ("NULL" for null, "" for no row), run on a connection of its own.
  std::string raw(const std::string& sql) const { return raw(sql, sql); }
  std::string raw(const std::string& sqlite_sql, const std::string& postgres_sql) const;
  // A JSON field of a stored session's document, as text ("" when absent): `path` like "metadata.title".
  std::string stored(const std::string& session_id, const std::string& field) const;
  Backend backend() const noexcept { return backend_; }
  const std::string& url() const noexcept { return url_; }  // sqlite: the file's path

 private:
  Backend backend_;
  std::unique_ptr<TempDir> dir_;  // sqlite only
  std::string url_;
};

// A suite over both backends: `db_` is the test's database, `repo_` a migrated repository on it.
class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<Repository> repo_;
};

}  // namespace hearth::store::test
