#pragma once
// WalWriteBuffer: a SQLite VFS over the default one that gathers the writes of a WAL file into one buffer and hands
// them to the file system as one write, at the latest when SQLite syncs the WAL. SQLite writes each WAL frame with two
// calls (its 24-byte header, then the page), each a full trip through the kernel's write path (locks, page-cache
// lookups, timestamps); a batch of initiates appends ~50 frames back to back, so ~100 pwrite calls become one.
// Every other file (the database, its -shm index) and every other call is forwarded unchanged.
//
// Why it keeps SQLite's guarantees: the buffer is written out before the WAL is synced, read, truncated, sized, given
// a file control or closed. With synchronous=FULL (SqliteConnection sets it) SQLite syncs the WAL at every commit
// before it publishes the new frames in the -shm index, so no other connection (the checkpointer, a reader) can see a
// frame that is still buffered, and a commit that returns has its frames on disk as before. A failed write is
// reported by the call that flushed (the sync of the commit, with errno as the write left it), so the commit fails.
// The buffer must therefore not be used with synchronous=NORMAL or OFF, where commits do not sync the WAL.
// Thread safety: the VFS is registered once (thread-safe); one file handle is used by one connection at a time.
namespace hearth::store {

// The name of the VFS to open a SQLite database with (registered on first use, not as the default). It forwards to
// whatever is the default VFS when each file is opened.
const char* wal_write_buffer_vfs();

}  // namespace hearth::store
