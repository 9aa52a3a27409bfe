#include "metrics/exposition.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "webhooks/webhook_stats.hpp"

namespace hearth::metrics {
namespace {

std::string_view exposition_wire_name(errc code) noexcept {
  if (code == errc::gone) return "session_ended";
  if (code == errc::unsupported_media_type) return "invalid_argument";
  return to_string(code);
}

// The lines of `text` from the one equal to `first` on, `n` of them.
std::string lines_from(const std::string& text, const std::string& first, int n) {
  const auto at = text.find(first + "\n");
  if (at == std::string::npos) return "(missing: " + first + ")";
  std::size_t end = at;
  for (int i = 0; i < n && end != std::string::npos; ++i) end = text.find('\n', end + 1);
  return text.substr(at, end == std::string::npos ? std::string::npos : end - at + 1);
}

TEST(Exposition, EscapesLabelValuesAndHelpTexts) {
  EXPECT_EQ(escape_label_value(R"(a"b\c)"
                               "\nd"),
            R"(a\"b\\c\nd)");
  EXPECT_EQ(escape_help("a \"quoted\" \\ help\nline"), "a \"quoted\" \\\\ help\\nline");
  std::string out;
  ExpositionWriter w(out);
  w.family({"x_total", "counter", "Help with \\ and\nnewline."});
  w.sample("x_total", "", {{"path", "C:\\dir\n\"q\""}, {"k", "v"}}, std::int64_t{3});
  w.sample("y", "", {}, 0.25);
  EXPECT_EQ(out,
            "# HELP x_total Help with \\\\ and\\nnewline.\n"
            "# TYPE x_total counter\n"
            "x_total{path=\"C:\\\\dir\\n\\\"q\\\"\",k=\"v\"} 3\n"
            "y 0.25\n");
}

TEST(Exposition, HistogramBucketsAreCumulativeAndEndWithInf) {
  std::string out;
  ExpositionWriter w(out);
  const double bounds[] = {0.5, 1, 2.5};
  const std::uint64_t buckets[] = {1, 0, 2, 3};  // per bucket; the last one is past every bound
  w.histogram({"h_seconds", "histogram", "h"}, {{"route", "/a"}}, bounds, buckets, 9.75);
  EXPECT_EQ(out,
            "h_seconds_bucket{route=\"/a\",le=\"0.5\"} 1\n"
            "h_seconds_bucket{route=\"/a\",le=\"1\"} 1\n"
            "h_seconds_bucket{route=\"/a\",le=\"2.5\"} 3\n"
            "h_seconds_bucket{route=\"/a\",le=\"+Inf\"} 6\n"
            "h_seconds_sum{route=\"/a\"} 9.75\n"
            "h_seconds_count{route=\"/a\"} 6\n");
}

TEST(Exposition, RendersCountedValuesUnderTheirLabels) {
  Metrics m;
  m.relayed(RelayKind::offer);
  m.relayed(RelayKind::ice_candidate);
  m.relayed(RelayKind::ice_candidate);
  m.observe(Histogram::setup, 0.3);
  m.observe(Histogram::setup, 45);
  m.observe(Histogram::setup, 100);
  ScrapeInputs in;
  in.store_queue_depth = 7;
  in.signaling_code = &exposition_wire_name;
  const auto text = render(m.snapshot(), in);
  EXPECT_EQ(lines_from(text, "# HELP hearth_relays_total " + std::string(kRelays.help), 5),
            "# HELP hearth_relays_total " + std::string(kRelays.help) +
                "\n"
                "# TYPE hearth_relays_total counter\n"
                "hearth_relays_total{kind=\"offer\"} 1\n"
                "hearth_relays_total{kind=\"answer\"} 0\n"
                "hearth_relays_total{kind=\"ice_candidate\"} 2\n");
  EXPECT_EQ(lines_from(text, "# TYPE hearth_store_queue_depth gauge", 2),
            "# TYPE hearth_store_queue_depth gauge\nhearth_store_queue_depth 7\n");
  EXPECT_EQ(lines_from(text, "# TYPE hearth_call_setup_duration_seconds histogram", 15),
            "# TYPE hearth_call_setup_duration_seconds histogram\n"
            "hearth_call_setup_duration_seconds_bucket{le=\"0.1\"} 0\n"
            "hearth_call_setup_duration_seconds_bucket{le=\"0.25\"} 0\n"
            "hearth_call_setup_duration_seconds_bucket{le=\"0.5\"} 1\n"
            "hearth_call_setup_duration_seconds_bucket{le=\"1\"} 1\n"
            "hearth_call_setup_duration_seconds_bucket{le=\"2\"} 1\n"
            "hearth_call_setup_duration_seconds_bucket{le=\"3\"} 1\n"
            "hearth_call_setup_duration_seconds_bucket{le=\"5\"} 1\n"
            "hearth_call_setup_duration_seconds_bucket{le=\"10\"} 1\n"
            "hearth_call_setup_duration_seconds_bucket{le=\"20\"} 1\n"
            "hearth_call_setup_duration_seconds_bucket{le=\"30\"} 1\n"
            "hearth_call_setup_duration_seconds_bucket{le=\"60\"} 2\n"
            "hearth_call_setup_duration_seconds_bucket{le=\"+Inf\"} 3\n"
            "hearth_call_setup_duration_seconds_sum 145.3\n"
            "hearth_call_setup_duration_seconds_count 3\n");
}

TEST(Exposition, ErrorsOnlyForCodesThatHappenedSignalingCodesByWireName) {
  Metrics m;
  m.rest_error(404);
  m.rest_error(404);
  m.rest_error(503);
  m.signaling_error(errc::gone);
  m.signaling_error(errc::invalid_argument);
  m.signaling_error(errc::unsupported_media_type);  // also "invalid_argument" on the wire: one series
  ScrapeInputs in;
  in.signaling_code = &exposition_wire_name;
  const auto text = render(m.snapshot(), in);
  EXPECT_EQ(lines_from(text, "# TYPE hearth_errors_total counter", 5),
            "# TYPE hearth_errors_total counter\n"
            "hearth_errors_total{source=\"rest\",code=\"404\"} 2\n"
            "hearth_errors_total{source=\"rest\",code=\"503\"} 1\n"
            "hearth_errors_total{source=\"signaling\",code=\"invalid_argument\"} 2\n"
            "hearth_errors_total{source=\"signaling\",code=\"session_ended\"} 1\n");
}

TEST(Exposition, WebhookMetricsOnlyWhenTheDispatcherRuns) {
  Metrics m;
  const auto without = render(m.snapshot(), {});
  EXPECT_EQ(without.find("hearth_webhook"), std::string::npos);
  webhooks::WebhookStats stats;
  stats.delivered = 5;
  stats.failed = 2;
  stats.dropped = 1;
  stats.pending = 3;
  ScrapeInputs in;
  in.webhooks = &stats;
  const auto with = render(m.snapshot(), in);
  EXPECT_NE(with.find("hearth_webhook_deliveries_total{outcome=\"delivered\"} 5\n"), std::string::npos);
  EXPECT_NE(with.find("hearth_webhook_deliveries_total{outcome=\"failed\"} 2\n"), std::string::npos);
  EXPECT_NE(with.find("hearth_webhook_deliveries_total{outcome=\"dropped\"} 1\n"), std::string::npos);
  EXPECT_NE(with.find("hearth_webhook_outbox_pending 3\n"), std::string::npos);
}

// Every line is a comment of the two kinds or a sample, every family has one HELP and one TYPE before its samples.
TEST(Exposition, EveryLineIsWellFormed) {
  Metrics m;
  m.call_ended(2, 5);
  m.observe(Histogram::http, 3, 0.02);
  m.observe(Histogram::mos, 3.9);
  webhooks::WebhookStats stats;
  ScrapeInputs in;
  in.webhooks = &stats;
  const auto text = render(m.snapshot(), in);
  const std::regex help(R"(# HELP (hearth_[a-z_]+) [^\n]+)");
  const std::regex type(R"(# TYPE (hearth_[a-z_]+) (counter|gauge|histogram))");
  const std::regex sample(R"((hearth_[a-z_]+)(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+)");
  std::istringstream lines(text);
  std::string line, family;
  std::set<std::string> families;
  int samples = 0;
  std::smatch match;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, match, help)) {
      family = match[1];
      EXPECT_TRUE(families.insert(family).second) << "two HELP lines for " << family;
      ASSERT_TRUE(std::getline(lines, line));
      ASSERT_TRUE(std::regex_match(line, match, type)) << line;
      EXPECT_EQ(match[1], family);
    } else {
      ASSERT_TRUE(std::regex_match(line, match, sample)) << line;
      EXPECT_TRUE(match[1].str().starts_with(family)) << line << " under " << family;
      ++samples;
    }
  }
  EXPECT_EQ(families.size(), 25u);
  EXPECT_GT(samples, 200);
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace hearth::metrics
