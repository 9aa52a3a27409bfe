#include "net/listener.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/socket_base.hpp>

#include "net/http_session.hpp"
#include "net/serial_executor.hpp"

namespace hearth::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Listener::Listener(asio::io_context& ioc, const tcp::endpoint& endpoint, HttpHandler& handler, const HttpLimits& limits)
    : ioc_(ioc),
      strand_(asio::make_strand(ioc)),
      acceptor_(strand_),
      backoff_(strand_),
      handler_(handler),
      limits_(limits),
      connections_(std::make_shared<ConnectionCounter>(limits.max_connections, limits.max_connections_per_address)),
      refusing_(std::make_shared<ConnectionCounter>(kMaxRefusing, kMaxRefusing / 8)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  local_ = acceptor_.local_endpoint();
}

void Listener::run() {
  asio::dispatch(strand_, [self = shared_from_this()] { self->do_accept(); });
}

void Listener::stop() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
    self->backoff_.cancel();
  });
}

void Listener::do_accept() {
  acceptor_.async_accept(serial_executor(ioc_), [self = shared_from_this()](auto ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
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
  ConnectionInfo conn{remote, address_key(remote.address()), next_id_++};
  ConnectionCounter::Refusal why{};
  if (auto slot = connections_->acquire(conn.client, why)) {
    std::make_shared<HttpSession>(std::move(socket), handler_, limits_, std::move(conn), std::move(*slot))->run();
  } else if (auto refusal_slot = refusing_->acquire(conn.client, why)) {
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
