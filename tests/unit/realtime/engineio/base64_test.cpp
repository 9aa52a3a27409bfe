#include "realtime/engineio/base64.hpp"

#include <string>

#include <gtest/gtest.h>

namespace hearth::realtime::engineio {
namespace {

// The codec is core/base64 (tests/unit/core/base64_test.cpp); Engine.IO only names the error.
TEST(EngineIoBase64, DecodesAndNamesTheError) {
  std::string out;
  ASSERT_TRUE(append_base64_decoded(out, "Zm9v"));
  EXPECT_EQ(out, "foo");
  const auto r = append_base64_decoded(out, "Zm9v!A");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_EQ(r.error().message, "invalid base64 in binary packet");
  EXPECT_EQ(r.error().detail, "character outside the alphabet");
  EXPECT_EQ(out, "foo");
}

}  // namespace
}  // namespace hearth::realtime::engineio
