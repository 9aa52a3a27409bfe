#pragma once
// CPU time and memory of a process, read from /proc (Linux), and the load generator's own CPU time.
// Thread safety: stateless functions.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace hearth::bench {

// Nanoseconds the process has run on a CPU, all its threads together (sum of /proc/PID/task/*/schedstat;
// falls back to /proc/PID/stat's utime + stime at clock-tick resolution). nullopt if the process is gone.
std::optional<std::uint64_t> process_cpu_ns(int pid);
// Resident set size in bytes (VmRSS of /proc/PID/status).
std::optional<std::uint64_t> process_rss_bytes(int pid);
// This process's CPU time (all threads), nanoseconds.
std::uint64_t self_cpu_ns();
// Monotonic clock, nanoseconds.
std::uint64_t now_ns();

// Raises this process's open-file soft limit to its hard limit; returns the new soft limit.
std::uint64_t raise_fd_limit();

// CPU time of the load generator and (optionally) the server's processes over a measured interval: one server, or
// the nodes of a cluster and what they share (Redis), summed.
class CpuMeter {
 public:
  explicit CpuMeter(std::vector<int> server_pids) : server_pids_(std::move(server_pids)) {}
  void start();
  void stop();
  double wall_seconds() const { return static_cast<double>(wall_end_ - wall_begin_) / 1e9; }
  double client_cpu_seconds() const { return static_cast<double>(self_end_ - self_begin_) / 1e9; }
  // All server processes together; nullopt without --server-pid (or if /proc could not be read for one of them).
  std::optional<double> server_cpu_seconds() const;
  // Per process, in --server-pid order: (pid, seconds or nullopt).
  std::vector<std::pair<int, std::optional<double>>> per_process_cpu_seconds() const;

 private:
  std::vector<int> server_pids_;
  std::uint64_t wall_begin_ = 0, wall_end_ = 0, self_begin_ = 0, self_end_ = 0;
  std::vector<std::optional<std::uint64_t>> server_begin_, server_end_;
};

}  // namespace hearth::bench
