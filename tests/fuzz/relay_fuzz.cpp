// Fuzz target for the relay hot path (signaling/relay): routing fields read from raw JSON text, and the sender's
// object spliced into the packet for its target, never parsed or re-serialised. The input is an EVENT packet's data
// as a client sends it; what the Socket.IO codec accepts (check_json) goes through the same steps as on the server
// (split_event, first_argument, relay_fields, encode_relay) and is checked against Boost.JSON:
//  - relay_fields() succeeds exactly when the object's last "sessionId" and "targetSocketId" are strings and the
//    payload member is there, and returns those strings unescaped;
//  - encode_relay() writes 42[event, object] that parses, keeps every member of the sender's object, and ends with our
//    fromSocketId and fromUserId (so they win over the sender's own: JSON.parse keeps the last duplicate);
//  - encode_binary_relay() gives an object with our ids and the placeholders renumbered.
// The raw helpers also get the input unvalidated (no crash, no out-of-bounds read).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "fuzz_check.hpp"
#include "json_equal.hpp"
#include "realtime/socketio/data.hpp"
#include "realtime/socketio/json_check.hpp"
#include "realtime/socketio/json_text.hpp"
#include "signaling/payloads.hpp"
#include "signaling/relay.hpp"

namespace {

using namespace hearth;
namespace json = boost::json;
namespace sio = hearth::realtime::socketio;

std::string_view as_view(const json::string& s) { return {s.data(), s.size()}; }

void check_fields(const json::object& o, std::string_view field, const Result<signaling::RelayFields>& fields) {
  const auto* session = o.if_contains("sessionId");
  const auto* target = o.if_contains("targetSocketId");
  const bool expected = session != nullptr && session->is_string() && target != nullptr && target->is_string() &&
                        o.contains(json::string_view(field.data(), field.size()));
  HEARTH_FUZZ_CHECK(fields.ok() == expected);
  if (!expected) return;
  HEARTH_FUZZ_CHECK(fields->session_id == as_view(session->get_string()));
  HEARTH_FUZZ_CHECK(fields->target_socket_id == as_view(target->get_string()));
}

using fuzz::same_value;

void check_relay(std::string_view event, std::string_view object, const json::object& sent,
                 std::string_view from_socket, std::string_view from_user) {
  const std::string packet = signaling::encode_relay(event, object, from_socket, from_user);
  std::string reused = "left over from an earlier relay";
  signaling::encode_relay(reused, event, object, from_socket, from_user);
  HEARTH_FUZZ_CHECK(reused == packet);

  HEARTH_FUZZ_CHECK(packet.starts_with("42["));
  std::string tail = ",\"fromSocketId\":";
  sio::jsontext::append_quoted(tail, from_socket);
  tail += ",\"fromUserId\":";
  sio::jsontext::append_quoted(tail, from_user);
  tail += "}]";
  const std::string_view data = std::string_view(packet).substr(2);
  HEARTH_FUZZ_CHECK(packet.ends_with(tail) || (sent.empty() && packet.ends_with(std::string_view(tail).substr(1))));
  HEARTH_FUZZ_CHECK(sio::check_json(data, {.shape = sio::JsonShape::event}).ok());  // a client's parser takes it

  boost::system::error_code ec;
  json::monotonic_resource mr;
  const json::value v = json::parse(data, ec, &mr);
  HEARTH_FUZZ_CHECK(!ec && v.is_array() && v.as_array().size() == 2);
  HEARTH_FUZZ_CHECK(v.as_array()[0] == json::string_view(event.data(), event.size()));
  const auto* out = v.as_array()[1].if_object();
  HEARTH_FUZZ_CHECK(out != nullptr);
  for (const auto& kv : sent) {
    if (kv.key() == "fromSocketId" || kv.key() == "fromUserId") continue;
    const auto* kept = out->if_contains(kv.key());
    HEARTH_FUZZ_CHECK(kept != nullptr && same_value(*kept, kv.value()));
  }
  HEARTH_FUZZ_CHECK(out->at("fromSocketId") == json::string_view(from_socket.data(), from_socket.size()));
  HEARTH_FUZZ_CHECK(out->at("fromUserId") == json::string_view(from_user.data(), from_user.size()));
  std::size_t expected_size = sent.size();
  expected_size += sent.contains("fromSocketId") ? 0 : 1;
  expected_size += sent.contains("fromUserId") ? 0 : 1;
  HEARTH_FUZZ_CHECK(out->size() == expected_size);
}

void check_binary_relay(std::string_view event, std::string_view object, const json::object& sent,
                        std::string_view from_socket, std::string_view from_user) {
  const std::vector<std::string> attachments = {"zero", "one"};
  const auto relayed = signaling::encode_binary_relay(event, object, from_socket, from_user, attachments);
  if (!relayed) return;
  const auto header = sio::decode_header(relayed->text, {.max_attachments = relayed->attachments.size()});
  HEARTH_FUZZ_CHECK(header.ok() && header->attachments == relayed->attachments.size());
  json::monotonic_resource mr;
  const auto parsed = sio::parse_data(header->data, &mr);
  HEARTH_FUZZ_CHECK(parsed.ok() && parsed->is_array() && parsed->as_array().size() == 2);
  const auto& out = parsed->as_array()[1].as_object();
  HEARTH_FUZZ_CHECK(out.at("fromSocketId") == json::string_view(from_socket.data(), from_socket.size()));
  HEARTH_FUZZ_CHECK(out.at("fromUserId") == json::string_view(from_user.data(), from_user.size()));
  HEARTH_FUZZ_CHECK(out.size() >= sent.size());
}

void check_event(std::string_view data) {
  // What the codec lets through for an EVENT, and for a BINARY_EVENT with two attachments.
  if (!sio::check_json(data, {.shape = sio::JsonShape::event})) return;
  const bool binary =
      sio::check_json(data, {.shape = sio::JsonShape::event, .placeholders = true, .attachments = 2}).ok();
  std::string scratch;
  const auto ev = sio::split_event(data, scratch);
  HEARTH_FUZZ_CHECK(ev.ok());
  const std::string event(ev->name);
  const std::string_view object = signaling::first_argument(ev->args);

  boost::system::error_code ec;
  json::monotonic_resource mr;
  const json::value all = json::parse(data, ec, &mr);
  HEARTH_FUZZ_CHECK(!ec && all.is_array());
  if (all.as_array().size() < 2) {
    HEARTH_FUZZ_CHECK(object.empty());
    return;
  }
  const json::value first = json::parse(object, ec, &mr);
  // first_argument() slices exactly the second element (numbers within ulps: json_equal.hpp)
  HEARTH_FUZZ_CHECK(!ec && same_value(first, all.as_array()[1]));

  // The sender's own ids, taken from the object when it has them, so the override is exercised.
  const std::string_view from_socket = "sock_Zx9-\"\\\x01";
  const std::string_view from_user = "user \xc3\xa9";
  for (const std::string_view field : {"offer", "answer", "candidate"}) {
    std::string s1 = "stale", s2 = "stale";
    const auto fields = signaling::relay_fields(object, field, s1, s2);
    if (!first.is_object()) {
      HEARTH_FUZZ_CHECK(!fields.ok());
      continue;
    }
    check_fields(first.get_object(), field, fields);
  }
  if (!first.is_object()) return;
  check_relay(event, object, first.get_object(), from_socket, from_user);
  if (binary) check_binary_relay(event, object, first.get_object(), from_socket, from_user);
}

}  // namespace

extern "C" int HEARTH_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_event(input);
  // Unvalidated text: the scanners must stay in bounds and never claim success on a non-object.
  std::string s1, s2;
  if (const auto fields = signaling::relay_fields(input, "offer", s1, s2); fields) {
    HEARTH_FUZZ_CHECK(input.find('{') != std::string_view::npos);
  }
  (void)signaling::first_argument(input);
  return 0;
}
