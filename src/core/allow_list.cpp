#include "core/allow_list.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace hearth {

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// inet_pton wants a NUL-terminated string: at most an IPv6 address's text.
bool parse_address(std::string_view text, bool& v6, std::array<std::uint8_t, 16>& bytes) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return false;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  bytes = {};
  if (inet_pton(AF_INET, buf, bytes.data()) == 1) {
    v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, buf, bytes.data()) == 1) {
    v6 = true;
    return true;
  }
  return false;
}

bool is_v4_mapped(const std::array<std::uint8_t, 16>& a) {
  for (int i = 0; i < 10; ++i)
    if (a[static_cast<std::size_t>(i)] != 0) return false;
  return a[10] == 0xff && a[11] == 0xff;
}

}  // namespace

Result<AllowList> AllowList::parse(std::string_view list, std::string_view setting) {
  AllowList out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto entry = trimmed(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (entry.empty()) continue;
    const auto bad = [&] {
      return make_error(errc::invalid_argument,
                        fmt::format("{}: '{}' is not an IP address or a CIDR range (address/bits)", setting, entry));
    };
    Range r;
    const auto slash = entry.find('/');
    if (!parse_address(entry.substr(0, slash), r.v6, r.bytes)) return bad();
    const int max_bits = r.v6 ? 128 : 32;
    r.prefix = max_bits;
    if (slash != std::string_view::npos) {
      const auto bits = entry.substr(slash + 1);
      const auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), r.prefix);
      if (bits.empty() || ec != std::errc{} || ptr != bits.data() + bits.size() || r.prefix < 0 || r.prefix > max_bits)
        return bad();
    }
    if (r.v6 && is_v4_mapped(r.bytes) && r.prefix >= 96) {  // ::ffff:10.0.0.0/104 is 10.0.0.0/8
      r.v6 = false;
      std::memmove(r.bytes.data(), r.bytes.data() + 12, 4);
      r.prefix -= 96;
    }
    out.ranges_.push_back(r);
  }
  if (out.ranges_.empty())
    return make_error(errc::invalid_argument,
                      fmt::format("{}: empty; give at least one address or CIDR range", setting));
  return out;
}

bool AllowList::matches(const Range& r, const std::uint8_t* address, bool v6) noexcept {
  if (r.v6 != v6) return false;
  const int full = r.prefix / 8;
  if (std::memcmp(r.bytes.data(), address, static_cast<std::size_t>(full)) != 0) return false;
  const int rest = r.prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (r.bytes[static_cast<std::size_t>(full)] & mask) == (address[full] & mask);
}

bool AllowList::allows(const std::array<std::uint8_t, 4>& v4) const noexcept {
  for (const auto& r : ranges_)
    if (matches(r, v4.data(), false)) return true;
  return false;
}

bool AllowList::allows(const std::array<std::uint8_t, 16>& v6) const noexcept {
  if (is_v4_mapped(v6)) return allows(std::array<std::uint8_t, 4>{v6[12], v6[13], v6[14], v6[15]});
  for (const auto& r : ranges_)
    if (matches(r, v6.data(), true)) return true;
  return false;
}

bool AllowList::allows(std::string_view address) const {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};
  if (!parse_address(address, v6, bytes)) return false;
  if (v6) return allows(bytes);
  return allows(std::array<std::uint8_t, 4>{bytes[0], bytes[1], bytes[2], bytes[3]});
}

}  // namespace hearth
