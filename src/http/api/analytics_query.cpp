#include "http/api/analytics_query.hpp"

#include <fmt/format.h>

#include "core/query.hpp"

namespace hearth::http {
namespace {

using namespace std::chrono;

Error invalid(std::string message) { return make_error(errc::invalid_argument, std::move(message)); }

// Reads exactly `n` digits at `pos` and moves past them.
bool read_digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  pos += n;
  return true;
}

bool skip(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// "Z", or +HH, +HHMM, +HH:MM (and '-'); east of UTC is positive.
std::optional<minutes> read_zone(std::string_view s, std::size_t& pos) {
  if (pos >= s.size()) return std::nullopt;
  const char sign = s[pos++];
  if (sign == 'Z' || sign == 'z') return minutes{0};
  if (sign != '+' && sign != '-' && sign != ' ') return std::nullopt;
  int h = 0, m = 0;
  if (!read_digits(s, pos, 2, h) || h > 23) return std::nullopt;
  if (pos < s.size()) {
    skip(s, pos, ':');
    if (!read_digits(s, pos, 2, m) || m > 59) return std::nullopt;
  }
  const minutes offset = hours{h} + minutes{m};
  return sign == '-' ? -offset : offset;
}

}  // namespace

// Not core's parse_iso8601: that one reads exactly the format the server writes; people and dashboards write
// timestamps in the other forms ISO 8601 allows.
std::optional<TimePoint> parse_timestamp(std::string_view s) {
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0;
  if (!read_digits(s, pos, 4, y) || !skip(s, pos, '-') || !read_digits(s, pos, 2, mo) || !skip(s, pos, '-') ||
      !read_digits(s, pos, 2, d))
    return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  const TimePoint midnight{sys_days{ymd}.time_since_epoch()};
  if (pos == s.size()) return midnight;

  int h = 0, mi = 0, se = 0;
  if (!skip(s, pos, 'T') || !read_digits(s, pos, 2, h) || !skip(s, pos, ':') || !read_digits(s, pos, 2, mi))
    return std::nullopt;
  if (skip(s, pos, ':') && !read_digits(s, pos, 2, se)) return std::nullopt;
  if (h > 23 || mi > 59 || se > 59) return std::nullopt;
  Millis fraction{0};
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    const std::size_t first = pos;
    std::int64_t scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - first < 9) {
      fraction += Millis{(s[pos] - '0') * scale};
      scale /= 10;
      ++pos;
    }
    if (pos == first) return std::nullopt;
  }
  const auto zone = read_zone(s, pos);
  if (!zone || pos != s.size()) return std::nullopt;
  return midnight + hours{h} + minutes{mi} + seconds{se} + fraction - *zone;
}

Result<store::AnalyticsQuery> parse_analytics_query(std::string_view query_string, TimePoint now,
                                                    const AnalyticsLimits& limits) {
  std::optional<TimePoint> from, to;
  store::AnalyticsQuery q;
  for (const auto& [key, value] : parse_query(query_string)) {
    if (key == "from" || key == "to") {
      const auto t = parse_timestamp(value);
      if (!t)
        return invalid(fmt::format("{}: must be an ISO 8601 timestamp with a zone, e.g. 2026-12-01T00:00:00Z", key));
      (key == "from" ? from : to) = *t;
    } else if (key == "granularity") {
      if (value == "hour")
        q.granularity = store::Granularity::hour;
      else if (value == "day")
        q.granularity = store::Granularity::day;
      else
        return invalid("granularity: must be hour or day");
    }
  }
  q.to = to.value_or(now);
  q.from = from.value_or(q.to - limits.default_range);
  if (q.from >= q.to) return invalid("from: must be before to");
  if (q.to - q.from > limits.max_range)
    return invalid(fmt::format("to: the range must not exceed {} days", limits.max_range.count()));
  if (q.granularity == store::Granularity::hour && q.to - q.from > limits.max_hourly_range)
    return invalid(fmt::format("granularity: hour allows a range of at most {} days", limits.max_hourly_range.count()));
  return q;
}

}  // namespace hearth::http
