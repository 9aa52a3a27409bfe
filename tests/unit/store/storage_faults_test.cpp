// Storage faults under the real SqliteRepository and Store: a full disk, a read-only file system and a failing
// device, injected by a VFS over SQLite's default one (FaultyVfs) whose writes fail on demand as the OS would
// make them fail. What must hold: the request fails with errc::unavailable and a message naming the cause,
// nothing of the failed batch is stored, the store thread is left outside any transaction, and once the fault
// is gone the next writes succeed with everything acknowledged before still there.
#include "store/sqlite/sqlite_connection.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cerrno>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_repository.hpp"
#include "store/store.hpp"
#include "unit/store/forwarding_vfs.hpp"
#include "unit/store/store_fixtures.hpp"

namespace hearth::store {
namespace {

using test::make_session;
using test::run;

// A VFS that forwards everything to the default VFS, except that while `fault` holds an errno every write (and
// sync) fails the way SQLite's unix VFS reports that errno: ENOSPC as SQLITE_FULL, anything else as
// SQLITE_IOERR_WRITE (or _FSYNC), with errno set as the failed system call leaves it. Registered as the default VFS for
// the life of one test, so the repository under test opens its files through it.
class FaultyVfs final : public test::ForwardingVfs {
 public:
  FaultyVfs() : ForwardingVfs("hearth-faulty") {}

  std::atomic<int> fault{0};          // errno of the injected failure; 0: none
  std::atomic<int> failed_writes{0};  // writes refused so far

 private:
  int refuse() {
    const int e = fault.load();
    failed_writes.fetch_add(1);
    errno = e;
    return e == ENOSPC ? SQLITE_FULL : SQLITE_IOERR_WRITE;
  }
  int on_write(bool) override { return fault.load() ? refuse() : SQLITE_OK; }
  int on_sync(bool) override {
    if (!fault.load()) return SQLITE_OK;
    return refuse() == SQLITE_FULL ? SQLITE_FULL : SQLITE_IOERR_FSYNC;
  }
};

// The number of stored sessions, read by a connection of its own (as the sqlite3 CLI would).
std::int64_t stored_sessions(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, "unix"), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM call_sessions", -1, &stmt, nullptr), SQLITE_OK);
  std::int64_t n = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

std::function<Result<void>(Repository&)> fault_insert_op(std::string id) {
  return [id = std::move(id)](Repository& r) -> Result<void> {
    r.insert(make_session(id, "alice", {"bob"}));
    return {};
  };
}

std::function<Result<bool>(Repository&)> fault_exists_op(std::string id) {
  return [id = std::move(id)](Repository& r) -> Result<bool> { return r.find(id, false).has_value(); };
}

TEST(SqliteFailureMessage, NamesTheStorageFailure) {
  EXPECT_EQ(sqlite_failure_message(SQLITE_FULL, 0), "Storage full");
  EXPECT_EQ(sqlite_failure_message(SQLITE_IOERR_WRITE, ENOSPC), "Storage full");
  EXPECT_EQ(sqlite_failure_message(SQLITE_IOERR_WRITE, EDQUOT), "Storage full");
  EXPECT_EQ(sqlite_failure_message(SQLITE_IOERR_WRITE, EFBIG), "Storage full");  // RLIMIT_FSIZE
  EXPECT_EQ(sqlite_failure_message(SQLITE_READONLY, 0), "Storage is read-only");
  EXPECT_EQ(sqlite_failure_message(SQLITE_READONLY_DBMOVED, 0), "Storage is read-only");
  EXPECT_EQ(sqlite_failure_message(SQLITE_IOERR_WRITE, EROFS), "Storage is read-only");
  EXPECT_EQ(sqlite_failure_message(SQLITE_IOERR_FSYNC, EIO), "Storage I/O error");
  EXPECT_EQ(sqlite_failure_message(SQLITE_IOERR_READ, 0), "Storage I/O error");
  EXPECT_EQ(sqlite_failure_message(SQLITE_BUSY, 0), "");  // the Store's "store unavailable"
  EXPECT_EQ(sqlite_failure_message(SQLITE_ERROR, 0), "");
  EXPECT_EQ(sqlite_failure_message(SQLITE_CONSTRAINT_PRIMARYKEY, 0), "");
}

TEST(SqliteConnectionFaults, AWriteToAReadOnlyConnectionIsUnavailableAndSaysSo) {
  SqliteConnection db(":memory:");
  db.exec("CREATE TABLE t (x INTEGER)");
  db.exec("PRAGMA query_only = 1");
  try {
    db.exec("INSERT INTO t VALUES (1)");
    ADD_FAILURE() << "no StoreError";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), errc::unavailable);
    EXPECT_EQ(e.message(), "Storage is read-only");
    EXPECT_NE(std::string(e.what()).find("readonly"), std::string::npos) << e.what();
  }
  try {
    db.exec_script("INSERT INTO t VALUES (2);");
    ADD_FAILURE() << "no StoreError";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.message(), "Storage is read-only");
  }
}

class StorageFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("faults.db");
    auto repo = std::make_unique<SqliteRepository>(path_);
    repo->migrate();
    store_ = std::make_unique<Store>(std::move(repo));
  }

  // Runs `ops` in one batch (the store thread is held until all are queued); returns their results.
  std::vector<Result<void>> run_batch(std::vector<std::function<Result<void>(Repository&)>> ops) {
    std::promise<void> entered, open;
    auto opened = open.get_future().share();
    store_->execute<void>(
        [&entered, opened](Repository&) -> Result<void> {
          entered.set_value();
          opened.wait();
          return {};
        },
        [](Result<void>) {});
    entered.get_future().wait();
    std::vector<std::future<Result<void>>> futures;
    for (auto& op : ops) {
      auto p = std::make_shared<std::promise<Result<void>>>();
      futures.push_back(p->get_future());
      store_->execute<void>(std::move(op), [p](Result<void> r) { p->set_value(std::move(r)); });
    }
    open.set_value();
    std::vector<Result<void>> out;
    for (auto& f : futures) out.push_back(f.get());
    return out;
  }
  std::vector<Result<void>> insert_batch(const std::vector<std::string>& ids) {
    std::vector<std::function<Result<void>(Repository&)>> ops;
    for (const auto& id : ids) ops.push_back(fault_insert_op(id));
    return run_batch(std::move(ops));
  }

  FaultyVfs vfs_;  // before the repository: its files are opened through it
  test::TempDir dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(StorageFaultTest, DiskFullFailsTheBatchWithStorageFullStoresNothingAndRecovers) {
  ASSERT_TRUE(run<void>(*store_, fault_insert_op("before")).ok());

  vfs_.fault = ENOSPC;
  const auto refused = insert_batch({"full-1", "full-2", "full-3"});
  for (const auto& r : refused) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::unavailable);
    EXPECT_EQ(r.error().message, "Storage full");
    EXPECT_NE(r.error().detail.find("full"), std::string::npos) << r.error().detail;
  }
  EXPECT_GT(vfs_.failed_writes.load(), 0);
  // Reads still work while the disk is full, and see only what was committed.
  EXPECT_TRUE(*run<bool>(*store_, fault_exists_op("before")));
  EXPECT_FALSE(*run<bool>(*store_, fault_exists_op("full-1")));

  vfs_.fault = 0;  // space returns: the store thread is not wedged in a transaction
  const auto accepted = insert_batch({"after-1", "after-2"});
  for (const auto& r : accepted) EXPECT_TRUE(r.ok()) << r.error().message << ": " << r.error().detail;
  for (const auto* id : {"before", "after-1", "after-2"}) EXPECT_TRUE(*run<bool>(*store_, fault_exists_op(id))) << id;
  for (const auto* id : {"full-1", "full-2", "full-3"}) EXPECT_FALSE(*run<bool>(*store_, fault_exists_op(id))) << id;
  store_.reset();  // closes (and checkpoints) the database
  EXPECT_EQ(stored_sessions(path_), 3);
}

TEST_F(StorageFaultTest, AFullDiskInsideAnOperationFailsItsBatchAndTheNextBatchWorks) {
  ASSERT_TRUE(run<void>(*store_, fault_insert_op("before")).ok());
  // One operation writing more than SQLite's page cache holds (2 MB by default), so pages spill to the WAL while
  // the statement runs: the failure comes from inside the operation, where SQLite may roll back the whole
  // transaction by itself, savepoints included.
  vfs_.fault = ENOSPC;
  const auto results = run_batch({fault_insert_op("earlier"), [](Repository& r) -> Result<void> {
                                    for (int i = 0; i < 3000; ++i)
                                      r.insert(make_session(test::numbered("spill-", i), "alice", {"bob", "carol"}));
                                    return {};
                                  }});
  // The earlier operation of the batch succeeded on its own, but its writes went with the transaction.
  for (const auto& r : results) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::unavailable);
    EXPECT_EQ(r.error().message, "Storage full") << r.error().detail;
  }
  vfs_.fault = 0;
  for (const auto& r : insert_batch({"after-1", "after-2"}))
    EXPECT_TRUE(r.ok()) << r.error().message << ": " << r.error().detail;
  EXPECT_FALSE(*run<bool>(*store_, fault_exists_op("spill-0")));
  EXPECT_FALSE(*run<bool>(*store_, fault_exists_op("earlier")));
  EXPECT_TRUE(*run<bool>(*store_, fault_exists_op("after-2")));
  store_.reset();
  EXPECT_EQ(stored_sessions(path_), 3);
}

TEST_F(StorageFaultTest, ReadOnlyAndFailingDevicesAreNamedToo) {
  vfs_.fault = EROFS;  // a file system remounted read-only after an error
  auto r = run<void>(*store_, fault_insert_op("ro"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::unavailable);
  EXPECT_EQ(r.error().message, "Storage is read-only");

  vfs_.fault = EIO;
  r = run<void>(*store_, fault_insert_op("eio"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::unavailable);
  EXPECT_EQ(r.error().message, "Storage I/O error");

  vfs_.fault = 0;
  EXPECT_TRUE(run<void>(*store_, fault_insert_op("ok")).ok());
  store_.reset();
  EXPECT_EQ(stored_sessions(path_), 1);
}

}  // namespace
}  // namespace hearth::store
