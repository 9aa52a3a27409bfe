#include "signaling/relay.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "realtime/socketio/binary.hpp"
#include "realtime/socketio/json_text.hpp"

namespace hearth::signaling {
namespace json = boost::json;
namespace jt = realtime::socketio::jsontext;

namespace {

// Calls fn(key_raw, value_begin, value_end) for each top-level member; stops early when fn returns true.
template <class Fn>
bool for_each_member(std::string_view o, Fn&& fn) {
  std::size_t pos = jt::skip_ws(o, 0);
  if (pos >= o.size() || o[pos] != '{') return false;
  pos = jt::skip_ws(o, pos + 1);
  while (pos < o.size() && o[pos] == '"') {
    const std::size_t key_end = jt::string_end(o, pos);
    if (key_end == jt::npos) return false;
    const std::string_view key = o.substr(pos + 1, key_end - pos - 1);
    pos = jt::skip_ws(o, key_end + 1);
    if (pos >= o.size() || o[pos] != ':') return false;
    const std::size_t value_begin = jt::skip_ws(o, pos + 1);
    const std::size_t value_end = jt::value_end(o, value_begin);
    if (value_end == jt::npos) return false;
    if (fn(key, value_begin, value_end)) return true;
    pos = jt::skip_ws(o, value_end);
    if (pos < o.size() && o[pos] == ',') pos = jt::skip_ws(o, pos + 1);
  }
  return false;
}

bool key_is(std::string_view raw_key, std::string_view key, std::string& scratch) {
  if (raw_key.find('\\') == std::string_view::npos) return raw_key == key;
  auto k = jt::unescape(raw_key, scratch);
  return k && *k == key;
}

}  // namespace

Result<RelayFields> relay_fields(std::string_view o, std::string_view field, std::string& scratch1,
                                 std::string& scratch2) {
  std::string_view raw_session, raw_target;
  bool session_string = false, target_string = false, has_field = false;
  std::string key_scratch;
  for_each_member(o, [&](std::string_view k, std::size_t b, std::size_t e) {
    if (key_is(k, "sessionId", key_scratch)) {
      session_string = o[b] == '"';
      raw_session = o.substr(b + 1, e - b - 2);
    } else if (key_is(k, "targetSocketId", key_scratch)) {
      target_string = o[b] == '"';
      raw_target = o.substr(b + 1, e - b - 2);
    } else if (key_is(k, field, key_scratch)) {
      has_field = true;
    }
    return false;  // JSON.parse keeps the last duplicate: so do we
  });
  if (!session_string) return make_error(errc::invalid_argument, "sessionId: must be a string");
  if (!target_string) return make_error(errc::invalid_argument, "targetSocketId: must be a string");
  if (!has_field) return make_error(errc::invalid_argument, fmt::format("{}: required", field));
  auto session = jt::unescape(raw_session, scratch1);
  if (!session) return session.error();
  auto target = jt::unescape(raw_target, scratch2);
  if (!target) return target.error();
  return RelayFields{*session, *target};
}

std::string encode_relay(std::string_view event, std::string_view object, std::string_view from_socket_id,
                         std::string_view from_user_id) {
  std::string out;
  encode_relay(out, event, object, from_socket_id, from_user_id);
  return out;
}

void encode_relay(std::string& out, std::string_view event, std::string_view object, std::string_view from_socket_id,
                  std::string_view from_user_id) {
  // The object ends with '}' (validated JSON); drop it and append our members.
  std::size_t close = object.find_last_of('}');
  const std::string_view head = object.substr(0, close);
  bool empty = true;
  for (char c : head.substr(1))
    if (!jt::is_ws(c)) {
      empty = false;
      break;
    }
  out.clear();
  out.reserve(object.size() + event.size() + from_socket_id.size() + from_user_id.size() + 48);
  out += "42[";
  jt::append_quoted(out, event);
  out += ',';
  out += head;
  out += empty ? "\"fromSocketId\":" : ",\"fromSocketId\":";
  jt::append_quoted(out, from_socket_id);
  out += ",\"fromUserId\":";
  jt::append_quoted(out, from_user_id);
  out += "}]";
}

Result<BinaryRelay> encode_binary_relay(std::string_view event, std::string_view object,
                                        std::string_view from_socket_id, std::string_view from_user_id,
                                        std::span<const std::string> attachments) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = realtime::socketio::kDefaultMaxDepth;
  json::value v = json::parse(object, ec, {}, opts);
  if (ec || !v.is_object()) return make_error(errc::invalid_argument, "payload: an object is required");
  v.get_object()["fromSocketId"] = from_socket_id;  // replaces a sender's own value
  v.get_object()["fromUserId"] = from_user_id;
  auto out = realtime::socketio::make_binary_event("/", event, json::array{std::move(v)}, attachments);
  if (!out) return make_error(errc::invalid_argument, "payload: a binary placeholder names no attachment");
  // Each attachment is relayed once: as many placeholders as attachments, each naming its own.
  if (out->attachments.size() != attachments.size())
    return make_error(errc::invalid_argument, "payload: every attachment must be named by one placeholder");
  return BinaryRelay{std::move(out->text), {out->attachments.begin(), out->attachments.end()}};
}

}  // namespace hearth::signaling
