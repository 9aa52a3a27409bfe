#include "auth/base64url.hpp"

#include <string>

#include <gtest/gtest.h>

namespace hearth::auth {
namespace {

TEST(Base64url, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff\xfe"), "-__-");
}

TEST(Base64url, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 64; ++n) {
    const auto decoded = base64url_decode(base64url_encode(bytes));
    ASSERT_TRUE(decoded.has_value()) << n;
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(n * 37 + 11));
  }
}

TEST(Base64url, DecodeIsStrict) {
  EXPECT_EQ(base64url_decode("Zm9v"), "foo");
  EXPECT_EQ(base64url_decode("-__-"), "\xfb\xff\xfe");
  for (const std::string_view bad : {"Zg==", "Z", "Zm9vY", "Zh", "Zm9=", "Zm+v", "Zm/v", "Zm 9v", "Zm9v\n"}) {
    EXPECT_EQ(base64url_decode(bad), std::nullopt) << bad;
  }
  EXPECT_FALSE(is_base64url("a.b"));
  EXPECT_TRUE(is_base64url("aZ09-_"));
}

}  // namespace
}  // namespace hearth::auth
