#include "webhooks/http_post.hpp"

#include <memory>
#include <type_traits>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace hearth::webhooks {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One attempt over `Stream`: beast::tcp_stream for http://, TlsStream for https:// (a handshake after the connect).
template <class Stream>
class Attempt : public std::enable_shared_from_this<Attempt<Stream>> {
  static constexpr bool tls = std::is_same_v<Stream, TlsStream>;

 public:
  Attempt(asio::any_io_executor ex, PostRequest req, std::function<void(PostOutcome)> done)
      : resolver_(ex), stream_(make_stream(ex, req)), deadline_(ex), req_(std::move(req)), done_(std::move(done)) {}

  void run() {
    deadline_.expires_after(req_.timeout);
    deadline_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: finished in time
      self->timed_out_ = true;
      self->resolver_.cancel();
      beast::error_code ignored;
      self->socket().close(ignored);  // NOLINT(bugprone-unused-return-value)
    });
    resolver_.async_resolve(
        req_.url.host, req_.url.port,
        [self = this->shared_from_this()](beast::error_code ec, const tcp::resolver::results_type& r) {
          self->on_resolve(ec, r);
        });
  }

 private:
  static Stream make_stream(const asio::any_io_executor& ex, const PostRequest& req) {
    if constexpr (tls)
      return Stream(ex, *req.tls);
    else
      return Stream(ex);
  }

  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }

  void on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
    if (ec) return fail("resolve", ec);
    beast::get_lowest_layer(stream_).async_connect(
        results, [self = this->shared_from_this()](beast::error_code e, const tcp::endpoint&) { self->on_connect(e); });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail("connect", ec);
    if constexpr (tls) {
      const std::string& host = req_.url.host;
      beast::error_code not_an_address;
      // SNI names a host, never an address (RFC 6066); the certificate is checked against either.
      (void)asio::ip::make_address(host, not_an_address);
      // SSL_set_tlsext_host_name without its macro's C cast.
      if (not_an_address && SSL_ctrl(stream_.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                     const_cast<char*>(host.c_str())) != 1)
        return fail("TLS handshake",
                    beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
      stream_.set_verify_callback(asio::ssl::host_name_verification(host));
      stream_.async_handshake(asio::ssl::stream_base::client, [self = this->shared_from_this()](beast::error_code e) {
        if (e) return self->fail("TLS handshake", e);
        self->send();
      });
    } else {
      send();
    }
  }

  void send() {
    request_.method(http::verb::post);
    request_.target(req_.url.target);
    request_.version(11);
    const bool v6 = req_.url.host.find(':') != std::string::npos;
    const std::string host = v6 ? "[" + req_.url.host + "]" : req_.url.host;
    const bool default_port = req_.url.port == (tls ? "443" : "80");
    request_.set(http::field::host, default_port ? host : host + ":" + req_.url.port);
    request_.set(http::field::content_type, "application/json");
    request_.set(http::field::user_agent, "hearth-call-webhooks");
    request_.set(http::field::connection, "close");
    for (const auto& [name, value] : req_.headers) request_.set(name, value);
    request_.body() = std::move(req_.body);
    request_.prepare_payload();
    http::async_write(stream_, request_,
                      [self = this->shared_from_this()](beast::error_code e, std::size_t) { self->on_write(e); });
  }

  void on_write(beast::error_code ec) {
    if (ec) return fail("send", ec);
    parser_.header_limit(static_cast<std::uint32_t>(req_.max_response_bytes));
    parser_.body_limit(req_.max_response_bytes);
    http::async_read(stream_, buffer_, parser_,
                     [self = this->shared_from_this()](beast::error_code e, std::size_t) { self->on_read(e); });
  }

  void on_read(beast::error_code ec) {
    // A status line and headers are an answer, even if the body was too long to read or was cut short (a TLS
    // receiver that closes without close_notify included).
    if (parser_.is_header_done() && !timed_out_)
      return finish(PostOutcome{static_cast<int>(parser_.get().result_int()), {}});
    fail("read the answer", ec);
  }

  void fail(std::string_view step, beast::error_code ec) {
    finish(
        PostOutcome{0, timed_out_ ? "timed out (" + std::string(step) + ")" : std::string(step) + ": " + ec.message()});
  }

  // Connection: close — the socket is closed without TLS's close_notify, as the answer has been read.
  void finish(PostOutcome outcome) {
    deadline_.cancel();
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);  // NOLINT(bugprone-unused-return-value)
    socket().close(ignored);                                 // NOLINT(bugprone-unused-return-value)
    if (auto done = std::exchange(done_, nullptr)) done(std::move(outcome));
  }

  tcp::resolver resolver_;
  Stream stream_;
  asio::steady_timer deadline_;
  PostRequest req_;
  std::function<void(PostOutcome)> done_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  bool timed_out_ = false;
};

template <class Stream>
void start(const asio::any_io_executor& executor, PostRequest request, std::function<void(PostOutcome)> done) {
  auto attempt = std::make_shared<Attempt<Stream>>(executor, std::move(request), std::move(done));
  asio::dispatch(executor, [attempt] { attempt->run(); });
}

}  // namespace

void post(asio::any_io_executor executor, PostRequest request, std::function<void(PostOutcome)> done) {
  if (request.url.tls) {
    if (!request.tls) {  // a dispatcher made without a context for an https:// URL: a programming error, reported
      return asio::dispatch(executor, [done = std::move(done)] {
        done(PostOutcome{0, "no TLS context for https://"});
      });
    }
    return start<TlsStream>(executor, std::move(request), std::move(done));
  }
  start<beast::tcp_stream>(executor, std::move(request), std::move(done));
}

}  // namespace hearth::webhooks
