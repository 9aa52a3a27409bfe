#pragma once
// Equal JSON values for fuzz cross-checks, numbers within a few ulps: Boost.JSON 1.81 reads the same text of a long
// number (more than 17 significant digits) as neighbouring doubles depending on the byte that follows it
// ("88.888888887888888889}" and "...89," differ in the last bit; so do a number at the end of the input and the same
// number followed by ","), while the codec and the relay keep the sender's text verbatim.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#include <boost/json/value.hpp>

namespace hearth::fuzz {

inline bool same_value(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number() && (a.is_double() || b.is_double())) {
    const double x = a.to_number<double>(), y = b.to_number<double>();
    return x == y || std::abs(x - y) <= 4 * std::numeric_limits<double>::epsilon() * std::max(std::abs(x), std::abs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!same_value(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const auto* other = y.if_contains(kv.key());
      if (!other || !same_value(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace hearth::fuzz
