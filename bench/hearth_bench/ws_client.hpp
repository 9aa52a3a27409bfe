#pragma once
// A lean client WebSocket on an Asio TCP socket, built so the load generator stays cheap next to the server it
// measures: no read buffer per connection (it waits for readability, then reads into the loop's shared buffer,
// keeping only an incomplete frame's tail), and every frame queued during one round of the event loop goes out
// in one write (a send() only appends; the flush is posted once per round), and the writes of all connections of
// a round in one io_uring_enter (net::SendBatcher) where io_uring is available.
// Ownership: shared_ptr, kept alive by its pending operations and by whoever drives it (a scenario).
// Thread safety: single-threaded; everything runs on the Loop's io_context.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "hearth_bench/ws_codec.hpp"
#include "net/send_batcher.hpp"

namespace hearth::bench {

// The load generator's one event loop and what its connections share.
class Loop {
 public:
  static constexpr std::size_t kReadChunk = 256 * 1024;
  Loop();
  boost::asio::io_context& ioc() { return ioc_; }
  // The sends of a round of the loop go to the kernel together (null where the server's SendBatcher says so).
  net::SendBatcher* batcher() { return batcher_; }
  char* read_buffer() { return read_buffer_.data(); }
  // Distinct seeds for the connections' mask sources.
  std::uint32_t next_seed() { return seed_ += 0x6D2B79F5u; }

 private:
  boost::asio::io_context ioc_;
  net::SendBatcher* batcher_ = nullptr;
  std::vector<char> read_buffer_;
  std::uint32_t seed_ = 0x9E3779B9u;
};

// Where a connection goes, and from which local address.
struct Endpoint {
  boost::asio::ip::tcp::endpoint server;
  std::optional<boost::asio::ip::address> source;  // bind() before connect() (spreading over 127.0.0.x)
  std::string host_header;
};

class WsClient : public std::enable_shared_from_this<WsClient>, public net::BatchedSender {
 public:
  explicit WsClient(Loop& loop);
  virtual ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  void connect(const Endpoint& endpoint, std::string path);
  // Queues a text frame; it leaves with everything else queued in this round of the loop.
  void send_text(std::string_view payload);
  // Sends a close frame and shuts the connection down (on_closed follows).
  void close();
  bool is_open() const noexcept { return state_ == State::open; }
  std::uint64_t bytes_sent() const noexcept { return bytes_sent_; }

 protected:
  virtual void on_open() = 0;                                       // handshake done
  virtual void on_message(std::string_view data, bool binary) = 0;  // view valid during the call only
  virtual void on_closed(std::string_view why) = 0;                 // once, for any reason

  Loop& loop() { return loop_; }

 private:
  enum class State { idle, connecting, handshaking, open, closed };

  // net::BatchedSender, called by the loop's batcher (through the base class) with what a round queued.
  std::string_view take_batch() override;
  void batch_sent(long result) override;
  void scheduled_flush() override;
  int native_fd() override { return socket_.native_handle(); }

  void on_connected(boost::system::error_code ec);
  void do_wait();
  void on_readable(boost::system::error_code ec);
  bool handshake_bytes(const char* data, std::size_t size);
  bool process(const char* data, std::size_t size, std::size_t& consumed);
  void schedule_flush();
  void flush();
  void sent(std::size_t n);  // the kernel took the first n bytes of out_: the rest by an asynchronous write
  void fail(std::string why);

  Loop& loop_;
  boost::asio::ip::tcp::socket socket_;
  State state_ = State::idle;
  ws::ServerFrameParser parser_;
  ws::MaskSource masks_;
  std::string path_, host_;
  std::string partial_;  // incomplete frame (or handshake answer) bytes
  std::string out_;      // queued frames, not yet handed to the kernel
  std::string writing_;  // bytes of the asynchronous write in flight
  bool flush_posted_ = false;
  bool write_in_flight_ = false;
  bool closing_ = false;
  std::uint64_t bytes_sent_ = 0;
};

}  // namespace hearth::bench
