// Fuzz target for the Socket.IO codec. Beyond "never crash", it cross-checks the no-DOM paths against
// Boost.JSON: whatever decode_header() accepts must parse, the raw slicers must agree with the parsed value,
// re-encoding a relayed event must give the same value, and placeholders it accepted must reconstruct.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/monotonic_resource.hpp>

#include "fuzz_check.hpp"
#include "json_equal.hpp"
#include "realtime/socketio/binary.hpp"
#include "realtime/socketio/data.hpp"
#include "realtime/socketio/json_check.hpp"
#include "realtime/socketio/json_text.hpp"
#include "realtime/socketio/packet.hpp"

namespace {

using namespace hearth::realtime::socketio;

void check_header_invariants(const Header& h, const DecodeLimits& limits) {
  HEARTH_FUZZ_CHECK(!h.nsp.empty() && h.nsp.front() == '/' && h.nsp.size() <= kMaxNamespaceLength);
  HEARTH_FUZZ_CHECK(!h.ack_id || *h.ack_id <= kMaxAckId);
  HEARTH_FUZZ_CHECK(h.attachments <= limits.max_attachments);
  HEARTH_FUZZ_CHECK(is_binary(h.type) || h.attachments == 0);
}

void check_event(const Header& h, const boost::json::value& parsed) {
  std::string scratch;
  const auto event = split_event(h.data, scratch);
  HEARTH_FUZZ_CHECK(event.ok());
  const auto& array = parsed.as_array();
  HEARTH_FUZZ_CHECK(!array.empty() && array[0].is_string());
  HEARTH_FUZZ_CHECK(array[0].as_string() == boost::json::string_view(event->name.data(), event->name.size()));

  // Relay: splice the raw args into a new packet; it must decode to the same value.
  const std::string relayed = is_binary(h.type)
                                  ? encode_binary_event(h.nsp, event->name, {&event->args, 1}, h.attachments, h.ack_id)
                                  : encode_event(h.nsp, event->name, {event->args}, h.ack_id);
  const auto again = decode_header(relayed, DecodeLimits{.max_attachments = h.attachments});
  HEARTH_FUZZ_CHECK(again.ok());
  HEARTH_FUZZ_CHECK(again->type == h.type && again->nsp == h.nsp && again->ack_id == h.ack_id);
  boost::json::monotonic_resource mr;
  const auto reparsed = parse_data(again->data, &mr);
  HEARTH_FUZZ_CHECK(reparsed.ok() && hearth::fuzz::same_value(*reparsed, parsed));
}

void check_array(const Header& h, const boost::json::value& parsed) {
  std::array<std::string_view, 64> elements{};
  const auto count = split_array(h.data, elements);
  const std::size_t expected = parsed.as_array().size();
  if (expected > elements.size()) {
    HEARTH_FUZZ_CHECK(!count.ok());
    return;
  }
  HEARTH_FUZZ_CHECK(count.ok() && *count == expected);
  boost::json::monotonic_resource mr;
  for (std::size_t i = 0; i < expected; ++i) {
    const auto element = parse_data(elements[i], &mr, kMaxJsonDepth);
    HEARTH_FUZZ_CHECK(element.ok() && hearth::fuzz::same_value(*element, parsed.as_array()[i]));
  }
  if (h.type == PacketType::ack) {
    const std::string relayed = encode_ack(h.nsp, *h.ack_id, std::span(elements.data(), *count));
    const auto again = decode_header(relayed);
    HEARTH_FUZZ_CHECK(again.ok());
    const auto reparsed = parse_data(again->data, &mr);
    HEARTH_FUZZ_CHECK(reparsed.ok() && hearth::fuzz::same_value(*reparsed, parsed));
  }
}

// Attachments for a binary packet: slices of the input, so their content is fuzzed too.
std::vector<std::string> attachments_for(const Header& h, std::string_view input) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < h.attachments; ++i) out.emplace_back(input.substr(0, i * 7 % (input.size() + 1)));
  return out;
}

void count_placeholders(const boost::json::value& v, std::vector<std::size_t>& counts) {
  if (const auto* a = v.if_array()) {
    for (const auto& e : *a) count_placeholders(e, counts);
  } else if (const auto* o = v.if_object()) {
    const auto* flag = o->if_contains("_placeholder");
    if (flag && flag->is_bool() && flag->get_bool()) {
      const auto* num = o->if_contains("num");  // decode_header() checked it names an attachment
      ++counts.at(static_cast<std::size_t>(num->to_number<double>()));
      return;
    }
    for (const auto& kv : *o) count_placeholders(kv.value(), counts);
  }
}

bool names_each_once(const boost::json::value& parsed, std::size_t attachments) {
  std::vector<std::size_t> counts(attachments, 0);
  count_placeholders(parsed, counts);
  return std::all_of(counts.begin(), counts.end(), [](std::size_t c) { return c == 1; });
}

