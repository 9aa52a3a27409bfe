// Fuzz target for URL query strings (core/query). Properties:
//  1. Where Boost.URL accepts the query (RFC 3986 grammar, valid escapes), parse_query() gives the same decoded
//     pairs as Boost.URL with '+' as space, empty pairs ("a&&b") left out.
//  2. Pairs taken from the input, percent-encoded and joined, parse back to themselves.
//  3. query_of() is what follows the first '?'.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse_query.hpp>

#include "core/query.hpp"
#include "fuzz_check.hpp"

namespace {

void agrees_with_boost_url(std::string_view query) {
  // Boost.URL 1.81's parse_query() measures its argument again with strlen (boostorg/url#757): it reads past a view
  // that is not NUL-terminated, and stops at an embedded NUL. Hand it a NUL-terminated copy without NULs.
  if (query.find('\0') != std::string_view::npos) return;
  const std::string copy(query);
  const auto parsed = boost::urls::parse_query(copy);
  if (!parsed) return;
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  hearth::QueryParams expected;
  for (const auto& p : *parsed) {
    if (p.key.empty() && !p.has_value) continue;  // an empty pair
    expected.emplace_back(p.key.decode(opts), p.has_value ? p.value.decode(opts) : std::string());
  }
  HEARTH_FUZZ_CHECK(hearth::parse_query(query) == expected);
}

void append_encoded(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
                            u == '.' || u == '_' || u == '~';
    if (unreserved) {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
}

// The input split at '\n' into alternating keys and values.
void round_trip(std::string_view input) {
  hearth::QueryParams pairs;
  std::string query;
  bool key = true;
  while (!input.empty() && pairs.size() < 64) {
    const auto nl = input.find('\n');
    const std::string_view part = input.substr(0, nl);
    if (key) {
      pairs.emplace_back(std::string(part), std::string());
      if (!query.empty()) query += '&';
      append_encoded(query, part);
      query += '=';
    } else {
      pairs.back().second = std::string(part);
      append_encoded(query, part);
    }
    key = !key;
    if (nl == std::string_view::npos) break;
    input.remove_prefix(nl + 1);
  }
  const auto parsed = hearth::parse_query(query);
  HEARTH_FUZZ_CHECK(parsed == pairs);
  for (const auto& pair : pairs) {
    // query_value() answers the first pair with that key.
    for (const auto& first : pairs) {
      if (first.first != pair.first) continue;
      HEARTH_FUZZ_CHECK(hearth::query_value(parsed, pair.first) == first.second);
      break;
    }
  }
}

}  // namespace

extern "C" int HEARTH_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)hearth::parse_query(input);  // anything at all
  agrees_with_boost_url(input);
  round_trip(input);
  const auto q = input.find('?');
  HEARTH_FUZZ_CHECK(hearth::query_of(input) ==
                    (q == std::string_view::npos ? std::string_view{} : input.substr(q + 1)));
  return 0;
}
