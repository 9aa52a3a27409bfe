#pragma once
// How many cores this process may use, for the default number of I/O threads: the CPUs of its affinity mask
// (sched_getaffinity: `taskset`, a container's cpuset), capped by the cgroup v2 CPU quota of its cgroup and every
// cgroup above it (`cpu.max`: "max 100000" unlimited, or "<quota> <period>" microseconds: quota/period cores,
// rounded down, at least 1 — a thread per fraction of a core would only be throttled). cgroup v1 quotas are not
// read. HEARTH_THREADS overrides the result (app/config.cpp).
// Thread safety: stateless; usable_cores() reads /proc and /sys each time it is called.
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace hearth::core {

// The cores a cpu.max line grants (quota / period), nullopt for "max" (no quota) or anything malformed.
std::optional<double> cores_of_cpu_max(std::string_view text);

// min(affinity, every quota), rounded down, at least 1; `affinity` 0 means unknown (1 is used).
unsigned usable_cores(std::size_t affinity, const std::vector<std::string>& cpu_max_files);

// The cgroup v2 directory of this process relative to the hierarchy's root, from /proc/self/cgroup's "0::<path>"
// line ("" if there is none: no cgroup v2).
std::string_view cgroup_v2_path(std::string_view proc_self_cgroup);

// The running process's: its affinity mask and the cpu.max files of its cgroup and its ancestors under
// /sys/fs/cgroup (missing ones skipped).
unsigned usable_cores();

}  // namespace hearth::core