void check_binary(const Header& h, const boost::json::value& parsed, std::string_view input) {
  const std::vector<std::string> buffers = attachments_for(h, input);
  BinaryReassembler reassembler(BinaryReassembler::Limits{.max_attachments = h.attachments, .max_bytes = 1u << 30});
  auto done = reassembler.start(h);
  HEARTH_FUZZ_CHECK(done.ok());
  for (const std::string& b : buffers) {
    HEARTH_FUZZ_CHECK(!*done);
    done = reassembler.add(b);
    HEARTH_FUZZ_CHECK(done.ok());
  }
  HEARTH_FUZZ_CHECK(*done && !reassembler.collecting());
  HEARTH_FUZZ_CHECK(reassembler.header() == h);

  // Reconstructs exactly when the placeholders name every attachment once (one named twice would be copied twice).
  const auto views = reconstruct(parsed, reassembler.attachments());
  HEARTH_FUZZ_CHECK(views.ok() == names_each_once(parsed, h.attachments));
  if (!views) return;
  boost::json::value copy = parsed;
  const auto picked = deconstruct(copy, reassembler.attachments());
  HEARTH_FUZZ_CHECK(picked.ok() && *picked == *views);
  if (h.type == PacketType::binary_ack) {
    const auto out = make_binary_ack(h.nsp, *h.ack_id, parsed.as_array(), reassembler.attachments());
    HEARTH_FUZZ_CHECK(out.ok());
    const auto again = decode_header(out->text, DecodeLimits{.max_attachments = out->attachments.size()});
    HEARTH_FUZZ_CHECK(again.ok() && again->attachments == out->attachments.size());
  }
}

void check_decoded(const Header& h, std::string_view input, const DecodeLimits& limits) {
  check_header_invariants(h, limits);
  if (h.data.empty()) {
    HEARTH_FUZZ_CHECK(h.type == PacketType::connect || h.type == PacketType::disconnect ||
                      h.type == PacketType::connect_error);
    return;
  }
  boost::json::monotonic_resource mr;
  const auto parsed = parse_data(h.data, &mr, limits.max_depth);
  HEARTH_FUZZ_CHECK(parsed.ok());  // what the validator accepted, the parser accepts
  switch (h.type) {
    case PacketType::connect:
      HEARTH_FUZZ_CHECK(parsed->is_object());
      break;
    case PacketType::disconnect:
      HEARTH_FUZZ_CHECK(false);
      break;
    case PacketType::connect_error:
      HEARTH_FUZZ_CHECK(parsed->is_object() || parsed->is_string());
      break;
    case PacketType::event:
    case PacketType::binary_event:
      check_event(h, *parsed);
      check_array(h, *parsed);
      break;
    case PacketType::ack:
    case PacketType::binary_ack:
      HEARTH_FUZZ_CHECK(h.ack_id.has_value());
      check_array(h, *parsed);
      break;
  }
  if (is_binary(h.type)) check_binary(h, *parsed, input);
}

// The reassembler driven by the input: lines starting with a digit are text packets, others attachments.
void drive_reassembler(std::string_view input) {
  BinaryReassembler reassembler(BinaryReassembler::Limits{.max_attachments = 3, .max_bytes = 256});
  std::size_t pos = 0;
  while (pos <= input.size()) {
    const std::size_t end = std::min(input.find('\n', pos), input.size());
    const std::string_view line = input.substr(pos, end - pos);
    if (!line.empty() && line.front() >= '0' && line.front() <= '9') {
      if (const auto h = decode_header(line); h && is_binary(h->type)) (void)reassembler.start(*h);
    } else {
      (void)reassembler.add(line);
    }
    if (!reassembler.collecting()) HEARTH_FUZZ_CHECK(reassembler.attachments().size() <= 3);
    pos = end + 1;
  }
}

}  // namespace

extern "C" int HEARTH_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  for (const DecodeLimits limits : {DecodeLimits{}, DecodeLimits{.max_attachments = 2, .max_depth = 3}}) {
    if (const auto h = decode_header(input, limits); h) check_decoded(*h, input, limits);
  }

  // The raw helpers must survive any input, validated or not.
  std::string scratch;
  (void)split_event(input, scratch);
  std::array<std::string_view, 8> elements{};
  (void)split_array(input, elements);
  (void)jsontext::unescape(input, scratch);
  (void)jsontext::value_end(input, 0);
  (void)check_json(input, JsonCheck{.shape = JsonShape::event, .placeholders = true, .attachments = 2});
  boost::json::monotonic_resource mr;
  if (const auto v = parse_data(input, &mr); v) {
    std::vector<std::string> buffers = {"a", "b"};
    (void)reconstruct(*v, buffers);
  }
  drive_reassembler(input);
  return 0;
}
