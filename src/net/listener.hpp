#pragma once
// Accepts TCP connections and starts an HttpSession for each, on its own strand.
// Ownership: kept alive by its pending accept; stop() cancels it. Thread safety: its own strand.
#include <atomic>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/http_handler.hpp"
#include "net/limits.hpp"

namespace hearth::net {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Binds and listens at once; throws boost::system::system_error with a clear message if it can't.
  Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint, HttpHandler& handler,
           const HttpLimits& limits);
  void run();
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const { return local_; }
  std::size_t connections() const { return connections_->load(std::memory_order_relaxed); }

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
  std::shared_ptr<std::atomic<std::size_t>> connections_ = std::make_shared<std::atomic<std::size_t>>(0);
  std::uint64_t next_id_ = 1;
};

}  // namespace hearth::net
