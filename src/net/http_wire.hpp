#pragma once
// An HTTP answer as it goes on the wire, in one buffer: the status line, the fields, the body. The one way the
// server writes answers (HTTP sessions, and refusals of WebSocket upgrades written by the WebSocket connection),
// each then sent with non-blocking sends.
// Thread safety: stateless.
#include <string>

#include "net/http_handler.hpp"

namespace hearth::net {

// Appends `res` to `out`. The caller has prepared the payload (Content-Length) and the keep-alive fields.
void append_wire(std::string& out, const Response& res);

}  // namespace hearth::net
