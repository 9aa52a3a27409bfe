#include "core/errors.hpp"

#include <set>
#include <string_view>

#include <gtest/gtest.h>

namespace hearth {
namespace {

constexpr errc kAll[] = {errc::invalid_argument,
                         errc::unauthenticated,
                         errc::forbidden,
                         errc::not_found,
                         errc::method_not_allowed,
                         errc::conflict,
                         errc::session_full,
                         errc::gone,
                         errc::payload_too_large,
                         errc::unsupported_media_type,
                         errc::rate_limited,
                         errc::unavailable,
                         errc::internal};

TEST(Errc, EveryCodeHasADistinctName) {
  std::set<std::string_view> names;
  for (errc code : kAll) {
    const auto name = to_string(code);
    EXPECT_NE(name, "unknown");
    EXPECT_FALSE(name.empty());
    names.insert(name);
  }
  EXPECT_EQ(names.size(), std::size(kAll));
}

TEST(Errc, NamesMatchTheEnumerators) {
  EXPECT_EQ(to_string(errc::invalid_argument), "invalid_argument");
  EXPECT_EQ(to_string(errc::session_full), "session_full");
  EXPECT_EQ(to_string(errc::gone), "gone");
  EXPECT_EQ(to_string(static_cast<errc>(0)), "unknown");
}

}  // namespace
}  // namespace hearth
