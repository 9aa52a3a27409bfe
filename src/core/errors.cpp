#include "core/errors.hpp"

namespace hearth {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::unauthenticated:
      return "unauthenticated";
    case errc::forbidden:
      return "forbidden";
    case errc::not_found:
      return "not_found";
    case errc::method_not_allowed:
      return "method_not_allowed";
    case errc::conflict:
      return "conflict";
    case errc::session_full:
      return "session_full";
    case errc::gone:
      return "gone";
    case errc::payload_too_large:
      return "payload_too_large";
    case errc::unsupported_media_type:
      return "unsupported_media_type";
    case errc::rate_limited:
      return "rate_limited";
    case errc::unavailable:
      return "unavailable";
    case errc::internal:
      return "internal";
  }
  return "unknown";
}

}  // namespace hearth
