#pragma once
// Accepts TCP connections and starts an HttpSession for each, on the listener's io_context (its shard), within the
// connection limits (in total and per client address, net/connection_limits.hpp). A connection past a limit is read
// up to its request header and answered 503; at most kMaxRefusing such answers are pending at once, past that a
// connection is closed at once (a flood must not cost more than the connections it is refused).
// One listener per shard (net/shards.hpp), all bound to the same address with SO_REUSEPORT: the kernel hands each
// new connection to one of them. They share one ConnectionCounts, so the limits hold for the whole process.
// Ownership: kept alive by its pending accept; stop() cancels it. Thread safety: run()/stop() from any thread;
// everything else on its io_context's thread.
#include <atomic>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/connection_limits.hpp"
#include "net/http_handler.hpp"
#include "net/limits.hpp"

namespace hearth::net {

// The open connections of every listener of one address: the limits count them all.
struct ConnectionCounts {
  std::shared_ptr<ConnectionCounter> open;
  std::shared_ptr<ConnectionCounter> refusing;          // connections being answered 503
  std::shared_ptr<std::atomic<std::uint64_t>> next_id;  // ConnectionInfo::id
  static ConnectionCounts make(const HttpLimits& limits);
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  static constexpr std::size_t kMaxRefusing = 64;

  // Binds and listens at once; throws boost::system::system_error with a clear message if it can't. `reuse_port`:
  // SO_REUSEPORT, for the listeners of several shards on one port (the first one may bind port 0; the others then
  // bind the port it got).
  Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint, HttpHandler& handler,
           const HttpLimits& limits, ConnectionCounts counts, bool reuse_port = false);
  Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint, HttpHandler& handler,
           const HttpLimits& limits)
      : Listener(ioc, endpoint, handler, limits, ConnectionCounts::make(limits)) {}
  void run();
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const { return local_; }
  std::size_t connections() const { return counts_.open->total(); }

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  boost::asio::ip::tcp::endpoint local_;
  HttpHandler& handler_;      // owned by the server, outlives the listener
  const HttpLimits& limits_;  // owned by the server config
  ConnectionCounts counts_;
};

}  // namespace hearth::net
