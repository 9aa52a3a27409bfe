#include "store/sqlite/wal_write_buffer.hpp"

#include <sqlite3.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace hearth::store {

namespace {

// At most this much is held before it is written out, in one call: SQLite's unix VFS writes at most 128 KiB - 1 per
// call (it masks the length with 0x1ffff and reports the rest as a short write, SQLITE_FULL). 124 KiB is 30 frames of
// 4 KiB pages; a batch of initiates appends ~3.5 frames each. A single write larger than this goes straight through.
constexpr std::size_t buffer_capacity = 124 * 1024;

// Writes appended at the end of the buffered range, or overwriting inside it (SQLite rewrites frames of the
// transaction in progress in place), stay in memory until flush().
struct Buffer {
  std::unique_ptr<char[]> data;  // buffer_capacity bytes, allocated at the first write
  sqlite3_int64 offset = 0;      // file offset of data[0]
  std::size_t size = 0;          // bytes held
};

struct File {
  sqlite3_file base;   // first: SQLite sees this; pMethods = &io_methods
  sqlite3_file* real;  // the default VFS's file, in real_storage
  std::unique_ptr<std::byte[]> real_storage;
  std::unique_ptr<Buffer> buffer;  // WAL files only
};

File& file(sqlite3_file* f) { return *reinterpret_cast<File*>(f); }  // NOLINT: SQLite's C "subclassing"
sqlite3_file* real(sqlite3_file* f) { return file(f).real; }
const sqlite3_io_methods& next(sqlite3_file* f) { return *real(f)->pMethods; }

sqlite3_vfs* base_vfs() { return sqlite3_vfs_find(nullptr); }  // ours is never the default

int flush(sqlite3_file* f) {
  Buffer* b = file(f).buffer.get();
  if (!b || b->size == 0) return SQLITE_OK;
  const auto size = b->size;
  b->size = 0;  // also on failure: the commit that needed these frames fails, and they are never read
  return next(f).xWrite(real(f), b->data.get(), static_cast<int>(size), b->offset);
}

int write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  Buffer* b = file(f).buffer.get();
  if (!b) return next(f).xWrite(real(f), data, amount, offset);
  const auto n = static_cast<std::size_t>(amount);
  const sqlite3_int64 end = b->offset + static_cast<sqlite3_int64>(b->size);
  if (b->size > 0 && offset >= b->offset && offset <= end) {
    const auto at = static_cast<std::size_t>(offset - b->offset);
    if (at + n <= buffer_capacity) {
      std::memcpy(b->data.get() + at, data, n);
      if (at + n > b->size) b->size = at + n;
      return SQLITE_OK;
    }
  }
  if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  if (n > buffer_capacity) return next(f).xWrite(real(f), data, amount, offset);
  if (!b->data) b->data = std::make_unique<char[]>(buffer_capacity);
  std::memcpy(b->data.get(), data, n);
  b->offset = offset;
  b->size = n;
  return SQLITE_OK;
}

int close(sqlite3_file* f) {
  const int flushed = flush(f);
  const int closed = next(f).xClose(real(f));
  std::destroy_at(&file(f));
  return flushed != SQLITE_OK ? flushed : closed;
}

// Calls that read or depend on the file's contents or size see what was written: flush first.
constexpr sqlite3_io_methods io_methods = {
    3,
    &close,
    [](sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
      if (const int rc = flush(f); rc != SQLITE_OK) return rc;
      return next(f).xRead(real(f), p, n, off);
    },
    &write,
    [](sqlite3_file* f, sqlite3_int64 size) {
      if (const int rc = flush(f); rc != SQLITE_OK) return rc;
      return next(f).xTruncate(real(f), size);
    },
    [](sqlite3_file* f, int flags) {
      if (const int rc = flush(f); rc != SQLITE_OK) return rc;
      return next(f).xSync(real(f), flags);
    },
    [](sqlite3_file* f, sqlite3_int64* size) {
      if (const int rc = flush(f); rc != SQLITE_OK) return rc;
      return next(f).xFileSize(real(f), size);
    },
    [](sqlite3_file* f, int lock) { return next(f).xLock(real(f), lock); },
    [](sqlite3_file* f, int lock) { return next(f).xUnlock(real(f), lock); },
    [](sqlite3_file* f, int* out) { return next(f).xCheckReservedLock(real(f), out); },
    [](sqlite3_file* f, int op, void* arg) {
      if (const int rc = flush(f); rc != SQLITE_OK) return rc;
      return next(f).xFileControl(real(f), op, arg);
    },
    [](sqlite3_file* f) { return next(f).xSectorSize(real(f)); },
    [](sqlite3_file* f) { return next(f).xDeviceCharacteristics(real(f)); },
    [](sqlite3_file* f, int page, int size, int extend, void volatile** out) {
      if (next(f).iVersion < 2) return SQLITE_IOERR;
      return next(f).xShmMap(real(f), page, size, extend, out);
    },
    [](sqlite3_file* f, int offset, int n, int flags) {
      if (next(f).iVersion < 2) return SQLITE_IOERR;
      return next(f).xShmLock(real(f), offset, n, flags);
    },
    [](sqlite3_file* f) {
      if (next(f).iVersion >= 2) next(f).xShmBarrier(real(f));
    },
    [](sqlite3_file* f, int remove) {
      if (next(f).iVersion < 2) return SQLITE_OK;
      return next(f).xShmUnmap(real(f), remove);
    },
    [](sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
      *out = nullptr;  // "no memory map" is always a valid answer
      if (next(f).iVersion < 3) return SQLITE_OK;
      return next(f).xFetch(real(f), off, n, out);
    },
    [](sqlite3_file* f, sqlite3_int64 off, void* p) {
      if (next(f).iVersion < 3) return SQLITE_OK;
      return next(f).xUnfetch(real(f), off, p);
    },
};

