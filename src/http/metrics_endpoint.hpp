#pragma once
// GET /metrics: the Prometheus exposition (metrics/exposition.hpp), only for client addresses in METRICS_ALLOW
// (others: 403 with the usual error envelope). Answered by the main RequestHandler when no METRICS_PORT is set, and
// by MetricsHttpHandler on the metrics port otherwise (which answers nothing but /metrics: 404 elsewhere, no
// WebSocket upgrades). Scrapes are not counted as REST answers.
// Ownership: created by the app; `render` must stay callable while the server runs.
// Thread safety: answer() may run on many connections at once, on several shards (the allow list is read-only; `render`
// must be thread safe).
#include <functional>
#include <string>

#include "core/allow_list.hpp"
#include "net/http_handler.hpp"

namespace hearth::http {

class MetricsEndpoint {
 public:
  using Render = std::function<std::string()>;
  MetricsEndpoint(AllowList allow, Render render, bool development)
      : allow_(std::move(allow)), render_(std::move(render)), development_(development) {}

  static constexpr std::string_view kPath = "/metrics";
  // The answer to a request for kPath from `conn`: the exposition (GET, HEAD), 405 or 403.
  net::Response answer(const net::Request& req, const net::ConnectionInfo& conn) const;

 private:
  AllowList allow_;
  Render render_;
  bool development_;
};

// The whole HTTP application of the metrics port.
class MetricsHttpHandler final : public net::HttpHandler {
 public:
  explicit MetricsHttpHandler(const MetricsEndpoint& endpoint, bool development)
      : endpoint_(endpoint), development_(development) {}

  void handle(net::Request req, const net::ConnectionInfo& conn, net::Responder respond) override;
  std::size_t body_limit(const net::Request&) override { return 0; }
  std::size_t max_body_limit() const override { return 0; }
  net::Response transport_error(errc code, const net::Request* req, std::string_view message) override;
  std::optional<net::Response> upgrade_refusal(const net::Request& req, const net::ConnectionInfo& conn) override;
  void upgrade(boost::beast::tcp_stream, net::Request, const net::ConnectionInfo&, net::ConnectionSlot) override {}

 private:
  const MetricsEndpoint& endpoint_;  // owned by the app
  bool development_;
};

}  // namespace hearth::http
