#pragma once
// One webhook attempt: a POST over HTTP/1.1 — over TLS for an https:// URL, the receiver verified
// (webhooks/tls.hpp) — with one deadline for the whole exchange (resolve, connect, TLS handshake, send, answer) and a
// limit on the answer read. Its outcome is the status code, or why there is none; nothing is retried here (the
// dispatcher decides), except that a kept connection that fails before any answer came is replaced by a new one
// once, within the attempt (the receiver closed it as it was reused).
// Connections: with a ConnectionPool, a connection whose answer was read whole and that the receiver keeps open
// (HTTP/1.1 keep-alive) waits in the pool for the next request to the same origin (scheme, host, port) — a call's
// events then share one connection, and one TLS handshake, instead of one each. Without a pool, one connection per
// attempt (Connection: close).
// Thread safety: post() may be called from any thread; `done` runs on `executor` (the dispatcher's strand), once. A
// pool is used on the executor it was made for only, and posts that use it must run on that executor.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

namespace boost::asio::ssl {
class context;
}

#include "webhooks/webhook_options.hpp"

namespace hearth::webhooks {

struct PostOutcome {
  int status = 0;     // the receiver's status code; 0 when there was no answer
  std::string error;  // why there was no (complete) answer: refused, timed out, ...
  bool delivered() const noexcept { return status >= 200 && status < 300; }
};

// Idle keep-alive connections, per origin. An idle connection is kept `idle_timeout` at most — below the 5 s of
// Node.js's default keepAliveTimeout, so that a receiver rarely closes one just as it is reused — and at most
// `max_idle_per_origin` per origin; one the receiver has closed (or sent anything on) is noticed before reuse.
struct PoolLimits {
  std::chrono::milliseconds idle_timeout{4'000};
  std::size_t max_idle_per_origin = 8;
};
class ConnectionPool;
std::shared_ptr<ConnectionPool> make_connection_pool(boost::asio::any_io_executor executor, PoolLimits limits = {});

struct PostRequest {
  WebhookUrl url;
  std::shared_ptr<ConnectionPool> pool;            // null: a new connection, closed after the answer
  std::shared_ptr<boost::asio::ssl::context> tls;  // required for an https:// URL (webhooks/tls.hpp)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host, Content-Type, Content-Length
  std::chrono::milliseconds timeout{10'000};
  std::size_t max_response_bytes = 64 * 1024;
};

void post(boost::asio::any_io_executor executor, PostRequest request, std::function<void(PostOutcome)> done);

}  // namespace hearth::webhooks
