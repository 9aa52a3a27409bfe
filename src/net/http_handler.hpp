#pragma once
// The boundary between the HTTP transport (net/) and what answers requests (http/, realtime/).
// net/ knows nothing of JSON, routes or Socket.IO: it reads a request, hands it over, writes the answer.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/errors.hpp"
#include "net/connection_limits.hpp"

namespace hearth::net {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct ConnectionInfo {
  boost::asio::ip::tcp::endpoint remote;
  std::string client;    // address_key(remote.address()): what per-address limits count by
  std::uint64_t id = 0;  // process-unique connection number, for logs
};

// Completes one request: call it exactly once, from any thread (the session posts to its shard).
// on_abort() registers a callback run if the client goes away before the answer (long-polling needs it).
class Responder {
 public:
  using Send = std::function<void(Response)>;
  using Watch = std::function<void(std::function<void()>)>;

  Responder() = default;
  explicit Responder(Send send, Watch watch = {}) : send_(std::move(send)), watch_(std::move(watch)) {}

  void operator()(Response res) const { send_(std::move(res)); }
  void on_abort(std::function<void()> callback) const {
    if (watch_) watch_(std::move(callback));
  }
  // A responder that sends through `send` but keeps this one's abort watch.
  Responder wrap(Send send) const { return Responder(std::move(send), watch_); }

 private:
  Send send_;
  Watch watch_;
};

// An endpoint the application mounts beside its routes (the Engine.IO endpoint at /socket.io/): it answers
// its own HTTP requests and takes its WebSocket upgrades.
class Endpoint {
 public:
  virtual ~Endpoint() = default;
  virtual bool owns(std::string_view target) const = 0;
  virtual std::size_t body_limit() const = 0;
  virtual void handle_http(Request req, const ConnectionInfo& conn, const Responder& respond) = 0;
  // The answer to an upgrade request the endpoint will not take (written by the HTTP session like any answer, so
  // nothing blocks), or nullopt: then handle_upgrade() takes the stream and the connection's slot.
  virtual std::optional<Response> upgrade_refusal(const Request& req, const ConnectionInfo& conn) = 0;
  virtual void handle_upgrade(boost::beast::tcp_stream stream, Request req, const ConnectionInfo& conn,
                              ConnectionSlot slot) = 0;
  // The transport refused a request for this endpoint before it was handed over: its body is over body_limit().
  // `then` sends the refusal; the endpoint calls it (from any thread) once it has acted on the refusal, so the
  // client learns of it only after (the Engine.IO session a POST was for is closed before its 413 goes out).
  virtual void request_refused(const Request& header, std::function<void()> then) {
    (void)header;
    then();
  }
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Answers `req`. Must eventually call `respond` exactly once (possibly from another thread).
  virtual void handle(Request req, const ConnectionInfo& conn, Responder respond) = 0;
  // The body limit for a request, decided from its header (the REST API and Engine.IO polling differ), and the
  // largest of them all (in force while the header is read, so no framing is refused before its limit is known).
  virtual std::size_t body_limit(const Request& header) = 0;
  virtual std::size_t max_body_limit() const = 0;
  // The answer to a request the transport refused itself (too large, malformed, over a connection limit) —
  // protocol-level errors still get the application's error shape. `req` may be partially parsed (headers only)
  // or null; `message` replaces the default message of `code` when not empty.
  virtual Response transport_error(errc code, const Request* req, std::string_view message) = 0;
  // Sends that answer through `respond` — later, when what the request was for must act first (see
  // Endpoint::request_refused). The HTTP session uses this one when a request's body is over its limit.
  virtual void refuse(errc code, const Request* req, std::string_view message, const Responder& respond) {
    respond(transport_error(code, req, message));
  }
  // WebSocket upgrades: upgrade_refusal() answers a request that will not be upgraded (no endpoint: 404; the
  // endpoint's refusals); otherwise upgrade() takes the stream over, with the connection's slot.
  virtual std::optional<Response> upgrade_refusal(const Request& req, const ConnectionInfo& conn) = 0;
  virtual void upgrade(boost::beast::tcp_stream stream, Request req, const ConnectionInfo& conn,
                       ConnectionSlot slot) = 0;
};

}  // namespace hearth::net
