#include "webhooks/http_post.hpp"

#include <memory>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace hearth::webhooks {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  Attempt(asio::any_io_executor ex, PostRequest req, std::function<void(PostOutcome)> done)
      : resolver_(ex), stream_(ex), deadline_(ex), req_(std::move(req)), done_(std::move(done)) {}

  void run() {
    deadline_.expires_after(req_.timeout);
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: finished in time
      self->timed_out_ = true;
      self->resolver_.cancel();
      beast::error_code ignored;
      self->stream_.socket().close(ignored);  // NOLINT(bugprone-unused-return-value)
    });
    resolver_.async_resolve(req_.url.host, req_.url.port,
                            [self = shared_from_this()](beast::error_code ec, const tcp::resolver::results_type& r) {
                              self->on_resolve(ec, r);
                            });
  }

 private:
  void on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
    if (ec) return fail("resolve", ec);
    stream_.async_connect(
        results, [self = shared_from_this()](beast::error_code e, const tcp::endpoint&) { self->on_connect(e); });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail("connect", ec);
    request_.method(http::verb::post);
    request_.target(req_.url.target);
    request_.version(11);
    const bool v6 = req_.url.host.find(':') != std::string::npos;
    const std::string host = v6 ? "[" + req_.url.host + "]" : req_.url.host;
    request_.set(http::field::host, req_.url.port == "80" ? host : host + ":" + req_.url.port);
    request_.set(http::field::content_type, "application/json");
    request_.set(http::field::user_agent, "hearth-call-webhooks");
    request_.set(http::field::connection, "close");
    for (const auto& [name, value] : req_.headers) request_.set(name, value);
    request_.body() = std::move(req_.body);
    request_.prepare_payload();
    http::async_write(stream_, request_,
                      [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_write(e); });
  }

  void on_write(beast::error_code ec) {
    if (ec) return fail("send", ec);
    parser_.header_limit(static_cast<std::uint32_t>(req_.max_response_bytes));
    parser_.body_limit(req_.max_response_bytes);
    http::async_read(stream_, buffer_, parser_,
                     [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_read(e); });
  }

  void on_read(beast::error_code ec) {
    // A status line and headers are an answer, even if the body was too long to read or was cut short.
    if (parser_.is_header_done() && !timed_out_)
      return finish(PostOutcome{static_cast<int>(parser_.get().result_int()), {}});
    fail("read the answer", ec);
  }

  void fail(std::string_view step, beast::error_code ec) {
    finish(
        PostOutcome{0, timed_out_ ? "timed out (" + std::string(step) + ")" : std::string(step) + ": " + ec.message()});
  }

  void finish(PostOutcome outcome) {
    deadline_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);  // NOLINT(bugprone-unused-return-value)
    stream_.socket().close(ignored);                                 // NOLINT(bugprone-unused-return-value)
    if (auto done = std::exchange(done_, nullptr)) done(std::move(outcome));
  }

  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  asio::steady_timer deadline_;
  PostRequest req_;
  std::function<void(PostOutcome)> done_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  bool timed_out_ = false;
};

}  // namespace

void post(asio::any_io_executor executor, PostRequest request, std::function<void(PostOutcome)> done) {
  auto attempt = std::make_shared<Attempt>(executor, std::move(request), std::move(done));
  asio::dispatch(executor, [attempt] { attempt->run(); });
}

}  // namespace hearth::webhooks
