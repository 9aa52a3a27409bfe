#include "net/websocket_connection.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/field.hpp>
#include <spdlog/spdlog.h>

namespace hearth::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr std::size_t kMaxBuffersPerWrite = 128;  // header + payload pairs gathered into one writev
constexpr std::size_t kReadChunk = 64 * 1024;

// One receive buffer per I/O thread, shared by all its connections: idle connections own no read buffer.
char* thread_read_buffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[kReadChunk]);
  return buffer.get();
}
}  // namespace

WebSocketConnection::WebSocketConnection(tcp::socket socket, WebSocketLimits limits)
    : socket_(std::move(socket)), limits_(limits), parser_(limits.max_message) {}

WebSocketConnection::~WebSocketConnection() = default;

bool WebSocketConnection::accept(const Request& req) {
  boost::system::error_code ec;
  if (auto why = ws::check_upgrade(req)) {
    const std::string res = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: " +
                            std::to_string(why->size()) + "\r\nConnection: close\r\n\r\n" + *why;
    asio::write(socket_, asio::buffer(res), ec);
    socket_.close(ec);
    finished_ = true;
    return false;
  }
  // 129 bytes on a fresh socket: the kernel buffer takes them at once, so this write does not block.
  const std::string res = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: " +
                          ws::accept_key(req[boost::beast::http::field::sec_websocket_key]) + "\r\n\r\n";
  asio::write(socket_, asio::buffer(res), ec);
  if (ec) {
    socket_.close(ec);
    finished_ = true;
    return false;
  }
  socket_.non_blocking(true, ec);
  return true;
}

void WebSocketConnection::start(std::weak_ptr<WebSocketHandler> handler) {
  handler_ = std::move(handler);
  do_wait();
}

void WebSocketConnection::do_wait() {
  if (finished_) return;
  socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
    try {
      self->on_readable(ec);
    } catch (const std::exception& e) {
      spdlog::error("websocket: {}", e.what());
      self->finish(CloseReason::io_error);
    }
  });
}

void WebSocketConnection::on_readable(boost::system::error_code ec) {
  if (finished_) return;
  if (ec) return finish(CloseReason::io_error);
  char* buf = thread_read_buffer();
  for (;;) {
    const std::size_t n = socket_.read_some(asio::buffer(buf, kReadChunk), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) return finish(ec == asio::error::eof ? CloseReason::client_closed : CloseReason::io_error);
    std::size_t consumed = 0;
    if (partial_.empty()) {
      if (!process(buf, n, consumed)) return;
      if (consumed < n) partial_.assign(buf + consumed, n - consumed);
    } else {
      partial_.append(buf, n);
      if (!process(partial_.data(), partial_.size(), consumed)) return;
      partial_.erase(0, consumed);
      if (partial_.empty()) std::string().swap(partial_);  // give the memory back while idle
    }
    if (finished_) return;
    if (n < kReadChunk) break;  // drained for now
  }
  do_wait();
}

// Handles every complete frame in [data, data+size); returns false if the connection ended.
bool WebSocketConnection::process(char* data, std::size_t size, std::size_t& consumed) {
  while (!finished_) {
    const auto ev = parser_.next(data + consumed, size - consumed);
    consumed += ev.consumed;
    switch (ev.kind) {
      case ws::FrameEvent::need_more:
        return true;
      case ws::FrameEvent::fragment:
        break;
      case ws::FrameEvent::message:
        if (auto h = handler_.lock()) h->on_message(ev.payload, ev.binary);
        break;
      case ws::FrameEvent::ping:
        enqueue(ws::Opcode::pong, std::make_shared<const std::string>(ev.payload));
        break;
      case ws::FrameEvent::pong:
        break;
      case ws::FrameEvent::close:
        if (!close_sent_) {
          close_sent_ = true;
          enqueue(ws::Opcode::close, std::make_shared<const std::string>(ws::encode_close(ev.close_code, "").substr(2)));
        }
        finish(CloseReason::client_closed);
        return false;
      case ws::FrameEvent::error:
        close(ev.close_code, "");
        finish(ev.close_code == ws::message_too_big ? CloseReason::too_big : CloseReason::protocol_error);
        return false;
    }
  }
  return false;
}

