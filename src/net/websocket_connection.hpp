#pragma once
// A lean server-side WebSocket (RFC 6455) on an Asio TCP socket, built for many idle connections and small
// messages, in the manner of uWebSockets: no read buffer while idle (it waits for readability, then reads into a
// buffer shared by all connections of the thread, keeping only an incomplete frame's tail); outgoing frames are
// copied into one contiguous send buffer (taken from a per-thread pool when there is something to send, given
// back once all is written, so idle connections hold none and busy ones allocate nothing per message), and
// everything queued during one turn of the event loop leaves in one non-blocking send (with one thread, the sends
// of all connections of the shard's turn go to the kernel together: net/send_batcher); only a socket whose kernel
// buffer is full waits for writability. Fairness: a connection reads at most one chunk (kReadChunk) per turn of the
// event loop, then yields to the others (a client that keeps its socket full cannot starve the thread). Nothing blocks:
// the 101 answer leaves through the same non-blocking send as the frames after it, and a connection that ends with
// bytes still queued for a peer that does not read is closed after close_timeout at the latest. Ownership: kept alive
// by its pending wait/write (shared_from_this); its handler is held weakly, and is called only while it is still alive.
// Holds its ConnectionSlot (the server's connection count) until destroyed. Thread safety: runs on its socket's
// executor (its shard, net/shards.hpp); send()/close() may be called from any thread (net::dispatch: from another shard
// through the batched hand-off).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/connection_limits.hpp"
#include "net/http_handler.hpp"
#include "net/send_batcher.hpp"
#include "net/websocket_frame.hpp"

namespace hearth::net {

struct WebSocketLimits {
  std::size_t max_message = 1'000'000;         // Engine.IO's maxPayload default; larger messages close with 1009
  std::size_t max_queued_bytes = 1024 * 1024;  // outbound backlog of a client that stops reading: then closed
  std::chrono::seconds close_timeout{5};       // a closing connection's last bytes (the close frame) wait this long
};

enum class CloseReason { client_closed, protocol_error, too_big, slow_reader, io_error, server_closed };

class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  // A complete message; the view is valid during the call only. On the connection's executor.
  virtual void on_message(std::string_view data, bool binary) = 0;
  // Once, when the connection ends for any reason.
  virtual void on_close(CloseReason reason) = 0;
};

class WebSocketConnection final : public std::enable_shared_from_this<WebSocketConnection>, public BatchedSender {
 public:
  // What a connection is made of between two shards (release(), then the constructor below on the other one): its
  // descriptor, no longer watched by any io_context, and what it had read but not handled and queued but not sent.
  struct Released {
    boost::asio::ip::tcp::socket::native_handle_type fd = -1;
    boost::asio::ip::tcp protocol = boost::asio::ip::tcp::v4();
    WebSocketLimits limits;
    ConnectionSlot slot;
    ws::FrameParser parser{0};
    std::string partial;  // the start of a frame not complete yet
    std::string out;      // frames not sent yet
  };

  WebSocketConnection(boost::asio::ip::tcp::socket socket, WebSocketLimits limits, ConnectionSlot slot = {});
  // Goes on with a released connection on `executor`: what was queued leaves once it is start()ed.
  WebSocketConnection(const boost::asio::any_io_executor& executor, Released released);
  ~WebSocketConnection();

  // Checks the upgrade request and queues its answer (101, or 400 and close); false if refused. Call on the
  // executor, before start(). Never blocks: the answer leaves with the first send.
  bool accept(const Request& req);
  // Answers the upgrade request with `res` (an error) instead, and closes. Call on the executor, instead of accept().
  void refuse(const Response& res);
  void start(std::weak_ptr<WebSocketHandler> handler);

  void send(std::shared_ptr<const std::string> payload, bool binary);
  void send_text(std::string payload);
  // Queues a copy of `payload` at once if the caller is on the connection's executor (no handler, no shared
  // buffer); returns false, sending nothing, otherwise.
  bool try_send_here(std::string_view payload, bool binary);
  void close(std::uint16_t code, std::string_view reason);
  // Lets go of the socket without closing it, for another shard to go on with (on the executor, outside this
  // connection's own callbacks). Nothing happens here after it: the handler is not told, a pending wait ends
  // quietly. Nullopt, changing nothing, if the connection is ending, or waits for a peer that does not read.
  std::optional<Released> release();

 private:
  // BatchedSender, called by SendBatcher at the end of the turn (through the base class). take_batch() is empty
  // while the connection waits for writability.
  std::string_view take_batch() override;
  void batch_sent(long result) override;
  void scheduled_flush() override;
  int native_fd() override { return socket_.native_handle(); }

  void enqueue(ws::Opcode op, std::string_view payload);
  void do_wait();
  void on_readable(boost::system::error_code ec);
  bool process(char* data, std::size_t size, std::size_t& consumed);
  void schedule_write();
  void flush();
  void wait_writable();
  void fail(CloseReason reason);
  void close_socket();
  void finish(CloseReason reason);
  void arm_close_timer();

  boost::asio::ip::tcp::socket socket_;
  WebSocketLimits limits_;
  ConnectionSlot slot_;
  SendBatcher* batcher_;  // null: each connection posts its own flush
  std::weak_ptr<WebSocketHandler> handler_;
  ws::FrameParser parser_;
  std::string partial_;  // bytes of an incomplete frame
  std::string out_;      // frames not yet sent (headers and payloads back to back); pooled, empty when idle
  std::unique_ptr<boost::asio::steady_timer> close_timer_;  // only while closing with bytes still queued
  bool write_scheduled_ = false;
  bool waiting_writable_ = false;  // the kernel's send buffer was full: flush when the socket is writable
  bool close_sent_ = false;
  bool finished_ = false;
};

}  // namespace hearth::net
