#include "http/response.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>

#include "core/json_writer.hpp"

namespace hearth::http {
namespace bhttp = boost::beast::http;
namespace json = boost::json;

bhttp::status status_for(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument:
      return bhttp::status::bad_request;
    case errc::unauthenticated:
      return bhttp::status::unauthorized;
    case errc::forbidden:
      return bhttp::status::forbidden;
    case errc::not_found:
      return bhttp::status::not_found;
    case errc::method_not_allowed:
      return bhttp::status::method_not_allowed;
    case errc::conflict:
      return bhttp::status::conflict;
    case errc::session_full:
      return bhttp::status::conflict;
    case errc::gone:
      return bhttp::status::gone;
    case errc::payload_too_large:
      return bhttp::status::payload_too_large;
    case errc::unsupported_media_type:
      return bhttp::status::unsupported_media_type;
    case errc::rate_limited:
      return bhttp::status::too_many_requests;
    case errc::unavailable:
      return bhttp::status::service_unavailable;
    case errc::internal:
      return bhttp::status::internal_server_error;
  }
  return bhttp::status::internal_server_error;
}

net::Response json_response(bhttp::status status, std::string body) {
  net::Response res{status, 11};
  res.set(bhttp::field::content_type, "application/json; charset=utf-8");
  res.set(bhttp::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

net::Response json_response(bhttp::status status, const json::value& body) {
  return json_response(status, json::serialize(body));
}

net::Response ok(std::string_view message, json::value data, bhttp::status status) {
  // The envelope shares the data's storage, so moving the data in does not copy it (see JsonArena).
  auto sp = data.storage();
  return json_response(
      status, json::object({{"success", true}, {"message", message}, {"data", std::move(data)}}, std::move(sp)));
}

net::Response ok_text(std::string_view message, std::string_view data_json, bhttp::status status) {
  std::string body;
  body.reserve(data_json.size() + message.size() + 40);
  JsonWriter w(body);
  w.begin_object().key("success").boolean(true).key("message").string(message).key("data").raw(data_json).end_object();
  return json_response(status, std::move(body));
}

net::Response error_response(const Error& error, bool development) {
  json::object body{{"success", false}, {"message", error.message}};
  if (development) body["error"] = error.detail.empty() ? std::string(to_string(error.code)) : error.detail;
  return json_response(status_for(error.code), body);
}

}  // namespace hearth::http
