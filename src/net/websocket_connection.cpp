#include "net/websocket_connection.hpp"

#include <array>
#include <cerrno>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>

#include "net/http_wire.hpp"
#include "net/send_batcher.hpp"
#include "net/shards.hpp"

namespace hearth::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kPooledBuffers = 256;         // send buffers kept per thread for reuse
constexpr std::size_t kPooledCapacity = 64 * 1024;  // larger ones are freed instead

// One receive buffer per I/O thread, shared by all its connections: idle connections own no read buffer.
char* thread_read_buffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[kReadChunk]);
  return buffer.get();
}

// Send buffers of the thread's connections: taken when a connection has something to send, given back when all
// of it is written. A busy connection reuses warm memory instead of allocating per message; an idle one holds none.
std::vector<std::string>& send_buffer_pool() {
  thread_local std::vector<std::string> pool;
  return pool;
}

void take_send_buffer(std::string& out) {
  auto& pool = send_buffer_pool();
  if (out.capacity() > 0 || pool.empty()) return;
  out.swap(pool.back());
  pool.pop_back();
}

void give_back_send_buffer(std::string& out) {
  out.clear();
  auto& pool = send_buffer_pool();
  if (out.capacity() > 0 && out.capacity() <= kPooledCapacity && pool.size() < kPooledBuffers) {
    pool.emplace_back().swap(out);
  } else {
    std::string().swap(out);
  }
}

// The batcher of the connection's shard (null when a test runs it on a strand).
SendBatcher* batcher_for(tcp::socket& socket) {
  const auto ex = socket.get_executor();
  const auto* io = ex.target<asio::io_context::executor_type>();
  return io ? SendBatcher::of(io->context()) : nullptr;
}
}  // namespace

WebSocketConnection::WebSocketConnection(tcp::socket socket, WebSocketLimits limits, ConnectionSlot slot)
    : socket_(std::move(socket)),
      limits_(limits),
      slot_(std::move(slot)),
      batcher_(batcher_for(socket_)),
      parser_(limits.max_message) {}

WebSocketConnection::WebSocketConnection(const asio::any_io_executor& executor, Released released)
    : socket_(executor, released.protocol, released.fd),
      limits_(released.limits),
      slot_(std::move(released.slot)),
      batcher_(batcher_for(socket_)),
      parser_(std::move(released.parser)),
      partial_(std::move(released.partial)),
      out_(std::move(released.out)) {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
}

WebSocketConnection::~WebSocketConnection() = default;

std::optional<WebSocketConnection::Released> WebSocketConnection::release() {
  if (finished_ || close_sent_ || waiting_writable_ || close_timer_ || !socket_.is_open()) return std::nullopt;
  boost::system::error_code ec;
  const auto local = socket_.local_endpoint(ec);
  if (ec) return std::nullopt;
  Released r;
  r.protocol = local.protocol();
  r.fd = socket_.release(ec);  // cancels the pending wait: it completes as aborted and finds the connection finished
  if (ec) return std::nullopt;
  finished_ = true;
  handler_.reset();
  r.limits = limits_;
  r.slot = std::move(slot_);
  r.parser = std::move(parser_);
  r.partial = std::move(partial_);
  r.out = std::move(out_);
  out_ = std::string();  // a send this turn's batch still has queued finds nothing (and a closed socket)
  return r;
}

bool WebSocketConnection::accept(const Request& req) {
  if (auto why = ws::check_upgrade(req)) {
    Response res{boost::beast::http::status::bad_request, 11};
    res.set(boost::beast::http::field::content_type, "text/plain");
    res.set(boost::beast::http::field::connection, "close");
    res.body() = std::move(*why);
    res.prepare_payload();
    refuse(res);
    return false;
  }
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  take_send_buffer(out_);
  out_ += "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ";
  out_ += ws::accept_key(req[boost::beast::http::field::sec_websocket_key]);
  out_ += "\r\n\r\n";
  schedule_write();
  return true;
}

void WebSocketConnection::refuse(const Response& res) {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  take_send_buffer(out_);
  append_wire(out_, res);
  finished_ = true;  // flush() closes the socket once the answer is out, or the close timer does
  arm_close_timer();
  schedule_write();
}

void WebSocketConnection::start(std::weak_ptr<WebSocketHandler> handler) {
  handler_ = std::move(handler);
  if (!out_.empty()) schedule_write();  // a released connection's frames not sent yet (accept's 101 is scheduled)
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
  const std::size_t n = socket_.read_some(asio::buffer(buf, kReadChunk), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) return do_wait();
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
  if (n < kReadChunk) return do_wait();  // drained for now
  // Maybe more: read it in a later turn, after the other connections of this thread have had theirs. (A new wait
  // would not fire for bytes already there: the reactor reports edges.)
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    try {
      self->on_readable({});
    } catch (const std::exception& e) {
      spdlog::error("websocket: {}", e.what());
      self->finish(CloseReason::io_error);
    }
  });
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
        enqueue(ws::Opcode::pong, ev.payload);
        break;
      case ws::FrameEvent::pong:
        break;
      case ws::FrameEvent::close:
        if (!close_sent_) {
          close_sent_ = true;
          enqueue(ws::Opcode::close, std::string_view(ws::encode_close(ev.close_code, "")).substr(2));
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
  net::dispatch(socket_.get_executor(), [self = shared_from_this(), payload = std::move(payload), binary] {
    self->enqueue(binary ? ws::Opcode::binary : ws::Opcode::text, *payload);
  });
}

