// bare-relay [--port N] [--mode beast|lean]: see relay_server.hpp.
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <boost/asio/ip/address.hpp>

#include "bare_relay/relay_server.hpp"

int main(int argc, char** argv) {
  unsigned short port = 0;
  bare::Mode mode = bare::Mode::beast;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0)
      port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
    else if (std::strcmp(argv[i], "--mode") == 0)
      mode = std::strcmp(argv[i + 1], "lean") == 0 ? bare::Mode::lean : bare::Mode::beast;
    else {
      std::cerr << "usage: bare-relay [--port N] [--mode beast|lean]\n";
      return 2;
    }
  }
  boost::asio::io_context ioc(1);
  bare::Server server(ioc, {boost::asio::ip::make_address("127.0.0.1"), port}, mode);
  server.start();
  std::cout << "bare-relay (" << (mode == bare::Mode::lean ? "lean" : "beast")
            << ") listening on http://127.0.0.1:" << server.port() << std::endl;
  ioc.run();
}
