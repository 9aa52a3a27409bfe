#pragma once
// Reading a packet's data. The relay path slices the raw text (split_event, split_array: no JSON is built);
// events the server handles itself are parsed into a boost::json::value on a caller-supplied memory resource.
// The slicers expect text that decode_header() validated; on anything else they return an error (or
// meaningless slices), never read out of bounds.
// Thread safety: stateless.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include "core/result.hpp"
#include "realtime/socketio/packet.hpp"

namespace hearth::realtime::socketio {

struct EventView {
  std::string_view name;  // unescaped: a view of the data, or of `scratch` if the name had escapes
  std::string_view args;  // raw JSON of the remaining elements, comma-separated ("" if none): splice it back
                          // with encode_event(nsp, name, {args}) to relay the event untouched
};

// ["name", a, b] → {name, "a, b"}.
Result<EventView> split_event(std::string_view data, std::string& scratch);
// Just the name of split_event().
Result<std::string_view> event_name(std::string_view data, std::string& scratch);

// The top-level elements of a JSON array as raw texts, into `out`; returns how many. More elements than
// out.size() → payload_too_large (size `out` for what the event may carry).
Result<std::size_t> split_array(std::string_view array, std::span<std::string_view> out);

// Parses the data into a value allocated from `sp` (typically a boost::json::monotonic_resource the caller
// reuses per packet). Depth is capped at `max_depth`; empty data and malformed JSON → invalid_argument.
Result<boost::json::value> parse_data(std::string_view data, boost::json::storage_ptr sp,
                                      std::size_t max_depth = kDefaultMaxDepth);

}  // namespace hearth::realtime::socketio
