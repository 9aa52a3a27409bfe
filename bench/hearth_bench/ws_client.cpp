#include "hearth_bench/ws_client.hpp"

#include <cerrno>
#include <cstring>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace hearth::bench {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr std::size_t kMaxHandshake = 16 * 1024;
}  // namespace

Loop::Loop() : ioc_(1), read_buffer_(kReadChunk) { batcher_ = net::SendBatcher::of(ioc_); }

WsClient::WsClient(Loop& loop) : loop_(loop), socket_(loop.ioc()), masks_(loop.next_seed()) {}

WsClient::~WsClient() = default;

void WsClient::connect(const Endpoint& endpoint, std::string path) {
  path_ = std::move(path);
  host_ = endpoint.host_header;
  state_ = State::connecting;
  boost::system::error_code ec;
  socket_.open(endpoint.server.protocol(), ec);
  if (!ec && endpoint.source) socket_.bind(tcp::endpoint(*endpoint.source, 0), ec);
  if (ec) {
    // Report asynchronously, like every other outcome, so callers never re-enter themselves.
    asio::post(loop_.ioc(), [self = shared_from_this(), ec] { self->fail("connect: " + ec.message()); });
    return;
  }
  socket_.async_connect(endpoint.server,
                        [self = shared_from_this()](boost::system::error_code e) { self->on_connected(e); });
}

void WsClient::on_connected(boost::system::error_code ec) {
  if (state_ != State::connecting) return;
  if (ec) return fail("connect: " + ec.message());
  socket_.set_option(tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);
  state_ = State::handshaking;
  out_ += "GET " + path_ + " HTTP/1.1\r\nHost: " + host_ +
          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "Sec-WebSocket-Version: 13\r\n\r\n";
  flush();
  do_wait();
}

void WsClient::send_text(std::string_view payload) {
  if (state_ != State::open || closing_) return;
  ws::append_client_frame(out_, ws::Opcode::text, payload, masks_.next());
  schedule_flush();
}

void WsClient::close() {
  if (state_ != State::open || closing_) return;
  closing_ = true;
  const char body[2] = {static_cast<char>(1000 >> 8), static_cast<char>(1000 & 0xFF)};
  ws::append_client_frame(out_, ws::Opcode::close, std::string_view(body, 2), masks_.next());
  flush();
  boost::system::error_code ec;
  if (!write_in_flight_) socket_.shutdown(tcp::socket::shutdown_send, ec);
}

void WsClient::schedule_flush() {
  if (flush_posted_ || write_in_flight_) return;  // a write in flight flushes out_ when it completes
  flush_posted_ = true;
  if (auto* batcher = loop_.batcher()) return batcher->add(shared_from_this());
  asio::post(loop_.ioc(), [self = shared_from_this()] { self->scheduled_flush(); });
}

void WsClient::scheduled_flush() {
  flush_posted_ = false;
  flush();
}

std::string_view WsClient::take_batch() {
  flush_posted_ = false;
  if (write_in_flight_ || out_.empty() || state_ == State::closed) return {};
  return out_;
}

void WsClient::batch_sent(long result) {
  if (result == -EAGAIN || result == -EWOULDBLOCK) return sent(0);
  if (result < 0) return fail("write: " + std::string(std::strerror(static_cast<int>(-result))));
  sent(static_cast<std::size_t>(result));
}

// Hands out_ to the kernel: a direct non-blocking write first (usually takes everything), the rest, if any, by
// an asynchronous write.
void WsClient::flush() {
  if (write_in_flight_ || out_.empty() || state_ == State::closed) return;
  boost::system::error_code ec;
  const std::size_t n = socket_.write_some(asio::buffer(out_), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) return fail("write: " + ec.message());
  sent(n);
}

void WsClient::sent(std::size_t n) {
  bytes_sent_ += n;
  if (n == out_.size()) {
    out_.clear();
    if (out_.capacity() > 256 * 1024) std::string().swap(out_);
    return;
  }
  writing_.assign(out_, n);
  out_.clear();
  write_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](boost::system::error_code e, std::size_t written) {
                      self->write_in_flight_ = false;
                      self->bytes_sent_ += written;
                      if (e) return self->fail("write: " + e.message());
                      std::string().swap(self->writing_);
                      if (self->closing_ && self->out_.empty()) {
                        boost::system::error_code ignored;
                        self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                        return;
                      }
                      self->flush();
                    });
}

void WsClient::do_wait() {
  if (state_ == State::closed) return;
  socket_.async_wait(tcp::socket::wait_read,
                     [self = shared_from_this()](boost::system::error_code ec) { self->on_readable(ec); });
}

void WsClient::on_readable(boost::system::error_code ec) {
  if (state_ == State::closed) return;
  if (ec) return fail("read: " + ec.message());
  char* buf = loop_.read_buffer();
  for (;;) {
    const std::size_t n = socket_.read_some(asio::buffer(buf, Loop::kReadChunk), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) return fail(ec == asio::error::eof ? "closed by server" : "read: " + ec.message());
    if (state_ == State::handshaking) {
      if (!handshake_bytes(buf, n)) return;
      continue;
    }
    std::size_t consumed = 0;
    if (partial_.empty()) {
      if (!process(buf, n, consumed)) return;
      if (consumed < n) partial_.assign(buf + consumed, n - consumed);
    } else {
      partial_.append(buf, n);
      if (!process(partial_.data(), partial_.size(), consumed)) return;
      partial_.erase(0, consumed);
      if (partial_.empty()) std::string().swap(partial_);
    }
    if (n < Loop::kReadChunk) break;
  }
  do_wait();
}

// Collects the 101 answer; bytes after it are frames. Returns false if the connection ended.
bool WsClient::handshake_bytes(const char* data, std::size_t size) {
  partial_.append(data, size);
  const auto end = partial_.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (partial_.size() > kMaxHandshake) fail("handshake: answer too large");
    return state_ != State::closed;
  }
  if (partial_.compare(0, 12, "HTTP/1.1 101") != 0) {
    fail("handshake: " + partial_.substr(0, partial_.find("\r\n")));
    return false;
  }
  std::string rest = partial_.substr(end + 4);
  partial_.clear();
  state_ = State::open;
  on_open();
  if (state_ != State::open) return false;
  std::size_t consumed = 0;
  if (!process(rest.data(), rest.size(), consumed)) return false;
  partial_.assign(rest, consumed);
  return true;
}

bool WsClient::process(const char* data, std::size_t size, std::size_t& consumed) {
  while (state_ == State::open) {
    const auto ev = parser_.next(data + consumed, size - consumed);
    consumed += ev.consumed;
    switch (ev.kind) {
      case ws::ServerFrame::need_more:
        return true;
      case ws::ServerFrame::fragment:
      case ws::ServerFrame::pong:
        break;
      case ws::ServerFrame::message:
        on_message(ev.payload, ev.binary);
        break;
      case ws::ServerFrame::ping:
        ws::append_client_frame(out_, ws::Opcode::pong, ev.payload, masks_.next());
        schedule_flush();
        break;
      case ws::ServerFrame::close:
        fail(closing_ ? "closed" : "close frame from server");
        return false;
      case ws::ServerFrame::error:
        fail("malformed frame from server");
        return false;
    }
  }
  return false;
}

void WsClient::fail(std::string why) {
  if (state_ == State::closed) return;
  state_ = State::closed;
  boost::system::error_code ignored;
  socket_.close(ignored);
  out_.clear();
  partial_.clear();
  on_closed(why);
}

}  // namespace hearth::bench
