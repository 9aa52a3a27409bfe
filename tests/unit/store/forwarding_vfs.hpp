#pragma once
// ForwardingVfs: a VFS for tests over SQLite's default one, registered as the default for as long as it lives, so
// that whatever a test opens goes through it. Every call is forwarded to the default VFS's file; writes and syncs first
// ask the derived class (on_write / on_sync: SQLITE_OK lets the call through, anything else is its answer). Counting
// writes (wal_write_buffer_test) and failing them as a full or broken disk would (storage_faults_test) are both that.
// Thread safety: the hooks may be called from any thread that uses a connection.
#include <sqlite3.h>

#include <stdexcept>

namespace hearth::store::test {

class ForwardingVfs {
 public:
  explicit ForwardingVfs(const char* name) {
    base_ = sqlite3_vfs_find(nullptr);
    vfs_ = *base_;
    vfs_.zName = name;
    vfs_.szOsFile = static_cast<int>(sizeof(File)) + base_->szOsFile;
    vfs_.pAppData = this;
    vfs_.xOpen = &ForwardingVfs::open;
    if (sqlite3_vfs_register(&vfs_, 1) != SQLITE_OK) throw std::runtime_error("sqlite3_vfs_register failed");
  }
  virtual ~ForwardingVfs() { sqlite3_vfs_unregister(&vfs_); }
  ForwardingVfs(const ForwardingVfs&) = delete;
  ForwardingVfs& operator=(const ForwardingVfs&) = delete;

 protected:
  // `wal`: the file is a write-ahead log.
  virtual int on_write(bool /*wal*/) { return SQLITE_OK; }
  virtual int on_sync(bool /*wal*/) { return SQLITE_OK; }

 private:
  struct File {
    sqlite3_file base;   // pMethods = &methods_
    sqlite3_file* real;  // the default VFS's file, allocated just after this struct
    ForwardingVfs* vfs;
    bool wal;
  };
  static File& file(sqlite3_file* f) { return *reinterpret_cast<File*>(f); }  // NOLINT: SQLite's C "subclassing"
  static sqlite3_file* real(sqlite3_file* f) { return file(f).real; }

  static int open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
    auto& me = *static_cast<ForwardingVfs*>(vfs->pAppData);
    auto& wrapped = file(f);
    wrapped.real = reinterpret_cast<sqlite3_file*>(&wrapped + 1);  // NOLINT: SQLite allocated szOsFile bytes
    wrapped.vfs = &me;
    wrapped.wal = (flags & SQLITE_OPEN_WAL) != 0;
    const int rc = me.base_->xOpen(me.base_, name, wrapped.real, flags, out_flags);
    wrapped.base.pMethods = wrapped.real->pMethods ? &methods_ : nullptr;
    return rc;
  }

  // Not lambdas in the table's initializer: there (the class is not complete yet) GCC 12 binds the virtual calls to
  // this class's own hooks, and a derived class's are never called.
  static int write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
    if (const int rc = file(f).vfs->on_write(file(f).wal); rc != SQLITE_OK) return rc;
    return real(f)->pMethods->xWrite(real(f), p, n, off);
  }
  static int sync(sqlite3_file* f, int flags) {
    if (const int rc = file(f).vfs->on_sync(file(f).wal); rc != SQLITE_OK) return rc;
    return real(f)->pMethods->xSync(real(f), flags);
  }

  static constexpr sqlite3_io_methods methods_ = {
      3,
      [](sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); },
      [](sqlite3_file* f, void* p, int n, sqlite3_int64 off) { return real(f)->pMethods->xRead(real(f), p, n, off); },
      &write,
      [](sqlite3_file* f, sqlite3_int64 size) { return real(f)->pMethods->xTruncate(real(f), size); },
      &sync,
      [](sqlite3_file* f, sqlite3_int64* size) { return real(f)->pMethods->xFileSize(real(f), size); },
      [](sqlite3_file* f, int lock) { return real(f)->pMethods->xLock(real(f), lock); },
      [](sqlite3_file* f, int lock) { return real(f)->pMethods->xUnlock(real(f), lock); },
      [](sqlite3_file* f, int* out) { return real(f)->pMethods->xCheckReservedLock(real(f), out); },
      [](sqlite3_file* f, int op, void* arg) { return real(f)->pMethods->xFileControl(real(f), op, arg); },
      [](sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); },
      [](sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); },
      [](sqlite3_file* f, int page, int size, int extend, void volatile** out) {
        return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
      },
      [](sqlite3_file* f, int offset, int n, int flags) {
        return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
      },
      [](sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); },
      [](sqlite3_file* f, int remove) { return real(f)->pMethods->xShmUnmap(real(f), remove); },
      [](sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
        return real(f)->pMethods->xFetch(real(f), off, n, out);
      },
      [](sqlite3_file* f, sqlite3_int64 off, void* p) { return real(f)->pMethods->xUnfetch(real(f), off, p); },
  };

  sqlite3_vfs* base_ = nullptr;
  sqlite3_vfs vfs_{};
};

}  // namespace hearth::store::test
