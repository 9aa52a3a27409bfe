#include "webhooks/http_post.hpp"

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
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

#include "net/socket_peek.hpp"

namespace hearth::webhooks {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

std::string origin_of(const WebhookUrl& url) { return (url.tls ? "https://" : "http://") + url.host + ":" + url.port; }

}  // namespace

class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
 public:
  ConnectionPool(asio::any_io_executor executor, PoolLimits limits) : limits_(limits), sweep_(std::move(executor)) {}

  // An open idle connection to `origin`, or null. Stream: the type the origin's scheme uses.
  template <class Stream>
  std::unique_ptr<Stream> take(const std::string& origin) {
    while (true) {
      auto it = std::find_if(idle_.rbegin(), idle_.rend(), [&](const Idle& i) { return i.origin == origin; });
      if (it == idle_.rend()) return nullptr;  // the most recently used first, above
      auto stream = std::move(static_cast<Held<Stream>&>(*it->held).stream);
      idle_.erase(std::next(it).base());
      // Kept only if the receiver has not closed it, nor sent anything unasked.
      const int fd = beast::get_lowest_layer(*stream).socket().native_handle();
      if (net::peek_socket(fd) == net::Peek::nothing) return stream;
    }
  }

  template <class Stream>
  void put(const std::string& origin, std::unique_ptr<Stream> stream) {
    const auto same = std::count_if(idle_.begin(), idle_.end(), [&](const Idle& i) { return i.origin == origin; });
    if (static_cast<std::size_t>(same) >= limits_.max_idle_per_origin) return;  // closed as it goes
    auto held = std::make_unique<Held<Stream>>();
    held->stream = std::move(stream);
    idle_.push_back(Idle{origin, std::move(held), std::chrono::steady_clock::now()});
    if (!sweeping_) arm_sweep(limits_.idle_timeout);
  }

 private:
  struct AnyHeld {
    virtual ~AnyHeld() = default;
  };
  template <class Stream>
  struct Held final : AnyHeld {
    std::unique_ptr<Stream> stream;
  };
  struct Idle {
    std::string origin;
    std::unique_ptr<AnyHeld> held;  // Held<TlsStream> for an https:// origin, Held<beast::tcp_stream> otherwise
    std::chrono::steady_clock::time_point since;
  };

  // Closes the connections idle for idle_timeout (the oldest are first), then waits for the next one's turn.
  void arm_sweep(std::chrono::steady_clock::duration after) {
    sweeping_ = true;
    sweep_.expires_after(after);
    sweep_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->sweeping_ = false;
      const auto now = std::chrono::steady_clock::now();
      while (!self->idle_.empty() && now - self->idle_.front().since >= self->limits_.idle_timeout)
        self->idle_.pop_front();
      if (!self->idle_.empty()) self->arm_sweep(self->idle_.front().since + self->limits_.idle_timeout - now);
    });
  }

  PoolLimits limits_;
  std::deque<Idle> idle_;  // oldest first
  asio::steady_timer sweep_;
  bool sweeping_ = false;
};

std::shared_ptr<ConnectionPool> make_connection_pool(asio::any_io_executor executor, PoolLimits limits) {
  return std::make_shared<ConnectionPool>(std::move(executor), limits);
}

namespace {

// One attempt over `Stream`: beast::tcp_stream for http://, TlsStream for https:// (a handshake after the connect).
template <class Stream>
class Attempt : public std::enable_shared_from_this<Attempt<Stream>> {
  static constexpr bool tls = std::is_same_v<Stream, TlsStream>;

 public:
  Attempt(asio::any_io_executor ex, PostRequest req, std::function<void(PostOutcome)> done)
      : ex_(ex), resolver_(ex), deadline_(ex), req_(std::move(req)), done_(std::move(done)) {}

