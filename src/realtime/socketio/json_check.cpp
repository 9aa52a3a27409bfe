#include "realtime/socketio/json_check.hpp"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__) && !defined(HEARTH_JSON_CHECK_PORTABLE)
#include <emmintrin.h>
#endif
#include <limits>

#include <boost/json/parse.hpp>

#include "core/json_escape.hpp"
#include "core/utf8.hpp"

namespace hearth::realtime::socketio {
namespace {

// A hand-written strict JSON (RFC 8259) scanner instead of Boost.JSON's SAX parser: an SDP offer is ~2 KB of
// string with an escaped "\r\n" every few dozen bytes, and Boost's escaped-string path (which unescapes into a
// buffer for its handler) made validating one offer cost ~6 µs, the largest single cost of a call set-up. Here a
// string is only checked, byte by byte; nothing is unescaped except the few short names the rules look at.
// It accepts exactly what Boost.JSON's parser accepts (the unit test compares both on a large generated corpus):
// no comments, trailing commas, single quotes, NaN, leading zeros or lone UTF-16 surrogates, and valid UTF-8 only;
// except numbers Boost.JSON would read as infinite or NaN (see number()), which it refuses.

constexpr std::array<std::string_view, 6> kReservedEvents = {"connect",       "connect_error", "disconnect",
                                                             "disconnecting", "newListener",   "removeListener"};
// Longer than any name we need to recognise (reserved events, "_placeholder", "num").
constexpr std::size_t kNameBuffer = 16;

// A short string decoded from its JSON text, remembered only if it fits.
struct ShortName {
  std::array<char, kNameBuffer> chars{};
  std::size_t size = 0;
  bool overflow = false;

  void push(char c) noexcept {
    if (size == kNameBuffer) {
      overflow = true;
      return;
    }
    chars[size++] = c;
  }
  void push_back(char c) noexcept { push(c); }  // for append_utf8
  std::string_view view() const noexcept { return {chars.data(), size}; }
  bool equals(std::string_view s) const noexcept { return !overflow && view() == s; }
};

enum class Kind : std::uint8_t { object, array, string, number, boolean, null };

// What the placeholder rule needs to know about one value.
struct Value {
  Kind kind = Kind::null;
  bool true_bool = false;
  bool attachment_index = false;  // a number naming one of the attachments
};

// 1 for the bytes a string may hold as they are (printable ASCII except '"' and '\\').
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

// Whether Boost.JSON reads `number` (valid JSON number text) as a finite value.
bool finite_number(std::string_view number) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(number, ec);
  return !ec && (!v.is_double() || std::isfinite(v.get_double()));
}

class Scanner {
 public:
  Scanner(std::string_view text, const JsonCheck& check)
      : p_(text.data()),
        end_(text.data() + text.size()),
        check_(check),
        max_depth_(check.max_depth < kMaxJsonDepth ? check.max_depth : kMaxJsonDepth) {}

  // nullptr if `text` is valid and follows the rules; otherwise why not.
  const char* run() {
    skip_space();
    if (p_ == end_) return "invalid JSON: empty";
    if (!top_level()) return reason_;
    skip_space();
    if (p_ != end_) return "extra characters after the JSON value";
    return nullptr;
  }

 private:
  bool fail(const char* reason) {
    reason_ = reason;
    return false;
  }

  void skip_space() noexcept {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool top_level() {
    const char c = *p_;
    const bool is_object = c == '{', is_array = c == '[', is_string = c == '"';
    switch (check_.shape) {
      case JsonShape::any:
        break;
      case JsonShape::object:
        if (!is_object) return fail("data must be an object");
        break;
      case JsonShape::object_or_string:
        if (!is_object && !is_string) return fail("data must be an object or a string");
        break;
      case JsonShape::array:
      case JsonShape::event:
        if (!is_array) return fail("data must be an array");
        break;
    }
    if (check_.shape == JsonShape::event) return array(1, true);
    Value v;
    return value(v, 0);
  }

  bool value(Value& v, std::size_t depth) {
    if (p_ == end_) return fail("invalid JSON: incomplete");
    switch (*p_) {
      case '{':
        v.kind = Kind::object;
        return object(depth + 1);
      case '[':
        v.kind = Kind::array;
        return array(depth + 1);
      case '"':
        v.kind = Kind::string;
        return string(nullptr);
      case 't':
        v.kind = Kind::boolean;
        v.true_bool = true;
        return literal("true");
      case 'f':
        v.kind = Kind::boolean;
        return literal("false");
      case 'n':
        v.kind = Kind::null;
        return literal("null");
      default:
        v.kind = Kind::number;
        return number(v.attachment_index);
    }
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size()) return fail("invalid JSON: incomplete literal");
    if (std::string_view(p_, word.size()) != word) return fail("invalid JSON: unknown literal");
    p_ += word.size();
    return true;
  }

