#pragma once
// One webhook attempt: a POST over a new HTTP/1.1 connection (Connection: close) — over TLS for an https:// URL,
// the receiver verified (webhooks/tls.hpp) — with one deadline for the whole exchange (resolve, connect, TLS
// handshake, send, answer) and a limit on the answer read. Its outcome is the status code,
// or why there is none; nothing is retried here (the dispatcher decides).
// Thread safety: post() may be called from any thread; `done` runs on `executor` (the dispatcher's strand), once.
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

struct PostRequest {
  WebhookUrl url;
  std::shared_ptr<boost::asio::ssl::context> tls;  // required for an https:// URL (webhooks/tls.hpp)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host, Content-Type, Content-Length
  std::chrono::milliseconds timeout{10'000};
  std::size_t max_response_bytes = 64 * 1024;
};

void post(boost::asio::any_io_executor executor, PostRequest request, std::function<void(PostOutcome)> done);

}  // namespace hearth::webhooks
