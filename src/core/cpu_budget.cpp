#include "core/cpu_budget.hpp"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

namespace hearth::core {

namespace {

std::optional<long long> number(std::string_view text) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

std::optional<double> cores_of_cpu_max(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto quota_text = text.substr(0, space);
  if (quota_text == "max") return std::nullopt;
  const auto quota = number(quota_text);
  const auto period = number(text.substr(space + 1));
  if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;
  return static_cast<double>(*quota) / static_cast<double>(*period);
}

unsigned usable_cores(std::size_t affinity, const std::vector<std::string>& cpu_max_files) {
  double cores = affinity == 0 ? 1.0 : static_cast<double>(affinity);
  for (const auto& text : cpu_max_files)
    if (const auto quota = cores_of_cpu_max(text)) cores = std::min(cores, *quota);
  return std::max(1u, static_cast<unsigned>(std::floor(cores)));
}

std::string_view cgroup_v2_path(std::string_view proc_self_cgroup) {
  std::size_t pos = 0;
  while (pos < proc_self_cgroup.size()) {
    auto end = proc_self_cgroup.find('\n', pos);
    if (end == std::string_view::npos) end = proc_self_cgroup.size();
    const auto line = proc_self_cgroup.substr(pos, end - pos);
    if (line.starts_with("0::")) return line.substr(3);
    pos = end + 1;
  }
  return {};
}

unsigned usable_cores() {
  std::size_t affinity = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) affinity = static_cast<std::size_t>(CPU_COUNT(&set));
  std::vector<std::string> quotas;
  const std::string cgroup = read_file("/proc/self/cgroup");
  std::string path(cgroup_v2_path(cgroup));
  if (!path.empty() && path.front() == '/') {
    // The process's cgroup and each one above it: the tightest quota wins.
    for (;;) {
      if (auto text = read_file("/sys/fs/cgroup" + path + (path == "/" ? "" : "/") + "cpu.max"); !text.empty())
        quotas.push_back(std::move(text));
      if (path == "/") break;
      const auto slash = path.find_last_of('/');
      path = slash == 0 ? std::string("/") : path.substr(0, slash);
    }
  }
  return usable_cores(affinity, quotas);
}

}  // namespace hearth::core
