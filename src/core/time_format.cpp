#include "core/time_format.hpp"

#include <charconv>

#include <fmt/format.h>

namespace hearth {

namespace {
// Writes `value` as exactly `width` decimal digits (value < 10^width).
void put_digits(char* out, int width, long long value) {
  for (int i = width - 1; i >= 0; --i, value /= 10) out[i] = static_cast<char>('0' + value % 10);
}
}  // namespace

std::string_view format_iso8601(TimePoint t, Iso8601Buffer& buffer) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  const int year = static_cast<int>(ymd.year());
  char* out = buffer.chars;
  if (year < 0 || year > 9999) {  // not what clients send or the clock gives, but printed rather than cut
    const auto end =
        fmt::format_to_n(out, sizeof buffer.chars, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", year,
                         static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                         hms.minutes().count(), hms.seconds().count(), hms.subseconds().count());
    return {out, static_cast<std::size_t>(end.out - out)};
  }
  // YYYY-MM-DDTHH:MM:SS.mmmZ, by hand: this runs for every timestamp of every stored or sent session.
  put_digits(out, 4, year);
  out[4] = '-';
  put_digits(out + 5, 2, static_cast<unsigned>(ymd.month()));
  out[7] = '-';
  put_digits(out + 8, 2, static_cast<unsigned>(ymd.day()));
  out[10] = 'T';
  put_digits(out + 11, 2, hms.hours().count());
  out[13] = ':';
  put_digits(out + 14, 2, hms.minutes().count());
  out[16] = ':';
  put_digits(out + 17, 2, hms.seconds().count());
  out[19] = '.';
  put_digits(out + 20, 3, hms.subseconds().count());
  out[23] = 'Z';
  return {out, 24};
}

std::string format_iso8601(TimePoint t) {
  Iso8601Buffer buffer;
  return std::string(format_iso8601(t, buffer));
}

namespace {
bool read_int(std::string_view text, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > text.size()) return false;
  const char* first = text.data() + pos;
  const char* last = first + len;
  for (const char* p = first; p != last; ++p)
    if (*p < '0' || *p > '9') return false;
  return std::from_chars(first, last, out).ec == std::errc{};
}
}  // namespace

std::optional<TimePoint> parse_iso8601(std::string_view s) {
  // Accepts exactly the format produced above: YYYY-MM-DDTHH:MM:SS.mmmZ
  using namespace std::chrono;
  if (s.size() != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' ||
      s[23] != 'Z')
    return std::nullopt;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, ms = 0;
  if (!read_int(s, 0, 4, y) || !read_int(s, 5, 2, mo) || !read_int(s, 8, 2, d) || !read_int(s, 11, 2, h) ||
      !read_int(s, 14, 2, mi) || !read_int(s, 17, 2, se) || !read_int(s, 20, 3, ms))
    return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 59) return std::nullopt;
  return TimePoint{sys_days{ymd}.time_since_epoch() + hours{h} + minutes{mi} + seconds{se} + Millis{ms}};
}

}  // namespace hearth
