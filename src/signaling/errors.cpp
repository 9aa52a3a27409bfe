#include "signaling/errors.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace hearth::signaling {

std::string_view error_code(errc code) noexcept {
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
      return "unknown_event";
    case errc::conflict:
      return "conflict";
    case errc::session_full:
      return "session_full";
    case errc::gone:
      return "session_ended";
    case errc::payload_too_large:
      return "payload_too_large";
    case errc::unsupported_media_type:
      return "invalid_argument";
    case errc::rate_limited:
      return "rate_limited";
    case errc::unavailable:
      return "unavailable";
    case errc::internal:
      return "internal";
  }
  return "internal";
}

std::string call_error_json(std::string_view event, const Error& error) {
  return boost::json::serialize(
      boost::json::object{{"event", event}, {"message", error.message}, {"code", error_code(error.code)}});
}

std::string failure_ack_json(const Error& error) {
  return boost::json::serialize(
      boost::json::object{{"success", false}, {"message", error.message}, {"code", error_code(error.code)}});
}

std::string success_ack_json(std::string_view message, std::string_view data_json) {
  std::string out = boost::json::serialize(boost::json::object{{"success", true}, {"message", message}});
  if (!data_json.empty()) {
    out.pop_back();  // '}'
    out += ",\"data\":";
    out += data_json;
    out += '}';
  }
  return out;
}

}  // namespace hearth::signaling