  void run() {
    prepare_request();
    deadline_.expires_after(req_.timeout);
    deadline_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || !self->done_) return;  // cancelled, or finished as it fired
      self->timed_out_ = true;
      self->resolver_.cancel();
      beast::error_code ignored;
      self->socket().close(ignored);  // NOLINT(bugprone-unused-return-value)
    });
    if (req_.pool) stream_ = req_.pool->template take<Stream>(origin_of(req_.url));
    if (stream_) {
      reused_ = true;
      return send();
    }
    connect();
  }

 private:
  std::unique_ptr<Stream> make_stream() const {
    if constexpr (tls)
      return std::make_unique<Stream>(ex_, *req_.tls);
    else
      return std::make_unique<Stream>(ex_);
  }

  tcp::socket& socket() { return beast::get_lowest_layer(*stream_).socket(); }

  void prepare_request() {
    request_.method(http::verb::post);
    request_.target(req_.url.target);
    request_.version(11);
    const bool v6 = req_.url.host.find(':') != std::string::npos;
    const std::string host = v6 ? "[" + req_.url.host + "]" : req_.url.host;
    const bool default_port = req_.url.port == (tls ? "443" : "80");
    request_.set(http::field::host, default_port ? host : host + ":" + req_.url.port);
    request_.set(http::field::content_type, "application/json");
    request_.set(http::field::user_agent, "hearth-call-webhooks");
    if (!req_.pool) request_.set(http::field::connection, "close");  // HTTP/1.1 keeps it open otherwise
    for (const auto& [name, value] : req_.headers) request_.set(name, value);
    request_.body() = std::move(req_.body);
    request_.prepare_payload();
  }

  void connect() {
    stream_ = make_stream();
    resolver_.async_resolve(
        req_.url.host, req_.url.port,
        [self = this->shared_from_this()](beast::error_code ec, const tcp::resolver::results_type& r) {
          self->on_resolve(ec, r);
        });
  }

  void on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
    if (ec) return fail("resolve", ec);
    beast::get_lowest_layer(*stream_).async_connect(
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
      if (not_an_address && SSL_ctrl(stream_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                     const_cast<char*>(host.c_str())) != 1)
        return fail("TLS handshake",
                    beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
      stream_->set_verify_callback(asio::ssl::host_name_verification(host));
      stream_->async_handshake(asio::ssl::stream_base::client, [self = this->shared_from_this()](beast::error_code e) {
        if (e) return self->fail("TLS handshake", e);
        self->send();
      });
    } else {
      send();
    }
  }

  void send() {
    http::async_write(*stream_, request_,
                      [self = this->shared_from_this()](beast::error_code e, std::size_t) { self->on_write(e); });
  }

  void on_write(beast::error_code ec) {
    if (ec) return fail("send", ec);
    buffer_.clear();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(req_.max_response_bytes));
    parser_->body_limit(req_.max_response_bytes);
    http::async_read(*stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code e, std::size_t) { self->on_read(e); });
  }

  void on_read(beast::error_code ec) {
    // A status line and headers are an answer, even if the body was too long to read or was cut short (a TLS
    // receiver that closes without close_notify included).
    if (parser_->is_header_done() && !timed_out_) {
      const bool keep = !ec && parser_->is_done() && parser_->keep_alive() && buffer_.size() == 0;
      return finish(PostOutcome{static_cast<int>(parser_->get().result_int()), {}}, keep);
    }
    fail("read the answer", ec);
  }

  void fail(std::string_view step, beast::error_code ec) {
    // A kept connection the receiver closed as it was reused: nothing was answered, so nothing was taken. Once, on a
    // new connection, within the same deadline.
    const bool answered = parser_ && parser_->got_some();
    if (reused_ && !timed_out_ && !answered && (step == "send" || step == "read the answer")) {
      reused_ = false;
      beast::error_code ignored;
      socket().close(ignored);  // NOLINT(bugprone-unused-return-value)
      return connect();
    }
    finish(
        PostOutcome{0, timed_out_ ? "timed out (" + std::string(step) + ")" : std::string(step) + ": " + ec.message()},
        false);
  }

  // A connection not kept is closed without TLS's close_notify, as the answer has been read (or will never be).
  void finish(PostOutcome outcome, bool keep) {
    deadline_.cancel();
    if (keep && req_.pool) {
      req_.pool->put(origin_of(req_.url), std::move(stream_));
    } else if (stream_) {
      beast::error_code ignored;
      socket().shutdown(tcp::socket::shutdown_both, ignored);  // NOLINT(bugprone-unused-return-value)
      socket().close(ignored);                                 // NOLINT(bugprone-unused-return-value)
    }
    if (auto done = std::exchange(done_, nullptr)) done(std::move(outcome));
  }

  asio::any_io_executor ex_;
  tcp::resolver resolver_;
  std::unique_ptr<Stream> stream_;
  asio::steady_timer deadline_;
  PostRequest req_;
  std::function<void(PostOutcome)> done_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  bool timed_out_ = false;
  bool reused_ = false;  // stream_ came from the pool
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
