#include "realtime/socketio/json_check.hpp"

#include <array>
#include <cmath>
#include <limits>

#include <boost/json/basic_parser_impl.hpp>

namespace hearth::realtime::socketio {
namespace {

using boost::json::string_view;
using error_code = boost::system::error_code;

constexpr std::array<std::string_view, 6> kReservedEvents = {"connect",       "connect_error", "disconnect",
                                                             "disconnecting", "newListener",   "removeListener"};
// Longer than any name we need to recognise (reserved events, "_placeholder", "num").
constexpr std::size_t kNameBuffer = 16;

enum class Kind : std::uint8_t { none, object, array, string, number, boolean, null };
enum class Key : std::uint8_t { none, placeholder, num, other };

// A short string assembled from parser chunks, remembered only if it fits.
struct ShortName {
  std::array<char, kNameBuffer> chars{};
  std::size_t size = 0;
  bool overflow = false;

  void clear() noexcept { size = 0; overflow = false; }
  void append(string_view s) noexcept {
    if (overflow || s.size() > kNameBuffer - size) {
      overflow = true;
      return;
    }
    for (const char c : s) chars[size++] = c;
  }
  bool equals(std::string_view s) const noexcept { return !overflow && std::string_view(chars.data(), size) == s; }
};

struct Frame {
  bool object = false;
  Key pending = Key::none;  // key whose value comes next (objects only)
  bool placeholder = false;  // "_placeholder": true (last occurrence wins, as in JSON.parse)
  bool num_valid = false;    // "num" is an integer naming an attachment
  std::size_t count = 0;     // elements seen (arrays only)
};

class Handler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  explicit Handler(const JsonCheck& check) : check_(check) {}

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code& ec) { return value(Kind::array, ec) && push(false, ec); }
  bool on_array_end(std::size_t, error_code&) { --depth_; return true; }
  bool on_object_begin(error_code& ec) { return value(Kind::object, ec) && push(true, ec); }
  bool on_object_end(std::size_t, error_code& ec) {
    const Frame& f = frames_[--depth_];
    if (check_.placeholders && f.placeholder && !f.num_valid) return fail(ec, "illegal attachment placeholder");
    return true;
  }
  bool on_string_part(string_view s, std::size_t, error_code& ec) { return string_chunk(s, ec); }
  bool on_string(string_view s, std::size_t, error_code& ec) {
    if (!string_chunk(s, ec)) return false;
    in_string_ = false;
    if (capturing_name_) {
      capturing_name_ = false;
      if (!name_.overflow && is_reserved_event(std::string_view(name_.chars.data(), name_.size))) {
        return fail(ec, "reserved event name");
      }
    }
    return true;
  }
  bool on_key_part(string_view s, std::size_t, error_code&) { key_.append(s); return true; }
  bool on_key(string_view s, std::size_t, error_code&) {
    key_.append(s);
    frames_[depth_ - 1].pending = key_.equals("_placeholder") ? Key::placeholder
                                  : key_.equals("num")        ? Key::num
                                                              : Key::other;
    key_.clear();
    return true;
  }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t i, string_view, error_code& ec) {
    return value(Kind::number, ec, i >= 0 && static_cast<std::uint64_t>(i) < check_.attachments);
  }
  bool on_uint64(std::uint64_t u, string_view, error_code& ec) {
    return value(Kind::number, ec, u < check_.attachments);
  }
  bool on_double(double d, string_view, error_code& ec) {
    // JSON.parse("1.0") is the integer 1, so an integral double names an attachment too.
    const bool index = d >= 0 && d < static_cast<double>(check_.attachments) && std::floor(d) == d;
    return value(Kind::number, ec, index);
  }
  bool on_bool(bool b, error_code& ec) { return value(Kind::boolean, ec, false, b); }
  bool on_null(error_code& ec) { return value(Kind::null, ec); }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

  const char* reason() const noexcept { return reason_; }
  // An event's first element is checked as it arrives; an empty array never produces one.
  bool event_name_seen() const noexcept { return top_ == Kind::array && frames_[0].count > 0; }

 private:
  bool fail(error_code& ec, const char* reason) {
    reason_ = reason;
    ec = boost::json::error::syntax;  // any code: reason_ says what went wrong
    return false;
  }

  bool push(bool object, error_code& ec) {
    if (depth_ == frames_.size()) return fail(ec, "JSON nested too deeply");
    frames_[depth_++] = Frame{object};
    return true;
  }

  bool string_chunk(string_view s, error_code& ec) {
    if (!in_string_) {
      in_string_ = true;
      if (!value(Kind::string, ec)) return false;
    }
    if (capturing_name_) name_.append(s);
    return true;
  }

  // Every value (scalar or container start) passes here before anything else happens to it.
  bool value(Kind kind, error_code& ec, bool attachment_index = false, bool true_bool = false) {
    if (depth_ == 0) return top_level(kind, ec);
    Frame& f = frames_[depth_ - 1];
    if (f.object) {
      if (f.pending == Key::placeholder) f.placeholder = kind == Kind::boolean && true_bool;
      if (f.pending == Key::num) f.num_valid = kind == Kind::number && attachment_index;
      f.pending = Key::none;
      return true;
    }
    const bool first = f.count++ == 0;
    if (depth_ == 1 && first && check_.shape == JsonShape::event) {
      if (kind != Kind::string) return fail(ec, "event name must be a string");
      capturing_name_ = true;
      name_.clear();
    }
    return true;
  }

  bool top_level(Kind kind, error_code& ec) {
    top_ = kind;
    switch (check_.shape) {
      case JsonShape::any: return true;
      case JsonShape::object: return kind == Kind::object || fail(ec, "data must be an object");
      case JsonShape::object_or_string:
        return kind == Kind::object || kind == Kind::string || fail(ec, "data must be an object or a string");
      case JsonShape::array:
      case JsonShape::event: return kind == Kind::array || fail(ec, "data must be an array");
    }
    return true;
  }

  const JsonCheck& check_;
  std::array<Frame, kMaxJsonDepth + 1> frames_{};
  std::size_t depth_ = 0;
  Kind top_ = Kind::none;
  ShortName key_;
  ShortName name_;
  bool in_string_ = false;
  bool capturing_name_ = false;
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
  boost::json::parse_options options;
  options.max_depth = check.max_depth < kMaxJsonDepth ? check.max_depth : kMaxJsonDepth;
  boost::json::basic_parser<Handler> parser(options, check);
  error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (ec) {
    const char* reason = parser.handler().reason();
    return invalid(reason != nullptr ? std::string(reason) : "invalid JSON: " + ec.message());
  }
  if (used != text.size()) return invalid("extra characters after the JSON value");
  if (check.shape == JsonShape::event && !parser.handler().event_name_seen()) return invalid("event without a name");
  return {};
}

}  // namespace hearth::realtime::socketio
