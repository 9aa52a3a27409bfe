#pragma once
// Invariant checks for fuzz targets: a failed check aborts, which libFuzzer and the replay runner report as a
// crash together with the input. No gtest here, so the same sources build as libFuzzer targets.
#include <cstdio>
#include <cstdlib>

#define HEARTH_FUZZ_CHECK(cond)                                                              \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

// Each target is built twice: as LLVMFuzzerTestOneInput (libFuzzer, clang) and under its own name for the
// replay runner, which links them all into one executable.
#ifndef HEARTH_FUZZ_ENTRY
#define HEARTH_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif
