#pragma once
// A real PostgreSQL server for the store's tests: Debian's initdb and postgres (/usr/lib/postgresql/<version>/bin),
// run as the `postgres` system user when the tests run as root (PostgreSQL refuses root), in a temporary directory,
// listening on a free 127.0.0.1 port and a unix socket in that directory, with fsync off (tests need no durability).
// Started on first use, stopped by its PID when the test program ends (a gtest Environment). Each test gets a fresh
// database (create_database). If the binaries are missing, start() throws a message naming the package to install,
// and the PostgreSQL tests fail with it.
// Thread safety: pg_server() and its methods are for the test thread; the URLs may be used from any thread.
#include <sys/types.h>
#include <string>

namespace hearth::store::test {

class PgServer {
 public:
  PgServer() = default;
  ~PgServer() { shutdown(); }
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // Initialises the cluster (once) and starts the server if it is not running; waits until it accepts
  // connections. Throws std::runtime_error saying what is missing or what failed.
  void start();
  // Stops the server (fast shutdown, by PID) and waits for it to exit; the data directory stays for start().
  void stop();
  bool running() const noexcept { return pid_ > 0; }
  // Stops the server and removes its directory (the next start() initialises a new one).
  void shutdown();

  // Creates an empty database and returns its URL (postgresql://postgres@127.0.0.1:PORT/NAME).
  std::string create_database();
  // The URL of database `name`.
  std::string url(const std::string& name) const;

 private:
  void init();
  std::string bin(const std::string& tool) const;

  std::string bin_dir_, dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  int databases_ = 0;
};

// The test program's server (started by the first test that asks).
PgServer& pg_server();

// Runs `sql` on `url` with a connection of its own; returns the first column of the first row ("NULL" for null, ""
// when there is none). Fails the test on an error.
std::string pg_query(const std::string& url, const std::string& sql);

}  // namespace hearth::store::test
