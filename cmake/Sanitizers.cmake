if(HEARTH_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(HEARTH_SANITIZE STREQUAL "thread")
  # -Wno-tsan: GCC 12 warns that TSan does not model atomic_thread_fence, which Boost's headers use (spinlocks,
  # Asio); with -Werror that would stop the build. Races through those fences may go unreported.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
elseif(NOT HEARTH_SANITIZE STREQUAL "")
  message(FATAL_ERROR "HEARTH_SANITIZE must be '', 'address' or 'thread'")
endif()
