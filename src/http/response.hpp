#pragma once
// JSON answers of the REST API, and THE mapping of project error codes to HTTP status codes.
// Success: {"success":true,"message":...,"data":...}; error: {"success":false,"message":...,"error"?:detail}
// (detail only in development mode). Thread safety: stateless functions.
#include <boost/beast/http/status.hpp>
#include <boost/json/value.hpp>

#include "core/errors.hpp"
#include "net/http_handler.hpp"

namespace hearth::http {

boost::beast::http::status status_for(errc code) noexcept;

net::Response json_response(boost::beast::http::status status, const boost::json::value& body);
net::Response json_response(boost::beast::http::status status, std::string body);
net::Response ok(std::string_view message, boost::json::value data,
                 boost::beast::http::status status = boost::beast::http::status::ok);
// The same envelope around `data_json`, JSON text written elsewhere (JsonWriter), copied as it is.
net::Response ok_text(std::string_view message, std::string_view data_json,
                      boost::beast::http::status status = boost::beast::http::status::ok);
net::Response error_response(const Error& error, bool development);

}  // namespace hearth::http
