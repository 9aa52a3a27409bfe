# Every dependency is a Debian 12 package; ./dev installs them (see scripts/deps.sh).
find_package(Boost 1.81.0 EXACT CONFIG REQUIRED COMPONENTS json url)
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBJWT REQUIRED IMPORTED_TARGET libjwt)
pkg_check_modules(LIBURING REQUIRED IMPORTED_TARGET liburing)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)  # the PostgreSQL store (src/store/postgres)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)  # the Redis bus between nodes (cluster/)
find_package(ZLIB REQUIRED)                                             # gzip copies of the web assets
pkg_check_modules(LIBBROTLIENC REQUIRED IMPORTED_TARGET libbrotlienc)  # brotli copies of the web assets
pkg_check_modules(LIBBROTLIDEC REQUIRED IMPORTED_TARGET libbrotlidec)  # their tests
if(HEARTH_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
