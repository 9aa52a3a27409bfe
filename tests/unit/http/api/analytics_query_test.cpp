#include "http/api/analytics_query.hpp"

#include <string>

#include <gtest/gtest.h>

// The analytics query string: timestamps in the forms ISO 8601 allows, the defaults, and every rule of the range,
// each refusal naming its field.
namespace hearth::http {
namespace {
using namespace std::chrono;

// 2026-12-04T12:00:00.000Z
const TimePoint kNow = from_epoch_ms(1'796'385'600'000);

TimePoint at(std::string_view iso) {
  auto t = parse_timestamp(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(TimePoint{});
}

void expect_message(const Result<store::AnalyticsQuery>& r, std::string_view message) {
  ASSERT_FALSE(r.ok()) << "expected: " << message;
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_EQ(r.error().message, message);
}

// --- parse_timestamp ------------------------------------------------------------------------------------------

TEST(ParseTimestamp, ReadsUtcWithAndWithoutFractions) {
  EXPECT_EQ(parse_timestamp("2026-12-04T12:00:00.000Z"), kNow);
  EXPECT_EQ(parse_timestamp("2026-12-04T12:00:00Z"), kNow);
  EXPECT_EQ(parse_timestamp("2026-12-04T12:00Z"), kNow);
  EXPECT_EQ(parse_timestamp("2026-12-04T12:00:00z"), kNow);
  EXPECT_EQ(parse_timestamp("2026-12-04T12:00:00.5Z"), kNow + 500ms);
  EXPECT_EQ(parse_timestamp("2026-12-04T12:00:00,25Z"), kNow + 250ms);
  EXPECT_EQ(parse_timestamp("2026-12-04T12:00:00.123456789Z"), kNow + 123ms);  // cut, not rounded
  EXPECT_EQ(parse_timestamp("2026-12-04T12:00:00.999999Z"), kNow + 999ms);
}

TEST(ParseTimestamp, ReadsOffsets) {
  EXPECT_EQ(parse_timestamp("2026-12-04T13:00:00+01:00"), kNow);
  EXPECT_EQ(parse_timestamp("2026-12-04T13:00:00+0100"), kNow);
  EXPECT_EQ(parse_timestamp("2026-12-04T13:00:00+01"), kNow);
  EXPECT_EQ(parse_timestamp("2026-12-04T06:30:00.000-05:30"), kNow);
  EXPECT_EQ(parse_timestamp("2026-12-05T00:00:00+12:00"), kNow);
  EXPECT_EQ(parse_timestamp("2026-12-04T12:00:00-00:00"), kNow);
  // An unescaped '+' in a query string arrives as a space.
  EXPECT_EQ(parse_timestamp("2026-12-04T13:00:00 01:00"), kNow);
}

TEST(ParseTimestamp, ReadsADateAsMidnightUtc) {
  EXPECT_EQ(parse_timestamp("2026-12-04"), kNow - 12h);
  EXPECT_EQ(parse_timestamp("2024-02-29"), from_epoch_ms(1'709'164'800'000));
}

TEST(ParseTimestamp, RefusesWhatIsNotOne) {
  for (const char* bad : {"",
                          "2026",
                          "2026-12",
                          "2026-12-4",
                          "26-12-04",
                          "2026-13-01",
                          "2026-02-30",
                          "2025-02-29",
                          "2026-12-04T",
                          "2026-12-04T12",
                          "2026-12-04T12:00",
                          "2026-12-04T12:00:00",
                          "2026-12-04 12:00:00Z",
                          "2026-12-04T24:00:00Z",
                          "2026-12-04T12:60:00Z",
                          "2026-12-04T12:00:60Z",
                          "2026-12-04T12:00:00.Z",
                          "2026-12-04T12:00:00.1234567890Z",
                          "2026-12-04T12:00:00+1",
                          "2026-12-04T12:00:00+24:00",
                          "2026-12-04T12:00:00+01:60",
                          "2026-12-04T12:00:00+01:",
                          "2026-12-04T12:00:00Zx",
                          "2026-12-04T12:00:00ZZ",
                          "2026-12-04T12:00:00UTC",
                          "+2026-12-04",
                          "1701734400000",
                          "2026-12-04T1a:00:00Z",
                          "now"}) {
    EXPECT_EQ(parse_timestamp(bad), std::nullopt) << '"' << bad << '"';
  }
}

// --- parse_analytics_query --------------------------------------------------------------------------------------

TEST(ParseAnalyticsQuery, DefaultsToTheLastSevenDaysByDay) {
  auto q = parse_analytics_query("", kNow);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->to, kNow);
  EXPECT_EQ(q->from, kNow - days{7});
  EXPECT_EQ(q->granularity, store::Granularity::day);
}

TEST(ParseAnalyticsQuery, FromAloneEndsNowToAloneStartsSevenDaysBefore) {
  auto q = parse_analytics_query("from=2026-12-01T00:00:00Z", kNow);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->from, at("2026-12-01T00:00:00Z"));
  EXPECT_EQ(q->to, kNow);
  q = parse_analytics_query("to=2026-12-01T00:30:00Z", kNow);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->to, at("2026-12-01T00:30:00Z"));
  EXPECT_EQ(q->from, at("2026-11-24T00:30:00Z"));
}

