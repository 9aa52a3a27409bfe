#include "core/base64.hpp"

#include <string>

#include <gtest/gtest.h>

namespace hearth {
namespace {

using namespace std::string_view_literals;

std::string encode(std::string_view bytes) {
  std::string out;
  append_base64(out, bytes);
  return out;
}

Result<std::string> decode(std::string_view text) {
  std::string out;
  if (auto r = append_base64_decoded(out, text); !r) return r.error();
  return out;
}

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(encode(""), "");
  EXPECT_EQ(encode("f"), "Zg==");
  EXPECT_EQ(encode("fo"), "Zm8=");
  EXPECT_EQ(encode("foo"), "Zm9v");
  EXPECT_EQ(encode("foob"), "Zm9vYg==");
  EXPECT_EQ(encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encoded_size(6), 8u);
  EXPECT_EQ(base64_encoded_size(7), 12u);
}

TEST(Base64, DecodesPaddedAndUnpadded) {
  EXPECT_EQ(*decode(""), "");
  EXPECT_EQ(*decode("Zg=="), "f");
  EXPECT_EQ(*decode("Zg"), "f");
  EXPECT_EQ(*decode("Zm8="), "fo");
  EXPECT_EQ(*decode("Zm8"), "fo");
  EXPECT_EQ(*decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(*decode("AQIDBA=="), std::string("\x01\x02\x03\x04"));
}

TEST(Base64, RoundTripsEveryByteValue) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const std::string bytes = all.substr(0, n);
    EXPECT_EQ(*decode(encode(bytes)), bytes) << n;
  }
}

TEST(Base64, RejectsMalformedTextAndLeavesOutputAlone) {
  for (const std::string_view bad : {"Z"sv, "Zg="sv, "Z==="sv, "Zg==Zg=="sv, "Zm9v!"sv, "Zm 9v"sv, "Zm9v\n"sv, "===="sv,
                                     "Zm9vY==="sv, "-_-_"sv, "Zm\0v"sv}) {
    std::string out = "keep";
    const auto r = append_base64_decoded(out, bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, errc::invalid_argument);
    EXPECT_EQ(r.error().message, "invalid base64");
    EXPECT_EQ(out, "keep");
  }
}

TEST(Base64, AppendsAfterExistingContent) {
  std::string out = "b";
  append_base64(out, "foo");
  EXPECT_EQ(out, "bZm9v");
  ASSERT_TRUE(append_base64_decoded(out, "YmFy"));
  EXPECT_EQ(out, "bZm9vbar");
}

// OpenSSL's decoder skips whitespace and '-' at either end of what it is given and reads '=' as zero bits: none of
// that is accepted here, at the ends of the text nor of the last, partial quartet.
TEST(Base64, RefusesWhatOpenSslWouldSkip) {
  for (const std::string_view bad :
       {" Zm9v"sv, "Zm9v "sv, "Zm9v\n"sv, "\tZm9v"sv, "Zm9v-"sv, "-Zm9v"sv, "Zm9vZ "sv, "Zm9v Zg"sv, "Zm9v-Zg"sv,
        "Zm9vZ-"sv, "Zm=v"sv, "Zm9vZ=g="sv, "Zm9v\r\n"sv, "Zm9v    "sv, "    Zm9v"sv, "Zm9v----"sv}) {
    std::string out;
    EXPECT_FALSE(append_base64_decoded(out, bad)) << bad;
  }
}

TEST(Base64, LargeInputsRoundTrip) {
  std::string bytes(5u << 20, '\0');  // over one piece of the OpenSSL calls
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 131 + 7) & 0xff);
  std::string text;
  append_base64(text, bytes);
  EXPECT_EQ(text.size(), base64_encoded_size(bytes.size()));
  EXPECT_EQ(*decode(text), bytes);
  text[4u << 20] = ' ';  // the first character of the second piece
  EXPECT_FALSE(decode(text));
}

}  // namespace
}  // namespace hearth
