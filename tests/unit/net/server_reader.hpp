#pragma once
// What a server writes, read by a test's client on a blocking socket: the HTTP answer's head, then WebSocket frames
// (RFC 6455 §5.2; a server's are never masked). Buffered: what one read brings past the part asked for stays for the
// next call, so a frame that arrived with the 101 is not lost.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace hearth::net::ws::test_frames {

// A server frame as the client reads it.
struct ServerFrame {
  unsigned char first = 0;  // FIN, RSV and opcode bits
  bool masked = false;      // a server must not mask
  std::string payload;
};

class ServerReader {
 public:
  explicit ServerReader(boost::asio::ip::tcp::socket& s) : s_(s) {}

  // The HTTP answer up to and including its blank line.
  std::string head() {
    constexpr std::string_view end = "\r\n\r\n";
    std::size_t at = 0;
    while ((at = buf_.find(end)) == std::string::npos) read_more();
    return take(at + end.size());
  }

  ServerFrame frame() {
    need(2);
    ServerFrame f;
    f.first = static_cast<unsigned char>(buf_[0]);
    const auto second = static_cast<unsigned char>(buf_[1]);
    f.masked = (second & 0x80U) != 0;
    std::uint64_t n = second & 0x7fU;
    std::size_t at = 2;
    if (n >= 126) {
      const std::size_t width = n == 126 ? 2 : 8;
      need(at + width);
      n = 0;
      for (std::size_t i = 0; i < width; ++i) n = (n << 8) | static_cast<unsigned char>(buf_[at + i]);
      at += width;
    }
    need(at + n);
    take(at);
    f.payload = take(static_cast<std::size_t>(n));
    return f;
  }

 private:
  void read_more() {
    std::array<char, 64 * 1024> chunk{};
    buf_.append(chunk.data(), s_.read_some(boost::asio::buffer(chunk)));
  }
  void need(std::size_t n) {
    while (buf_.size() < n) read_more();
  }
  std::string take(std::size_t n) {
    std::string out = buf_.substr(0, n);
    buf_.erase(0, n);
    return out;
  }

  boost::asio::ip::tcp::socket& s_;
  std::string buf_;
};

}  // namespace hearth::net::ws::test_frames
