#include "http/middleware/cors.hpp"

#include <algorithm>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

namespace hearth::http {
namespace bhttp = boost::beast::http;

CorsPolicy::CorsPolicy(std::vector<std::string> origins, bool allow_any)
    : origins_(std::move(origins)), allow_any_(allow_any) {}

bool CorsPolicy::allowed(std::string_view origin) const {
  if (origin.empty()) return false;
  return allow_any_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

std::optional<net::Response> CorsPolicy::preflight(const net::Request& req) const {
  if (req.method() != bhttp::verb::options || req.find(bhttp::field::access_control_request_method) == req.end())
    return std::nullopt;
  const auto origin = req[bhttp::field::origin];
  net::Response res{allowed(origin) ? bhttp::status::no_content : bhttp::status::forbidden, req.version()};
  res.set(bhttp::field::vary, "Origin");
  if (allowed(origin)) {
    decorate(req, res);
    res.set(bhttp::field::access_control_allow_methods, "GET, POST, PUT, DELETE, OPTIONS");
    res.set(bhttp::field::access_control_allow_headers, "Authorization, Content-Type");
    res.set(bhttp::field::access_control_max_age, "600");
  }
  return res;
}

void CorsPolicy::decorate(const net::Request& req, net::Response& res) const {
  const auto origin = req[bhttp::field::origin];
  if (!allowed(origin)) return;
  res.set(bhttp::field::access_control_allow_origin, origin);
  res.set(bhttp::field::access_control_allow_credentials, "true");
  res.set(bhttp::field::vary, "Origin");
}

}  // namespace hearth::http
