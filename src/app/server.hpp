#pragma once
// The composition root: builds the store, the services and the network stack from a Config, runs the I/O
// threads until SIGINT/SIGTERM, and shuts down in order (stop accepting, let the store drain, stop).
// Only this layer names concrete implementations (SQLite today; PostgreSQL and Redis later).
// Thread safety: constructed and run from main's thread.
#include <memory>

#include "app/config.hpp"

namespace hearth::app {

class Server {
 public:
  explicit Server(Config cfg);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Blocks until a termination signal; returns the process exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Opens the configured database and applies pending migrations; returns how many were applied.
int migrate_database(const std::string& database_url);

}  // namespace hearth::app
