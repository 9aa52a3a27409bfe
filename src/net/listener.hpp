#pragma once
// Accepts TCP connections and starts an HttpSession for each, on its own strand, within the connection limits
// (in total and per client address, net/connection_limits.hpp). A connection past a limit is read up to its
// request header and answered 503; at most kMaxRefusing such answers are pending at once, past that a connection
// is closed at once (a flood must not cost more than the connections it is refused).
// Ownership: kept alive by its pending accept; stop() cancels it. Thread safety: its own strand.
#include <atomic>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/connection_limits.hpp"
#include "net/http_handler.hpp"
#include "net/limits.hpp"

namespace hearth::net {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  static constexpr std::size_t kMaxRefusing = 64;

  // Binds and listens at once; throws boost::system::system_error with a clear message if it can't.
  Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint, HttpHandler& handler,
           const HttpLimits& limits);
  void run();
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const { return local_; }
  std::size_t connections() const { return connections_->total(); }

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  boost::asio::ip::tcp::endpoint local_;
  HttpHandler& handler_;      // owned by the server, outlives the listener
  const HttpLimits& limits_;  // owned by the server config
  std::shared_ptr<ConnectionCounter> connections_;
  std::shared_ptr<ConnectionCounter> refusing_;  // connections being answered 503
  std::uint64_t next_id_ = 1;
};

}  // namespace hearth::net
