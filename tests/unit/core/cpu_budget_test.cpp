// The default number of I/O threads (core/cpu_budget.hpp): the affinity mask, capped by cgroup v2 quotas.
#include "core/cpu_budget.hpp"

#include <sched.h>

#include <gtest/gtest.h>

namespace hearth::core {
namespace {

TEST(CpuBudget, ReadsCpuMax) {
  EXPECT_FALSE(cores_of_cpu_max("max 100000\n"));
  EXPECT_DOUBLE_EQ(*cores_of_cpu_max("200000 100000\n"), 2.0);
  EXPECT_DOUBLE_EQ(*cores_of_cpu_max("150000 100000"), 1.5);
  EXPECT_DOUBLE_EQ(*cores_of_cpu_max("50000 100000"), 0.5);
  for (const char* bad : {"", "max", "100000", "x 100000", "100000 0", "-1 100000", "100000 100000 7", "1e5 100000"})
    EXPECT_FALSE(cores_of_cpu_max(bad)) << bad;
}

TEST(CpuBudget, TheAffinityMaskCappedByEveryQuota) {
  EXPECT_EQ(usable_cores(4, {}), 4u);
  EXPECT_EQ(usable_cores(4, {"max 100000\n"}), 4u);
  EXPECT_EQ(usable_cores(4, {"200000 100000\n"}), 2u);
  EXPECT_EQ(usable_cores(4, {"max 100000\n", "300000 100000\n", "250000 100000\n"}), 2u);  // the tightest wins
  EXPECT_EQ(usable_cores(2, {"800000 100000\n"}), 2u);                                     // a quota above the mask
  EXPECT_EQ(usable_cores(1, {}), 1u);                                                      // taskset -c 0
  EXPECT_EQ(usable_cores(8, {"150000 100000"}), 1u);  // 1.5 cores: one thread, not two throttled ones
  EXPECT_EQ(usable_cores(8, {"50000 100000"}), 1u);   // never 0
  EXPECT_EQ(usable_cores(0, {}), 1u);                 // mask unknown
}

TEST(CpuBudget, FindsTheCgroupV2Path) {
  EXPECT_EQ(cgroup_v2_path("0::/system.slice/hearth-call.service\n"), "/system.slice/hearth-call.service");
  EXPECT_EQ(cgroup_v2_path("12:cpu,cpuacct:/docker/abc\n0::/docker/abc\n"), "/docker/abc");
  EXPECT_EQ(cgroup_v2_path("4:memory:/x\n1:cpu:/\n"), "");  // cgroup v1 only
  EXPECT_EQ(cgroup_v2_path(""), "");
}

// As `taskset -c 0` would: this thread pinned to one CPU may use one core, whatever the machine has.
TEST(CpuBudget, ReadsTheAffinityMask) {
  cpu_set_t all;
  CPU_ZERO(&all);
  ASSERT_EQ(sched_getaffinity(0, sizeof(all), &all), 0);
  EXPECT_LE(usable_cores(), static_cast<unsigned>(CPU_COUNT(&all)));
  int first = 0;
  while (!CPU_ISSET(first, &all)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  EXPECT_EQ(usable_cores(), 1u);
  ASSERT_EQ(sched_setaffinity(0, sizeof(all), &all), 0);
}

}  // namespace
}  // namespace hearth::core
