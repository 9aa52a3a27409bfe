#pragma once
// A real redis-server for the cluster tests: Debian's /usr/bin/redis-server on a free loopback port, in a temporary
// directory, without persistence; killed by PID. Also a blocking hiredis client for what a test does behind the
// bus's back (crafted frames, INFO).
// Thread safety: one test thread.
#include <sys/types.h>
#include <string>
#include <vector>

#include "cluster/redis_reply.hpp"

namespace hearth::cluster::test {

inline constexpr const char* redis_server_binary = "/usr/bin/redis-server";

class RedisServer {
 public:
  // Starts it and waits until it answers PING; throws std::runtime_error with a clear message (binary missing,
  // server exited, not answering) otherwise. `extra` is appended to the command line.
  explicit RedisServer(std::vector<std::string> extra = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

  void kill();     // SIGKILL, and waits for it
  void restart();  // starts again on the same port
  void pause();    // SIGSTOP: the server keeps its connections but answers nothing
  void resume();   // SIGCONT

  // One command on a fresh blocking connection (password: AUTH first); throws if it cannot be sent.
  RedisReply run(const std::vector<std::string>& args, const std::string& password = {}) const;
  // `calls` of cmdstat_<name> in INFO commandstats (0 if never called).
  long long command_calls(const std::string& name) const;

 private:
  void spawn();

  std::string dir_;
  std::vector<std::string> extra_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool paused_ = false;
};

}  // namespace hearth::cluster::test
