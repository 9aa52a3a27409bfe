#include "http/api/analytics_json.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

// The analytics answer's shape (docs/api.md): every key present whatever the report holds, ratios and nulls.
namespace hearth::http {
namespace {
namespace json = boost::json;
using namespace std::chrono;

const TimePoint kFrom = from_epoch_ms(1'796'342'400'000);  // 2026-12-04T00:00:00.000Z, a Friday

json::object parse(const store::AnalyticsReport& r) {
  const auto text = analytics_json(r);
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  return v.is_object() ? v.get_object() : json::object{};
}

store::AnalyticsReport empty_day() {
  store::AnalyticsReport r;
  r.query = {kFrom, kFrom + days{1}, store::Granularity::hour};
  for (int h = 0; h < 24; ++h) r.series.push_back({kFrom + hours{h}});
  r.peak_by_day.push_back({"2026-12-04", {}});
  return r;
}

TEST(AnalyticsJson, AnEmptyReportHasEveryKeyWithZerosAndNulls) {
  const auto o = parse(empty_day());
  EXPECT_EQ(json::serialize(o.at("range")),
            R"({"from":"2026-12-04T00:00:00.000Z","to":"2026-12-05T00:00:00.000Z","granularity":"hour"})");
  EXPECT_EQ(json::serialize(o.at("calls")),
            R"({"total":0,"started":0,"ongoing":0,"byType":{"one-to-one":0,"group":0,"therapy":0},)"
            R"("byEndReason":{"ended_by_user":0,"missed":0,"timeout":0,"all_left":0,"declined":0}})");
  EXPECT_EQ(json::serialize(o.at("durationSeconds")), R"({"count":0,"mean":0,"p50":0,"p90":0,"max":0})");
  EXPECT_EQ(json::serialize(o.at("participants")), R"({"total":0,"meanPerCall":0})");
  EXPECT_EQ(o.at("series").as_array().size(), 24u);
  EXPECT_EQ(json::serialize(o.at("series").as_array()[1]),
            R"({"start":"2026-12-04T01:00:00.000Z","calls":0,"participants":0,"peakCalls":0,"peakParticipants":0})");
  const auto& peaks = o.at("peaks").as_object();
  EXPECT_EQ(peaks.at("calls"), 0);
  EXPECT_EQ(peaks.at("participants"), 0);
  EXPECT_EQ(peaks.at("byHourOfDay").as_array().size(), 24u);
  EXPECT_EQ(json::serialize(peaks.at("byDay")), R"([{"day":"2026-12-04","calls":0,"participants":0}])");
  EXPECT_EQ(peaks.at("heatmap").as_array().size(), 168u);
  EXPECT_EQ(json::serialize(o.at("features")),
            R"({"screenShare":{"calls":0,"share":0},"videoOff":{"calls":0,"share":0},)"
            R"("audioOnly":{"calls":0,"share":0}})");
  EXPECT_EQ(json::serialize(o.at("errors")), R"({"rest":{"requests":0,"errors":0,"rate":0,"byCode":{}},)"
                                             R"("signaling":{"events":0,"errors":0,"rate":0,"byCode":{}}})");
  EXPECT_EQ(json::serialize(o.at("quality")),
            R"({"calls":0,"mosMean":null,"levels":{"excellent":0,"good":0,"fair":0,"poor":0,"lost":0},)"
            R"("relayed":{"calls":0,"share":0}})");
  EXPECT_EQ(json::serialize(o.at("establishmentMs")),
            R"({"client":{"count":0,"p50":null,"p90":null},"server":{"count":0,"p50":null,"p90":null}})");
  EXPECT_EQ(o.size(), 10u);
}

TEST(AnalyticsJson, WritesCountsRatiosAndPeaks) {
  auto r = empty_day();
  r.query.granularity = store::Granularity::day;
  r.calls_total = 3;
  r.calls_started = 2;
  r.calls_ongoing = 1;
  r.by_type = {{"group", 2}, {"therapy", 1}};
  r.by_end_reason = {{"missed", 1}, {"ended_by_user", 1}};
  r.duration = {2, 45.5, 30, 61, 61};
  r.participants_total = 5;
  r.series = {{kFrom, 3, 5, 2, 4}};
  r.peak = {2, 4};
  r.peak_by_hour_of_day[9] = {2, 4};
  r.peak_by_day = {{"2026-12-04", {2, 4}}};
  r.peak_heatmap[4][9] = {2, 4};  // Friday, 09:00
  r.screen_share_calls = 1;
  r.video_off_calls = 2;
  r.rest_requests = 40;
  r.rest_errors = {{"404", 3}, {"400", 2}};
  r.signaling_events = 7;
  r.signaling_errors = {{"forbidden", 1}};
  r.quality_calls = 2;
  r.mos_mean = 4.125;
  r.mos_levels = {{"excellent", 1}, {"good", 1}};
  r.relayed_calls = 1;
  r.establishment_client_ms = {2, 800, 1200};
  r.establishment_server_ms = {1, 300, 300};

  const auto o = parse(r);
  EXPECT_EQ(o.at("range").at("granularity"), "day");
  EXPECT_EQ(json::serialize(o.at("calls")),
            R"({"total":3,"started":2,"ongoing":1,"byType":{"one-to-one":0,"group":2,"therapy":1},)"
            R"("byEndReason":{"ended_by_user":1,"missed":1,"timeout":0,"all_left":0,"declined":0}})");
  EXPECT_NE(analytics_json(r).find(R"("durationSeconds":{"count":2,"mean":45.5,"p50":30,"p90":61,"max":61})"),
            std::string::npos);
  EXPECT_DOUBLE_EQ(o.at("participants").at("meanPerCall").as_double(), 2.5);  // per recorded call: 3 - 1 ongoing
  EXPECT_EQ(json::serialize(o.at("series")),
            R"([{"start":"2026-12-04T00:00:00.000Z","calls":3,"participants":5,"peakCalls":2,"peakParticipants":4}])");
  const auto& peaks = o.at("peaks").as_object();
  EXPECT_EQ(json::serialize(peaks.at("byHourOfDay").as_array()[9]), R"({"hour":9,"calls":2,"participants":4})");
  EXPECT_EQ(json::serialize(peaks.at("heatmap").as_array()[4 * 24 + 9]),
            R"({"dayOfWeek":4,"hour":9,"calls":2,"participants":4})");
  EXPECT_EQ(json::serialize(peaks.at("heatmap").as_array()[167]),
            R"({"dayOfWeek":6,"hour":23,"calls":0,"participants":0})");
  EXPECT_DOUBLE_EQ(o.at("features").at("screenShare").at("share").as_double(), 0.5);
  EXPECT_EQ(o.at("features").at("videoOff").at("share"), 1);  // written "1", read back as an integer
  const auto& rest = o.at("errors").at("rest").as_object();
  EXPECT_EQ(rest.at("errors"), 5);
  EXPECT_DOUBLE_EQ(rest.at("rate").as_double(), 0.125);
  EXPECT_EQ(json::serialize(rest.at("byCode")), R"({"400":2,"404":3})");
  const auto& sig = o.at("errors").at("signaling").as_object();
  EXPECT_EQ(sig.at("errors"), 1);
  EXPECT_DOUBLE_EQ(sig.at("rate").as_double(), 1.0 / 7.0);
  EXPECT_DOUBLE_EQ(o.at("quality").at("mosMean").as_double(), 4.125);
  EXPECT_EQ(json::serialize(o.at("quality").at("levels")), R"({"excellent":1,"good":1,"fair":0,"poor":0,"lost":0})");
  EXPECT_DOUBLE_EQ(o.at("quality").at("relayed").at("share").as_double(), 0.5);
  EXPECT_EQ(json::serialize(o.at("establishmentMs")),
            R"({"client":{"count":2,"p50":800,"p90":1200},"server":{"count":1,"p50":300,"p90":300}})");
}

TEST(AnalyticsJson, DoublesAreWrittenAsJavaScriptPrintsThem) {
  auto r = empty_day();
  r.calls_total = 3;
  r.participants_total = 2;
  const auto text = analytics_json(r);
  EXPECT_NE(text.find(R"("meanPerCall":0.6666666666666666)"), std::string::npos) << text;
}

}  // namespace
}  // namespace hearth::http