TEST(ParseAnalyticsQuery, ReadsEveryParameterNotRoundedAndPercentDecoded) {
  auto q = parse_analytics_query("from=2026-12-01T09:15:30.250Z&to=2026-12-02T10%3A00%3A00%2B01%3A00&granularity=hour",
                                 kNow);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->from, at("2026-12-01T09:15:30.250Z"));
  EXPECT_EQ(q->to, at("2026-12-02T09:00:00Z"));
  EXPECT_EQ(q->granularity, store::Granularity::hour);
  q = parse_analytics_query("granularity=day&to=2026-12-02T10:00:00+01:00", kNow);  // '+' read as a space
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->to, at("2026-12-02T09:00:00Z"));
}

TEST(ParseAnalyticsQuery, IgnoresUnknownParametersAndTakesTheLastOfARepeatedOne) {
  auto q = parse_analytics_query("foo=bar&granularity=hour&granularity=day&page=x", kNow);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->granularity, store::Granularity::day);
}

TEST(ParseAnalyticsQuery, RefusesMalformedValuesNamingTheField) {
  expect_message(parse_analytics_query("from=yesterday", kNow),
                 "from: must be an ISO 8601 timestamp with a zone, e.g. 2026-12-01T00:00:00Z");
  expect_message(parse_analytics_query("to=2026-12-04T12:00:00", kNow),
                 "to: must be an ISO 8601 timestamp with a zone, e.g. 2026-12-01T00:00:00Z");
  expect_message(parse_analytics_query("from=", kNow),
                 "from: must be an ISO 8601 timestamp with a zone, e.g. 2026-12-01T00:00:00Z");
  expect_message(parse_analytics_query("granularity=week", kNow), "granularity: must be hour or day");
  expect_message(parse_analytics_query("granularity=", kNow), "granularity: must be hour or day");
  expect_message(parse_analytics_query("granularity=Hour", kNow), "granularity: must be hour or day");
}

TEST(ParseAnalyticsQuery, RefusesAnEmptyOrReversedRange) {
  expect_message(parse_analytics_query("from=2026-12-01T00:00:00Z&to=2026-12-01T00:00:00Z", kNow),
                 "from: must be before to");
  expect_message(parse_analytics_query("from=2026-12-01T00:00:01Z&to=2026-12-01T00:00:00Z", kNow),
                 "from: must be before to");
  expect_message(parse_analytics_query("from=2026-12-05T00:00:00Z", kNow), "from: must be before to");
}

TEST(ParseAnalyticsQuery, AllowsAtMost366DaysAnd31DaysByHour) {
  EXPECT_TRUE(parse_analytics_query("from=2025-12-01T00:00:00Z&to=2026-12-02T00:00:00Z", kNow).ok());  // 366 days
  expect_message(parse_analytics_query("from=2025-12-01T00:00:00Z&to=2026-12-02T00:00:00.001Z", kNow),
                 "to: the range must not exceed 366 days");
  EXPECT_TRUE(parse_analytics_query("from=2026-11-01T00:00:00Z&to=2026-12-02T00:00:00Z&granularity=hour", kNow).ok());
  expect_message(parse_analytics_query("from=2026-11-01T00:00:00Z&to=2026-12-02T00:00:00.001Z&granularity=hour", kNow),
                 "granularity: hour allows a range of at most 31 days");
  // The same range by day is fine; the range rule comes before the hourly one.
  EXPECT_TRUE(parse_analytics_query("from=2026-11-01T00:00:00Z&to=2026-12-02T00:00:00.001Z", kNow).ok());
  expect_message(parse_analytics_query("from=2020-01-01T00:00:00Z&granularity=hour", kNow),
                 "to: the range must not exceed 366 days");
}

}  // namespace
}  // namespace hearth::http