int open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  sqlite3_vfs* base = base_vfs();
  File* wrapped = std::construct_at(reinterpret_cast<File*>(f));  // NOLINT: SQLite allocated szOsFile bytes
  wrapped->real_storage = std::make_unique<std::byte[]>(static_cast<std::size_t>(base->szOsFile));
  wrapped->real = reinterpret_cast<sqlite3_file*>(wrapped->real_storage.get());  // NOLINT: as above
  const int rc = base->xOpen(base, name, wrapped->real, flags, out_flags);
  if (wrapped->real->pMethods == nullptr) {  // SQLite calls xClose only if pMethods is set
    std::destroy_at(wrapped);
    f->pMethods = nullptr;
    return rc == SQLITE_OK ? SQLITE_CANTOPEN : rc;
  }
  if ((flags & SQLITE_OPEN_WAL) != 0) wrapped->buffer = std::make_unique<Buffer>();
  wrapped->base.pMethods = &io_methods;
  return rc;
}

sqlite3_vfs make_vfs() {
  sqlite3_vfs* base = base_vfs();
  if (!base) throw std::runtime_error("sqlite: no default VFS");
  sqlite3_vfs vfs{};
  vfs.iVersion = 2;
  vfs.szOsFile = static_cast<int>(sizeof(File));
  vfs.mxPathname = base->mxPathname;
  vfs.zName = "hearth-wal-buffer";
  vfs.xOpen = &open;
  vfs.xDelete = [](sqlite3_vfs*, const char* name, int sync) { return base_vfs()->xDelete(base_vfs(), name, sync); };
  vfs.xAccess = [](sqlite3_vfs*, const char* name, int flags, int* out) {
    return base_vfs()->xAccess(base_vfs(), name, flags, out);
  };
  vfs.xFullPathname = [](sqlite3_vfs*, const char* name, int n, char* out) {
    return base_vfs()->xFullPathname(base_vfs(), name, n, out);
  };
  vfs.xDlOpen = [](sqlite3_vfs*, const char* name) { return base_vfs()->xDlOpen(base_vfs(), name); };
  vfs.xDlError = [](sqlite3_vfs*, int n, char* out) { base_vfs()->xDlError(base_vfs(), n, out); };
  vfs.xDlSym = [](sqlite3_vfs*, void* handle, const char* symbol) {
    return base_vfs()->xDlSym(base_vfs(), handle, symbol);
  };
  vfs.xDlClose = [](sqlite3_vfs*, void* handle) { base_vfs()->xDlClose(base_vfs(), handle); };
  vfs.xRandomness = [](sqlite3_vfs*, int n, char* out) { return base_vfs()->xRandomness(base_vfs(), n, out); };
  vfs.xSleep = [](sqlite3_vfs*, int us) { return base_vfs()->xSleep(base_vfs(), us); };
  vfs.xCurrentTime = [](sqlite3_vfs*, double* out) { return base_vfs()->xCurrentTime(base_vfs(), out); };
  vfs.xGetLastError = [](sqlite3_vfs*, int n, char* out) { return base_vfs()->xGetLastError(base_vfs(), n, out); };
  vfs.xCurrentTimeInt64 = [](sqlite3_vfs*, sqlite3_int64* out) {
    sqlite3_vfs* b = base_vfs();
    if (b->iVersion >= 2 && b->xCurrentTimeInt64) return b->xCurrentTimeInt64(b, out);
    double days = 0;
    const int rc = b->xCurrentTime(b, &days);
    *out = static_cast<sqlite3_int64>(days * 86'400'000.0);
    return rc;
  };
  return vfs;
}

}  // namespace

const char* wal_write_buffer_vfs() {
  static sqlite3_vfs vfs;
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_initialize();
    vfs = make_vfs();
    if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK) throw std::runtime_error("sqlite: cannot register a VFS");
  });
  return vfs.zName;
}

}  // namespace hearth::store
