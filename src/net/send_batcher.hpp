#pragma once
// SendBatcher: the sends of one turn of the event loop, handed to the kernel in one io_uring_enter
// instead of one send() per socket. A relay reads a burst of messages and queues frames for many sockets; with
// plain sends each of those sockets costs a syscall, here the whole turn costs one. The sends still run at once
// and never wait in the ring: MSG_DONTWAIT makes a socket whose buffer is full complete with EAGAIN, and its
// connection then waits for writability as before. Where io_uring is not available (an old kernel, a seccomp
// filter, kernel.io_uring_disabled) it falls back to one send per socket, still one posted handler per turn.
// One per shard (net/shards.hpp): an io_context run by one thread, whose connections use its own executor, so the
// batch is filled and flushed on that thread.
// Thread safety: the io_context's one thread (the service itself is created under Asio's registry lock).
#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

struct io_uring;

namespace hearth::net {

// What SendBatcher needs from a connection (net::WebSocketConnection, and hearth-bench's client).
class BatchedSender {
 public:
  // At the end of the turn: the bytes to send now; empty if there is nothing to send now (the sender has then
  // done whatever its own flush does in that case).
  virtual std::string_view take_batch() = 0;
  // What the kernel said of those bytes: how many it took, or -errno (-EAGAIN: none, the socket is full).
  virtual void batch_sent(long result) = 0;
  // Without io_uring: flush by itself, as a posted flush would.
  virtual void scheduled_flush() = 0;
  virtual int native_fd() = 0;

 protected:
  ~BatchedSender() = default;
};

class SendBatcher final : public boost::asio::execution_context::service {
 public:
  using key_type = SendBatcher;
  static inline boost::asio::execution_context::id id;

  explicit SendBatcher(boost::asio::io_context& ioc);
  ~SendBatcher() override;

  // The batcher of `ioc` (created by the first call).
  static SendBatcher* of(boost::asio::io_context& ioc);

  // Queues `c` for the end of this turn; the first of a turn posts the flush.
  void add(std::shared_ptr<BatchedSender> c);
  bool uses_io_uring() const noexcept { return ring_ != nullptr; }

 private:
  void shutdown() override;
  void flush();
  // Sends what batch_[begin, end) have queued, in one io_uring_enter.
  void submit(std::size_t begin, std::size_t end);
  void drop_ring();

  boost::asio::io_context& ioc_;
  std::unique_ptr<io_uring> ring_;  // null: one send per socket
  std::vector<std::shared_ptr<BatchedSender>> queued_;
  std::vector<std::shared_ptr<BatchedSender>> batch_;  // being flushed; queued_ takes what comes meanwhile
  std::vector<std::size_t> slots_;                     // submit()'s, kept to reuse its memory
};

}  // namespace hearth::net
