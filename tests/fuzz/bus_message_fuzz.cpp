// Fuzz target for what signaling reads off the bus between nodes (signaling/bus_messages). Properties:
//  1. decode_bus_message never reads outside its input, and whatever it accepts encodes back to the same bytes
//     (each field's length prefix and bytes, nothing skipped or invented).
//  2. node_of is a prefix of its input, never containing the '.'.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "signaling/bus_messages.hpp"

extern "C" int HEARTH_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (const auto m = hearth::signaling::decode_bus_message(input)) {
    const std::vector<std::string> fields(m->fields.begin(), m->fields.end());
    HEARTH_FUZZ_CHECK(hearth::signaling::encode_bus_message(m->kind, {}, fields) == input);
  }
  const auto node = hearth::signaling::node_of(input);
  HEARTH_FUZZ_CHECK(input.starts_with(node));
  HEARTH_FUZZ_CHECK(node.find('.') == std::string_view::npos);
  return 0;
}