  // p_ at a container's '[' or '{', `depth` its nesting level: checks the depth, steps inside.
  bool enter(std::size_t depth) {
    if (depth > max_depth_) return fail("JSON nested too deeply");
    ++p_;
    skip_space();
    return true;
  }

  // `event`: the top-level array of an EVENT or BINARY_EVENT, whose first element is a string naming an event
  // that is not reserved.
  bool array(std::size_t depth, bool event = false) {
    if (!enter(depth)) return false;
    if (p_ == end_) return fail("invalid JSON: incomplete array");
    if (*p_ == ']') {
      if (event) return fail("event without a name");
      ++p_;
      return true;
    }
    if (event) {
      if (*p_ != '"') return fail("event name must be a string");
      ShortName name;
      if (!string(&name)) return false;
      if (!name.overflow && is_reserved_event(name.view())) return fail("reserved event name");
    } else {
      Value v;
      if (!value(v, depth)) return false;
    }
    for (;;) {
      skip_space();
      if (p_ == end_) return fail("invalid JSON: incomplete array");
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return fail("invalid JSON: expected ',' or ']'");
      ++p_;
      skip_space();
      Value v;
      if (!value(v, depth)) return false;
    }
  }

  bool object(std::size_t depth) {
    if (!enter(depth)) return false;
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    bool placeholder = false;  // "_placeholder": true (last occurrence wins, as in JSON.parse)
    bool num_valid = false;    // "num" is an integer naming an attachment
    for (;;) {
      if (p_ == end_) return fail("invalid JSON: incomplete object");
      if (*p_ != '"') return fail("invalid JSON: expected a key");
      ShortName key;
      if (!string(check_.placeholders ? &key : nullptr)) return false;
      skip_space();
      if (p_ == end_ || *p_ != ':') return fail("invalid JSON: expected ':'");
      ++p_;
      skip_space();
      Value v;
      if (!value(v, depth)) return false;
      if (check_.placeholders) {
        if (key.equals("_placeholder")) placeholder = v.kind == Kind::boolean && v.true_bool;
        if (key.equals("num")) num_valid = v.kind == Kind::number && v.attachment_index;
      }
      skip_space();
      if (p_ == end_) return fail("invalid JSON: incomplete object");
      if (*p_ == '}') {
        ++p_;
        break;
      }
      if (*p_ != ',') return fail("invalid JSON: expected ',' or '}'");
      ++p_;
      skip_space();
    }
    if (check_.placeholders && placeholder && !num_valid) return fail("illegal attachment placeholder");
    return true;
  }

  // A string literal; its decoded text goes to `name` if given (only as much as fits).
  bool string(ShortName* name) {
    ++p_;  // '"'
    for (;;) {
      const char* run = p_;
      skip_plain();
      if (name) {
        for (const char* q = run; q != p_; ++q) name->push(*q);
      }
      if (p_ == end_) return fail("invalid JSON: incomplete string");
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!escape(name)) return false;
      } else if (c >= 0x80) {
        const char* start = p_;
        if (!utf8()) return false;
        if (name) {
          for (const char* q = start; q != p_; ++q) name->push(*q);
        }
      } else {
        return fail("invalid JSON: control character in a string");
      }
    }
  }

  // Past the bytes a string holds as they are: sixteen at a time (SSE2, every x86-64) or eight (SWAR elsewhere, and
  // in the unit_json_check_portable test), stopping exactly at the first byte that is not plain (a control byte,
  // '"', '\\' or non-ASCII).
  void skip_plain() noexcept {
#if defined(__SSE2__) && !defined(HEARTH_JSON_CHECK_PORTABLE)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    while (end_ - p_ >= 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_));  // NOLINT: unaligned load
      // Signed: bytes of 0x80 and above are negative, so "less than a space" also catches non-ASCII.
      const __m128i special =
          _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
      const auto mask = static_cast<unsigned>(_mm_movemask_epi8(special));
      if (mask != 0) {
        p_ += std::countr_zero(mask);
        return;
      }
      p_ += 16;
    }
