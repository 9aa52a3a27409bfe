#pragma once
// A set of client addresses as a comma list of addresses and CIDR ranges ("127.0.0.0/8,::1,10.1.0.0/16"):
// METRICS_ALLOW (who may read GET /metrics), TRUSTED_PROXIES (whose X-Forwarded-For is believed). An IPv4 client
// reaching an IPv6 socket (::ffff:a.b.c.d) is matched as IPv4.
// Thread safety: parsed once, then read-only.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace hearth {

inline constexpr std::string_view kDefaultMetricsAllow = "127.0.0.0/8,::1";

class AllowList {
 public:
  // Errors: invalid_argument naming `setting` and the entry that is not an address or a CIDR range (or an empty
  // list).
  static Result<AllowList> parse(std::string_view list, std::string_view setting = "METRICS_ALLOW");

  bool allows(const std::array<std::uint8_t, 4>& v4) const noexcept;
  bool allows(const std::array<std::uint8_t, 16>& v6) const noexcept;  // v4-mapped addresses as IPv4
  // `address`: a textual IPv4 or IPv6 address (no brackets, no zone); false if it is not one.
  bool allows(std::string_view address) const;
  bool empty() const noexcept { return ranges_.empty(); }

 private:
  struct Range {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4
    int prefix = 0;                        // bits
  };
  static bool matches(const Range& r, const std::uint8_t* address, bool v6) noexcept;
  std::vector<Range> ranges_;
};

}  // namespace hearth
