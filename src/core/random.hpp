#pragma once
// Cryptographically secure random values (OpenSSL's RAND_bytes; random_base36 draws from a per-thread pool of
// its output). Thread safe.
#include <cstddef>
#include <string>

namespace hearth {

// n random characters from [0-9a-z]; throws std::runtime_error if the CSPRNG fails.
std::string random_base36(std::size_t n);
// n random bytes rendered as 2n lowercase hex characters.
std::string random_hex(std::size_t n_bytes);

}  // namespace hearth