bool WebSocketConnection::try_send_here(std::string_view payload, bool binary) {
  if (!running_in_this_thread(socket_.get_executor())) return false;
  enqueue(binary ? ws::Opcode::binary : ws::Opcode::text, payload);
  return true;
}

void WebSocketConnection::send_text(std::string payload) {
  net::dispatch(socket_.get_executor(), [self = shared_from_this(), payload = std::move(payload)] {
    self->enqueue(ws::Opcode::text, payload);
  });
}

void WebSocketConnection::close(std::uint16_t code, std::string_view reason) {
  net::dispatch(socket_.get_executor(), [self = shared_from_this(), code, reason = std::string(reason)] {
    if (self->close_sent_ || !self->socket_.is_open()) return;
    self->close_sent_ = true;
    const std::string frame = ws::encode_close(code, reason);
    self->enqueue(ws::Opcode::close, std::string_view(frame).substr(2));  // enqueue adds the header again
    self->finish(CloseReason::server_closed);
  });
}

void WebSocketConnection::enqueue(ws::Opcode op, std::string_view payload) {
  if (!socket_.is_open()) return;
  if (finished_ && op != ws::Opcode::close) return;
  std::array<char, 10> header{};
  const std::size_t header_size = ws::encode_header(header, op, payload.size());
  if (op != ws::Opcode::close && out_.size() + header_size + payload.size() > limits_.max_queued_bytes) {
    return fail(CloseReason::slow_reader);  // a client that stops reading: drop it rather than buffer without bound
  }
  take_send_buffer(out_);
  out_.append(header.data(), header_size);
  out_.append(payload);
  schedule_write();
}

// Sends are deferred to the end of the current turn of the event loop: everything enqueued meanwhile (a burst of
// relayed messages read from several senders in one go) leaves in one send, one syscall instead of many.
void WebSocketConnection::schedule_write() {
  if (write_scheduled_ || waiting_writable_) return;
  write_scheduled_ = true;
  if (batcher_) return batcher_->add(shared_from_this());
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->scheduled_flush(); });
}

void WebSocketConnection::scheduled_flush() {
  write_scheduled_ = false;
  if (!waiting_writable_) flush();
}

std::string_view WebSocketConnection::take_batch() {
  write_scheduled_ = false;
  if (waiting_writable_) return {};
  if (out_.empty() || !socket_.is_open()) {
    flush();  // nothing to send: gives the buffer back, and closes the socket if the connection has finished
    return {};
  }
  return out_;
}

void WebSocketConnection::batch_sent(long result) {
  if (result == -EAGAIN || result == -EWOULDBLOCK) return wait_writable();
  if (result < 0) return fail(CloseReason::io_error);
  out_.erase(0, static_cast<std::size_t>(result));
  flush();  // the rest, if the kernel took only part; then the buffer goes back (and a finished socket closes)
}

// Sends as much of out_ as the kernel takes now; waits for writability if that is not all of it.
void WebSocketConnection::flush() {
  std::size_t sent = 0;
  boost::system::error_code ec;
  while (sent < out_.size() && socket_.is_open()) {
    sent += socket_.write_some(asio::buffer(out_.data() + sent, out_.size() - sent), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      out_.erase(0, sent);
      return wait_writable();
    }
    if (ec) return fail(CloseReason::io_error);
  }
  give_back_send_buffer(out_);
  if (finished_) close_socket();  // everything (including our close frame) is out: end the TCP connection
}

void WebSocketConnection::wait_writable() {
  waiting_writable_ = true;
  socket_.async_wait(tcp::socket::wait_write, [self = shared_from_this()](boost::system::error_code ec) {
    self->waiting_writable_ = false;
    if (ec) return self->fail(CloseReason::io_error);  // also when closed meanwhile: then finish() was already called
    self->flush();
  });
}

// Ends the connection at once, dropping whatever was not sent.
void WebSocketConnection::fail(CloseReason reason) {
  give_back_send_buffer(out_);
  close_socket();
  finish(reason);
}

void WebSocketConnection::close_socket() {
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (close_timer_) close_timer_->cancel();
}

void WebSocketConnection::finish(CloseReason reason) {
  if (finished_) return;
  finished_ = true;
  if (out_.empty()) {
    close_socket();
  } else {
    arm_close_timer();  // flush() closes it once the queued frames (our close frame) are out, or the timer does
  }
  if (auto h = handler_.lock()) h->on_close(reason);
}

void WebSocketConnection::arm_close_timer() {
  if (close_timer_) return;
  close_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor(), limits_.close_timeout);
  close_timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || !self->socket_.is_open()) return;
    give_back_send_buffer(self->out_);
    self->close_socket();  // a peer that does not read its last bytes
  });
}

}  // namespace hearth::net