#else
    constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    const auto has_zero = [](std::uint64_t x) { return (x - ones) & ~x & highs; };
    while (end_ - p_ >= 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, p_, 8);
      // A byte below 0x20, a '"', a '\\' or a non-ASCII byte (high bit set) in any of the eight. Borrows can
      // flag bytes after the first special one, never before it (little-endian: the lowest flag is exact).
      const std::uint64_t special =
          (((w - ones * 0x20) & ~w) | has_zero(w ^ (ones * '"')) | has_zero(w ^ (ones * '\\')) | w) & highs;
      if (special != 0 && std::endian::native == std::endian::little) {
        p_ += std::countr_zero(special) / 8;
        return;
      }
      if (special != 0) break;
      p_ += 8;
    }
#endif
    while (p_ != end_ && kPlain[static_cast<unsigned char>(*p_)]) ++p_;
  }

  bool escape(ShortName* name) {
    ++p_;  // '\\'
    std::uint32_t cp = 0;
    if (const char* bad = decode_json_escape(p_, end_, cp)) return fail(bad);
    if (name) append_utf8(*name, cp);
    return true;
  }

  // One UTF-8 sequence of two to four bytes (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
  bool utf8() {
    const std::size_t n =
        utf8_sequence_length(reinterpret_cast<const unsigned char*>(p_), static_cast<std::size_t>(end_ - p_));
    if (n == 0) return fail("invalid JSON: invalid UTF-8");
    p_ += n;
    return true;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; tells whether it names an attachment (placeholders only).
  bool number(bool& attachment_index) {
    const char* start = p_;
    const auto digits = [&] {
      const char* from = p_;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      return p_ - from;
    };
    if (p_ != end_ && *p_ == '-') ++p_;
    if (p_ == end_) return fail("invalid JSON: incomplete number");
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      digits();
    } else {
      return fail(start == p_ ? "invalid JSON: unexpected character" : "invalid JSON: bad number");
    }
    bool integer = true;
    std::int64_t exponent = 0;  // as written (the sign applied)
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      integer = false;
      if (digits() == 0) return fail("invalid JSON: bad fraction");
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      integer = false;
      const bool negative = p_ != end_ && *p_ == '-';
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      // Boost.JSON refuses an exponent past INT_MAX (JSON.parse would make it Infinity or 0); so do we.
      const char* from = p_;
      for (; p_ != end_ && *p_ >= '0' && *p_ <= '9'; ++p_) {
        exponent = 10 * exponent + (*p_ - '0');
        if (exponent > std::numeric_limits<int>::max()) return fail("invalid JSON: exponent overflow");
      }
      if (p_ == from) return fail("invalid JSON: bad exponent");
      if (negative) exponent = -exponent;
    }
    // Boost.JSON reads a number past the double range as infinity (and 0e400 as NaN) and would write it back as
    // Infinity or NaN, which no JSON parser accepts: relayed or echoed, it would close the receiving client. No
    // JSON.stringify writes such a number, so it is refused. Only a long number or a large exponent gets there: only
    // then is Boost.JSON asked.
    if ((p_ - start >= 290 || exponent + (p_ - start) >= 290) && !finite_number(std::string_view(start, p_ - start)))
      return fail("invalid JSON: number out of range");
    if (check_.placeholders) attachment_index = names_attachment(start, integer);
    return true;
  }

  // JSON.parse("1.0") and JSON.parse("1e0") are the integer 1, so an integral number names an attachment too.
  bool names_attachment(const char* start, bool integer) const {
    if (!integer) {
      double d = 0;
      const auto [ptr, ec] = std::from_chars(start, p_, d);
      return ec == std::errc() && ptr == p_ && d >= 0 && d < static_cast<double>(check_.attachments) &&
             std::floor(d) == d;
    }
    if (*start == '-') return p_ - start == 2 && start[1] == '0' && check_.attachments > 0;  // -0 is 0
    std::uint64_t u = 0;
    const auto [ptr, ec] = std::from_chars(start, p_, u);
    return ec == std::errc() && ptr == p_ && u < check_.attachments;
  }

  const char* p_;
  const char* end_;
  const JsonCheck& check_;
  std::size_t max_depth_;
  const char* reason_ = nullptr;
};

Error invalid(std::string detail) {
  return make_error(errc::invalid_argument, "invalid Socket.IO packet data", std::move(detail));
}

}  // namespace

bool is_reserved_event(std::string_view name) noexcept {
  for (const std::string_view reserved : kReservedEvents) {
    if (name == reserved) return true;
  }
  return false;
}

Result<void> check_json(std::string_view text, const JsonCheck& check) {
  Scanner scanner(text, check);
  if (const char* reason = scanner.run()) return invalid(reason);
  return {};
}

}  // namespace hearth::realtime::socketio