void WebSocketConnection::send(std::shared_ptr<const std::string> payload, bool binary) {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this(), payload = std::move(payload), binary]() mutable {
    self->enqueue(binary ? ws::Opcode::binary : ws::Opcode::text, std::move(payload));
  });
}

void WebSocketConnection::send_text(std::string payload) {
  send(std::make_shared<const std::string>(std::move(payload)), false);
}

void WebSocketConnection::close(std::uint16_t code, std::string_view reason) {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this(), code, reason = std::string(reason)] {
    if (self->close_sent_ || !self->socket_.is_open()) return;
    self->close_sent_ = true;
    std::string body = ws::encode_close(code, reason);
    body.erase(0, 2);  // encode_close made a whole frame; enqueue adds the header again
    self->enqueue(ws::Opcode::close, std::make_shared<const std::string>(std::move(body)));
    self->finish(CloseReason::server_closed);
  });
}

void WebSocketConnection::enqueue(ws::Opcode op, std::shared_ptr<const std::string> payload) {
  if (!socket_.is_open()) return;
  if (finished_ && op != ws::Opcode::close) return;
  Out out;
  out.header_size = static_cast<std::uint8_t>(ws::encode_header(out.header, op, payload->size()));
  queued_bytes_ += payload->size() + out.header_size;
  out.payload = std::move(payload);
  queue_.push_back(std::move(out));
  if (queued_bytes_ > limits_.max_queued_bytes && op != ws::Opcode::close) {
    // A client that stops reading: drop it rather than buffer without bound.
    queue_.clear();
    queued_bytes_ = 0;
    boost::system::error_code ec;
    socket_.close(ec);
    return finish(CloseReason::slow_reader);
  }
  schedule_write();
}

// Writes are deferred to the end of the current turn of the event loop: everything enqueued meanwhile (a burst of
// relayed messages read from several senders in one go) leaves in the same writev, one syscall instead of many.
void WebSocketConnection::schedule_write() {
  if (!writing_.empty() || write_scheduled_) return;
  write_scheduled_ = true;
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->write_scheduled_ = false;
    if (self->writing_.empty()) self->do_write();
  });
}

void WebSocketConnection::do_write() {
  if (queue_.empty() || !socket_.is_open()) return;
  const std::size_t take = std::min(queue_.size(), kMaxBuffersPerWrite / 2);
  writing_.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(take)));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
  buffers_.clear();
  for (const auto& o : writing_) {
    buffers_.push_back(asio::buffer(o.header.data(), o.header_size));
    buffers_.push_back(asio::buffer(*o.payload));
  }
  asio::async_write(socket_, buffers_,
                    [self = shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_written(ec); });
}

void WebSocketConnection::on_written(boost::system::error_code ec) {
  for (const auto& o : writing_) queued_bytes_ -= o.payload->size() + o.header_size;
  writing_.clear();
  if (ec) {
    boost::system::error_code ignored;
    socket_.close(ignored);
    return finish(CloseReason::io_error);
  }
  if (!queue_.empty()) return do_write();
  if (queue_.capacity() > 64) std::vector<Out>().swap(queue_);  // return a burst's memory
  if (writing_.capacity() > 64) std::vector<Out>().swap(writing_);
  if (buffers_.capacity() > 128) std::vector<asio::const_buffer>().swap(buffers_);
  if (finished_) {
    // Everything (including our close frame) is out: end the TCP connection.
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
}

void WebSocketConnection::finish(CloseReason reason) {
  if (finished_) return;
  finished_ = true;
  if (writing_.empty() && queue_.empty()) {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
  if (auto h = handler_.lock()) h->on_close(reason);
}

}  // namespace hearth::net
