#pragma once
// URL query strings: "a=1&b=x%20y" -> [(a, 1), (b, x y)], percent-decoded ('+' as space, as forms send it).
// Malformed escapes are kept literally; the caller validates the values it reads.
// Hand-written, not Boost.URL: Boost.URL refuses the whole query for one malformed escape or a character outside
// RFC 3986 (accepted here today), its 1.81 parse_query reads past the end of a view (boostorg/url#757), and it is
// slower per Engine.IO request (BENCHMARKS.md, "Written once"). tests/fuzz/query_fuzz.cpp checks both agree where
// Boost.URL accepts.
// Thread safety: stateless.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The query part of a request target ("" if none).
std::string_view query_of(std::string_view target) noexcept;
QueryParams parse_query(std::string_view query);
// The first value of `key`, or an empty string.
std::string query_value(const QueryParams& params, std::string_view key);

}  // namespace hearth
