#include "calls/media_update.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace hearth::calls {
namespace {

Result<MediaUpdate> read(std::string_view json) {
  return read_media_update(boost::json::parse(json).as_object(), "payload");
}

TEST(MediaUpdate, ReadsTheFlagsGivenAndAppliesOnlyThem) {
  const auto u = read(R"({"hasVideo":false,"other":1})");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->has_video, false);
  EXPECT_EQ(u->has_audio, std::nullopt);
  EXPECT_EQ(u->is_screen_sharing, std::nullopt);
  EXPECT_EQ(u->applied_to(MediaState{true, true, true}), (MediaState{false, true, true}));
}

TEST(MediaUpdate, NeedsAtLeastOneFlagNamingTheContainer) {
  const auto u = read(R"({"sessionId":"s"})");
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, errc::invalid_argument);
  EXPECT_EQ(u.error().message, "payload: give at least one of hasVideo, hasAudio, isScreenSharing");
}

TEST(MediaUpdate, FlagsAreBooleans) {
  for (const char* field : {"hasVideo", "hasAudio", "isScreenSharing"}) {
    const auto u = read(std::string(R"({")") + field + R"(":"yes"})");
    ASSERT_FALSE(u) << field;
    EXPECT_EQ(u.error().message, std::string(field) + ": must be a boolean");
  }
}

}  // namespace
}  // namespace hearth::calls
