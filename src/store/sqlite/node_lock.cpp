#include "store/sqlite/node_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <spdlog/spdlog.h>

#include "store/repository.hpp"
#include "store/sqlite/sqlite_connection.hpp"

namespace hearth::store {

SqliteNodeLock::SqliteNodeLock(const std::string& database_path) {
  if (database_path.empty() || database_path == ":memory:") return;
  const std::string path = database_path + ".nodes";
  try {
    create_parent_directory(path);  // the first start: the store, opened after the lock, has not made it yet
  } catch (const StoreError& e) {
    spdlog::info("{}; seats a crash of an earlier run left end with their calls", e.what());
    return;
  }
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    spdlog::info("{}: {}; seats a crash of an earlier run left end with their calls", path, std::strerror(errno));
    return;
  }
  alone_ = ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
  // From exclusive to shared (not atomic: two nodes starting at the same moment may both find themselves alone,
  // which is right for both: the seats either then sees are from before both). A node that is starting holds the
  // exclusive lock only for this moment, so a short wait for the shared one is enough.
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (::flock(fd_, LOCK_SH | LOCK_NB) == 0) return;
    if (errno != EWOULDBLOCK && errno != EINTR) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  spdlog::warn("{}: no shared lock ({}): a node started later may take this one's seats for a crashed run's", path,
               std::strerror(errno));
}

SqliteNodeLock::~SqliteNodeLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace hearth::store
