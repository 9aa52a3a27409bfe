#include "core/time_format.hpp"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(FormatIso8601, FormatsTheEpoch) { EXPECT_EQ(format_iso8601(from_epoch_ms(0)), "1970-01-01T00:00:00.000Z"); }

TEST(FormatIso8601, FormatsKnownInstants) {
  // Expected values from `date -u -d ... +%s`.
  EXPECT_EQ(format_iso8601(from_epoch_ms(1'700'000'000'000)), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(format_iso8601(from_epoch_ms(1'709'210'096'789)), "2024-02-29T12:34:56.789Z");  // leap day
  EXPECT_EQ(format_iso8601(from_epoch_ms(951'868'799'999)), "2000-02-29T23:59:59.999Z");    // leap day, 400-rule
  EXPECT_EQ(format_iso8601(from_epoch_ms(946'684'799'001)), "1999-12-31T23:59:59.001Z");
  EXPECT_EQ(format_iso8601(from_epoch_ms(-1)), "1969-12-31T23:59:59.999Z");
}

TEST(FormatIso8601, AlwaysPadsMillisecondsToThreeDigits) {
  EXPECT_EQ(format_iso8601(from_epoch_ms(5)), "1970-01-01T00:00:00.005Z");
  EXPECT_EQ(format_iso8601(from_epoch_ms(50)), "1970-01-01T00:00:00.050Z");
}

TEST(FormatIso8601, WritesIntoABufferAndPrintsYearsPastFourDigits) {
  Iso8601Buffer buffer;
  EXPECT_EQ(format_iso8601(from_epoch_ms(1'709'210'096'789), buffer), "2024-02-29T12:34:56.789Z");
  EXPECT_EQ(format_iso8601(from_epoch_ms(253'402'300'800'000), buffer), "10000-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(from_epoch_ms(-62'167'219'200'001)), "-001-12-31T23:59:59.999Z");
}

TEST(ParseIso8601, ParsesKnownInstants) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00.000Z"), from_epoch_ms(0));
  EXPECT_EQ(parse_iso8601("2023-11-14T22:13:20.000Z"), from_epoch_ms(1'700'000'000'000));
  EXPECT_EQ(parse_iso8601("2024-02-29T12:34:56.789Z"), from_epoch_ms(1'709'210'096'789));
  EXPECT_EQ(parse_iso8601("2000-02-29T23:59:59.999Z"), from_epoch_ms(951'868'799'999));
}

TEST(Iso8601, RoundTrips) {
  for (std::int64_t ms : {std::int64_t{0}, std::int64_t{1}, std::int64_t{999}, std::int64_t{1'000},
                          std::int64_t{86'399'999}, std::int64_t{951'868'799'999}, std::int64_t{1'709'210'096'789},
                          std::int64_t{1'700'000'000'123}, std::int64_t{4'102'444'800'000} /* 2100-01-01 */,
                          std::int64_t{253'402'300'799'999} /* 9999-12-31T23:59:59.999Z */}) {
    const TimePoint t = from_epoch_ms(ms);
    const std::string text = format_iso8601(t);
    EXPECT_EQ(parse_iso8601(text), t) << text;
  }
}

TEST(Iso8601, RoundTripsEveryMillisecondOfASecondAndEveryDayOfALeapYear) {
  const std::int64_t base = 1'704'067'200'000;  // 2024-01-01T00:00:00.000Z
  for (std::int64_t ms = 0; ms < 1'000; ++ms) {
    const TimePoint t = from_epoch_ms(base + ms);
    ASSERT_EQ(parse_iso8601(format_iso8601(t)), t) << format_iso8601(t);
  }
  for (std::int64_t day = 0; day < 366; ++day) {
    const TimePoint t = from_epoch_ms(base + day * 86'400'000 + 45'296'007);  // 12:34:56.007 each day
    ASSERT_EQ(parse_iso8601(format_iso8601(t)), t) << format_iso8601(t);
  }
}

TEST(ParseIso8601, RefusesMalformedText) {
  for (const char* text : {
           "",
           "2024-02-29",
           "2024-02-29T12:34:56Z",           // no milliseconds
           "2024-02-29T12:34:56.78Z",        // two-digit milliseconds
           "2024-02-29T12:34:56.7890Z",      // four-digit milliseconds
           "2024-02-29T12:34:56.789",        // no Z
           "2024-02-29T12:34:56.789z",       // lower-case z
           "2024-02-29t12:34:56.789Z",       // lower-case t
           "2024-02-29 12:34:56.789Z",       // space separator
           "2024-02-29T12:34:56.789+00:00",  // offset instead of Z
           "2024/02/29T12:34:56.789Z",
           "2024-02-29T12-34-56.789Z",
           "2024-02-29T12:34:56,789Z",
           "2024-0a-29T12:34:56.789Z",  // non-digit
           "2024-02-29T1 :34:56.789Z",
           "+024-02-29T12:34:56.789Z",  // sign in the year
           "2024-+2-29T12:34:56.789Z",
           "2024-02-29T12:34:56.-89Z",
           " 2024-02-29T12:34:56.789Z",
           "2024-02-29T12:34:56.789Z ",
       }) {
    EXPECT_EQ(parse_iso8601(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(ParseIso8601, RefusesImpossibleDatesAndTimes) {
  for (const char* text : {
           "2023-02-29T00:00:00.000Z",  // not a leap year
           "1900-02-29T00:00:00.000Z",  // century, not a leap year
           "2024-02-30T00:00:00.000Z",
           "2024-04-31T00:00:00.000Z",
           "2024-00-10T00:00:00.000Z",
           "2024-13-10T00:00:00.000Z",
           "2024-01-00T00:00:00.000Z",
           "2024-01-32T00:00:00.000Z",
           "2024-01-01T24:00:00.000Z",
           "2024-01-01T23:60:00.000Z",
           "2024-01-01T23:59:60.000Z",
       }) {
    EXPECT_EQ(parse_iso8601(text), std::nullopt) << text;
  }
}

TEST(ParseIso8601, AcceptsTheLastValidValueOfEachField) {
  EXPECT_TRUE(parse_iso8601("2024-12-31T23:59:59.999Z").has_value());
  EXPECT_TRUE(parse_iso8601("2024-02-29T00:00:00.000Z").has_value());
  EXPECT_TRUE(parse_iso8601("2000-02-29T00:00:00.000Z").has_value());
}

}  // namespace
}  // namespace hearth
