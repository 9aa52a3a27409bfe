#include "net/listener.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/socket_base.hpp>

#include "net/http_session.hpp"

namespace hearth::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

ConnectionCounts ConnectionCounts::make(const HttpLimits& limits) {
  return {std::make_shared<ConnectionCounter>(limits.max_connections, limits.max_connections_per_address),
          std::make_shared<ConnectionCounter>(Listener::kMaxRefusing, Listener::kMaxRefusing / 8),
          std::make_shared<std::atomic<std::uint64_t>>(1)};
}

Listener::Listener(asio::io_context& ioc, const tcp::endpoint& endpoint, HttpHandler& handler, const HttpLimits& limits,
                   ConnectionCounts counts, bool reuse_port)
    : ioc_(ioc), acceptor_(ioc), backoff_(ioc), handler_(handler), limits_(limits), counts_(std::move(counts)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  if (reuse_port) acceptor_.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  local_ = acceptor_.local_endpoint();
}

void Listener::run() {
  asio::dispatch(ioc_, [self = shared_from_this()] { self->do_accept(); });
}

void Listener::stop() {
  asio::dispatch(ioc_, [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
    self->backoff_.cancel();
  });
}

void Listener::do_accept() {
  acceptor_.async_accept(
      ioc_, [self = shared_from_this()](auto ec, tcp::socket socket) { self->on_accept(ec, std::move(socket)); });
}

void Listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // EMFILE and friends: back off briefly instead of spinning; pressure eases as connections close.
    spdlog::warn("accept failed: {}", ec.message());
    backoff_.expires_after(std::chrono::milliseconds(50));
    backoff_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
      if (!wait_ec) self->do_accept();
    });
    return;
  }
  boost::system::error_code opt_ec;
  const auto remote = socket.remote_endpoint(opt_ec);
  if (opt_ec) {  // already gone
    socket.close(opt_ec);
    return do_accept();
  }
  socket.set_option(tcp::no_delay(true), opt_ec);
  ConnectionInfo conn{remote, address_key(remote.address()), counts_.next_id->fetch_add(1, std::memory_order_relaxed)};
  ConnectionCounter::Refusal why{};
  if (auto slot = counts_.open->acquire(conn.client, why)) {
    std::make_shared<HttpSession>(std::move(socket), handler_, limits_, std::move(conn), std::move(*slot))->run();
  } else if (auto refusal_slot = counts_.refusing->acquire(conn.client, why)) {
    std::string message = why == ConnectionCounter::Refusal::address
                              ? "Too many connections from this address"
                              : "Too many connections: the server is at its connection limit";
    std::make_shared<HttpSession>(std::move(socket), handler_, limits_, std::move(conn), std::move(*refusal_slot),
                                  std::move(message))
        ->run();
  } else {
    socket.close(opt_ec);
  }
  do_accept();
}

}  // namespace hearth::net
