#include "realtime/socketio/data.hpp"

#include <cstddef>

#include <boost/json/parser.hpp>

#include "realtime/socketio/json_check.hpp"
#include "realtime/socketio/json_text.hpp"

namespace hearth::realtime::socketio {
namespace {

namespace jt = jsontext;

// The parser's scratch space for nesting and escapes; it falls back to the heap only beyond this.
constexpr std::size_t kParserStack = 2048;

Error invalid(std::string detail) {
  return make_error(errc::invalid_argument, "invalid Socket.IO packet data", std::move(detail));
}

// Position of the closing ']' of a top-level array whose text ends at text.size() (trailing whitespace only).
std::size_t closing_bracket(std::string_view text) noexcept {
  std::size_t end = text.size();
  while (end > 0 && jt::is_ws(text[end - 1])) --end;
  return end > 0 && text[end - 1] == ']' ? end - 1 : jt::npos;
}

std::string_view trim_right(std::string_view s) noexcept {
  while (!s.empty() && jt::is_ws(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<EventView> split_event(std::string_view data, std::string& scratch) {
  const std::size_t close = closing_bracket(data);
  std::size_t i = jt::skip_ws(data, 0);
  if (close == jt::npos || i >= close || data[i] != '[') return invalid("event data must be an array");
  i = jt::skip_ws(data, i + 1);
  if (i >= close || data[i] != '"') return invalid("event name must be a string");
  const std::size_t name_end = jt::string_end(data, i);
  if (name_end == jt::npos || name_end >= close) return invalid("unterminated event name");
  auto name = jt::unescape(data.substr(i + 1, name_end - i - 1), scratch);
  if (!name) return std::move(name).error();

  i = jt::skip_ws(data, name_end + 1);
  if (i == close) return EventView{*name, {}};
  if (data[i] != ',') return invalid("expected ',' after the event name");
  const std::size_t args_start = jt::skip_ws(data, i + 1);
  const std::string_view args = trim_right(data.substr(args_start, close - args_start));
  if (args.empty()) return invalid("trailing ',' in event data");
  return EventView{*name, args};
}

Result<std::string_view> event_name(std::string_view data, std::string& scratch) {
  auto event = split_event(data, scratch);
  if (!event) return std::move(event).error();
  return event->name;
}

Result<std::size_t> split_array(std::string_view array, std::span<std::string_view> out) {
  const std::size_t close = closing_bracket(array);
  std::size_t i = jt::skip_ws(array, 0);
  if (close == jt::npos || i >= close || array[i] != '[') return invalid("data must be an array");
  i = jt::skip_ws(array, i + 1);
  std::size_t count = 0;
  while (i < close) {
    const std::size_t end = jt::value_end(array, i);
    if (end == jt::npos || end > close) return invalid("malformed array element");
    if (count == out.size()) {
      return make_error(errc::payload_too_large, "too many arguments", "limit " + std::to_string(out.size()));
    }
    out[count++] = array.substr(i, end - i);
    i = jt::skip_ws(array, end);
    if (i == close) break;
    if (array[i] != ',') return invalid("expected ',' between array elements");
    i = jt::skip_ws(array, i + 1);
    if (i == close) return invalid("trailing ',' in array");
  }
  return count;
}

Result<boost::json::value> parse_data(std::string_view data, boost::json::storage_ptr sp, std::size_t max_depth) {
  if (data.empty()) return invalid("no data");
  boost::json::parse_options options;
  options.max_depth = max_depth < kMaxJsonDepth ? max_depth : kMaxJsonDepth;
  unsigned char stack[kParserStack];
  boost::json::parser parser(boost::json::storage_ptr(), options, stack);
  parser.reset(std::move(sp));
  boost::system::error_code ec;
  parser.write(data.data(), data.size(), ec);
  if (ec) return invalid("invalid JSON: " + ec.message());
  return parser.release();
}

}  // namespace hearth::realtime::socketio
