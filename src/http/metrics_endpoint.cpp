#include "http/metrics_endpoint.hpp"

#include <boost/beast/http/field.hpp>

#include "http/response.hpp"
#include "metrics/exposition.hpp"

namespace hearth::http {
namespace bhttp = boost::beast::http;

namespace {
std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }
}  // namespace

net::Response MetricsEndpoint::answer(const net::Request& req, const net::ConnectionInfo& conn) const {
  const auto& address = conn.remote.address();
  const bool allowed =
      address.is_v4() ? allow_.allows(address.to_v4().to_bytes()) : allow_.allows(address.to_v6().to_bytes());
  if (!allowed) {
    auto res = error_response(make_error(errc::forbidden, "Metrics are not served to this address (METRICS_ALLOW)"),
                              development_);
    res.version(req.version());
    return res;
  }
  if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
    auto res = error_response(make_error(errc::method_not_allowed, "Method not allowed"), development_);
    res.set(bhttp::field::allow, "GET, HEAD");
    res.version(req.version());
    return res;
  }
  net::Response res{bhttp::status::ok, req.version()};
  res.set(bhttp::field::content_type, metrics::kContentType);
  res.set(bhttp::field::cache_control, "no-store");
  if (req.method() == bhttp::verb::get) res.body() = render_();
  return res;
}

void MetricsHttpHandler::handle(net::Request req, const net::ConnectionInfo& conn, net::Responder respond) {
  if (path_of(req.target()) == MetricsEndpoint::kPath) return respond(endpoint_.answer(req, conn));
  auto res = error_response(make_error(errc::not_found, "Route not found"), development_);
  res.version(req.version());
  respond(std::move(res));
}

net::Response MetricsHttpHandler::transport_error(errc code, const net::Request*, std::string_view message) {
  return error_response(make_error(code, message.empty() ? std::string("Malformed request") : std::string(message)),
                        development_);
}

std::optional<net::Response> MetricsHttpHandler::upgrade_refusal(const net::Request&, const net::ConnectionInfo&) {
  return error_response(make_error(errc::not_found, "Route not found"), development_);
}

}  // namespace hearth::http
