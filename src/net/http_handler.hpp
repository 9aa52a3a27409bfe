#pragma once
// The boundary between the HTTP transport (net/) and what answers requests (http/, realtime/).
// net/ knows nothing of JSON, routes or Socket.IO: it reads a request, hands it over, writes the answer.
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/errors.hpp"

namespace hearth::net {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct ConnectionInfo {
  boost::asio::ip::tcp::endpoint remote;
  std::uint64_t id = 0;  // process-unique connection number, for logs
};

// Completes one request. May be called from any thread, exactly once; the session posts it to its strand.
using Responder = std::function<void(Response)>;

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Answers `req`. Must eventually call `respond` exactly once (possibly from another thread).
  virtual void handle(Request req, const ConnectionInfo& conn, Responder respond) = 0;
  // The answer to a request the transport refused itself (too large, malformed) — protocol-level errors
  // still get the application's error shape. `req` may be partially parsed (headers only) or null.
  virtual Response transport_error(errc code, const Request* req) = 0;
  // WebSocket upgrades: accepts_upgrade() decides (false answers 404); upgrade() takes the stream over.
  virtual bool accepts_upgrade(const Request& req) = 0;
  virtual void upgrade(boost::beast::tcp_stream stream, Request req, const ConnectionInfo& conn) = 0;
};

}  // namespace hearth::net
