#include "hearth_bench/proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace hearth::bench {

namespace {

std::optional<std::uint64_t> cpu_from_stat(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // Fields after the command name, which is in parentheses and may hold spaces.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  std::uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  const auto ticks = static_cast<std::uint64_t>(sysconf(_SC_CLK_TCK));
  return (utime + stime) * (1'000'000'000ULL / ticks);
}

}  // namespace

std::optional<std::uint64_t> process_cpu_ns(int pid) {
  std::error_code ec;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::uint64_t total = 0;
  bool any = false;
  for (const auto& entry : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream in(entry.path() / "schedstat");
    std::uint64_t run_ns = 0;
    if (in >> run_ns) {
      total += run_ns;
      any = true;
    }
  }
  // Threads that already exited are not listed; the servers under test keep theirs for their lifetime.
  if (any) return total;
  return cpu_from_stat(pid);
}

std::optional<std::uint64_t> process_rss_bytes(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return std::nullopt;
}

std::uint64_t self_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

std::uint64_t raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur;
}

void CpuMeter::start() {
  wall_begin_ = now_ns();
  self_begin_ = self_cpu_ns();
  server_begin_.clear();
  for (const int pid : server_pids_) server_begin_.push_back(process_cpu_ns(pid));
}

void CpuMeter::stop() {
  wall_end_ = now_ns();
  self_end_ = self_cpu_ns();
  server_end_.clear();
  for (const int pid : server_pids_) server_end_.push_back(process_cpu_ns(pid));
}

std::vector<std::pair<int, std::optional<double>>> CpuMeter::per_process_cpu_seconds() const {
  std::vector<std::pair<int, std::optional<double>>> out;
  for (std::size_t i = 0; i < server_pids_.size(); ++i) {
    std::optional<double> s;
    if (i < server_begin_.size() && i < server_end_.size() && server_begin_[i] && server_end_[i])
      s = static_cast<double>(*server_end_[i] - *server_begin_[i]) / 1e9;
    out.emplace_back(server_pids_[i], s);
  }
  return out;
}

std::optional<double> CpuMeter::server_cpu_seconds() const {
  if (server_pids_.empty()) return std::nullopt;
  double total = 0;
  for (const auto& [pid, s] : per_process_cpu_seconds()) {
    if (!s) return std::nullopt;
    total += *s;
  }
  return total;
}

}  // namespace hearth::bench
