# hearth_warnings: an interface target every project target links, so the flags live in one place.
add_library(hearth_warnings INTERFACE)
target_compile_options(hearth_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
  # GCC 12 at -O3 reports false positives inside std::string (PR 105329) and std::shared_ptr: keep the
  # warnings but not as errors (and no -Wnull-dereference, which only reports the shared_ptr ones).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-error=restrict>)
if(HEARTH_WERROR)
  target_compile_options(hearth_warnings INTERFACE -Werror)
endif()
