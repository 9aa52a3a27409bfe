#pragma once
// HS256 tokens for the benchmark's users, minted with the server's own minting code (auth/jwt.hpp): claims sub,
// userId, name, role, iat, exp (24 h).
// Thread safety: immutable after construction.
#include <string>
#include <string_view>

namespace hearth::bench {

class TokenMinter {
 public:
  explicit TokenMinter(std::string secret) : secret_(std::move(secret)) {}
  std::string mint(std::string_view user_id) const;

 private:
  std::string secret_;
};

}  // namespace hearth::bench
