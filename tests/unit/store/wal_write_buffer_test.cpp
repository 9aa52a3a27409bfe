#include "store/sqlite/wal_write_buffer.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <stdexcept>
#include <string>

#include "unit/store/forwarding_vfs.hpp"
#include "unit/store/store_fixtures.hpp"

namespace hearth::store {
namespace {

// The default VFS, counting the writes that reach WAL files. Registered as the default for one test, so the buffering
// VFS (which forwards to whatever is the default) writes through it.
class CountingVfs final : public test::ForwardingVfs {
 public:
  CountingVfs() : ForwardingVfs("hearth-counting") {}

  std::atomic<int> wal_writes{0};

 private:
  int on_write(bool wal) override {
    if (wal) wal_writes.fetch_add(1);
    return SQLITE_OK;
  }
};

sqlite3* open_db(const std::string& path, const char* vfs) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs), SQLITE_OK);
  return db;
}

void exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "") << " " << sql;
  sqlite3_free(error);
}

std::string scalar(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  std::string out;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  return out;
}

void open_wal(sqlite3* db) {
  EXPECT_EQ(scalar(db, "PRAGMA journal_mode=WAL"), "wal");
  exec(db, "PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0");
}

// What the writer committed is in the WAL file when COMMIT returns: another connection, through the plain default
// VFS and without any checkpoint, reads it — for a small commit, for one larger than the buffer, and for a transaction
// that reads back and rewrites its own pages before committing.
TEST(WalWriteBuffer, CommittedFramesAreInTheWalWhenCommitReturns) {
  test::TempDir dir;
  const auto path = dir.file("wal.db");
  sqlite3* writer = open_db(path, wal_write_buffer_vfs());
  open_wal(writer);
  exec(writer, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  sqlite3* reader = open_db(path, nullptr);
  exec(writer, "INSERT INTO t VALUES (1, 'one')");
  EXPECT_EQ(scalar(reader, "SELECT v FROM t WHERE k = 1"), "one");
  // About 2 MB: many times the buffer.
  exec(writer,
       "BEGIN; WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 1001) "
       "INSERT INTO t SELECT i, printf('%.2000c', 'x') FROM n; "
       "UPDATE t SET v = 'rewritten' WHERE k % 7 = 0; COMMIT");
  EXPECT_EQ(scalar(writer, "SELECT COUNT(*) FROM t WHERE v = 'rewritten'"), "143");
  EXPECT_EQ(scalar(reader, "SELECT COUNT(*) FROM t"), "1001");
  EXPECT_EQ(scalar(reader, "SELECT COUNT(*) FROM t WHERE v = 'rewritten'"), "143");
  EXPECT_EQ(scalar(reader, "SELECT v FROM t WHERE k = 1000"), std::string(2000, 'x'));
  EXPECT_EQ(scalar(reader, "PRAGMA integrity_check"), "ok");
  // The checkpoint (a reader of the WAL) copies it all, and the database file alone then holds it.
  EXPECT_EQ(sqlite3_wal_checkpoint_v2(reader, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(writer);
  EXPECT_EQ(scalar(reader, "SELECT COUNT(*) FROM t"), "1001");
  sqlite3_close(reader);
}

// A commit of ~40 pages reaches the WAL file in a few writes instead of two per frame (header, page).
TEST(WalWriteBuffer, ACommitReachesTheWalInFewWrites) {
  test::TempDir dir;
  const auto path = dir.file("count.db");
  CountingVfs counting;
  sqlite3* db = open_db(path, wal_write_buffer_vfs());
  open_wal(db);
  exec(db, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  const int before = counting.wal_writes.load();
  exec(db,
       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) "
       "INSERT INTO t SELECT i, printf('%.3000c', 'y') FROM n");
  const int writes = counting.wal_writes.load() - before;
  EXPECT_GE(writes, 1);
  EXPECT_LE(writes, 3);  // 40+ frames of 4 KiB: two buffers of 124 KiB at most
  EXPECT_EQ(scalar(db, "SELECT COUNT(*) FROM t"), "40");
  sqlite3_close(db);
}

}  // namespace
}  // namespace hearth::store
