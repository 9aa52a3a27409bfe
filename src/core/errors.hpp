#pragma once
// Project error codes. Domain and store results carry one of these; each protocol maps them in ONE place
// (http/response.cpp for HTTP status codes, signaling for Socket.IO error events).
#include <string>
#include <string_view>

namespace hearth {

enum class errc {
  invalid_argument = 1,    // a request field broke a validation rule
  unauthenticated,         // no, bad or expired credentials
  forbidden,               // authenticated, but not allowed
  not_found,               // no such resource
  method_not_allowed,      // route exists, method does not
  conflict,                // state forbids the change (duplicate, wrong state)
  session_full,            // call at capacity
  gone,                    // call has ended
  payload_too_large,       // body over the limit
  unsupported_media_type,  // body not JSON
  rate_limited,            // too many requests
  unavailable,             // store or dependency unreachable / overloaded
  internal,                // a bug; logged
};

std::string_view to_string(errc code) noexcept;

// An error with a human-readable message that names the field and the rule where relevant.
struct Error {
  errc code = errc::internal;
  std::string message;
  std::string detail;  // extra diagnostic detail, shown to clients only in development mode

  friend bool operator==(const Error&, const Error&) = default;
};

}  // namespace hearth
