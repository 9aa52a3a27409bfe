#pragma once
// The signaling tests' client as the server sees it: an Engine.IO session (polling, never opened on the network) and
// its socket; what the server sends is read by long-polling the session in process and kept in order.
// Thread safety: the test's thread only (the io_context runs there).
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json.hpp>

#include "realtime/engineio/session.hpp"
#include "realtime/socketio/socket.hpp"

namespace hearth::signaling {

struct Received {
  std::string event;
  boost::json::value payload;
};

// A client as the server sees it: an Engine.IO session (polling, never opened on the network) and its socket.
class FakeClient {
 public:
  FakeClient(boost::asio::io_context& ioc, const realtime::engineio::Options& options, std::string id)
      : session_(std::make_shared<realtime::engineio::Session>(boost::asio::make_strand(ioc), id, options, nullptr)),
        socket_(std::make_shared<realtime::socketio::Socket>(std::move(id), "/", session_)) {
    poll();
  }

  const std::shared_ptr<realtime::socketio::Socket>& socket() const { return socket_; }
  std::vector<Received>& received() { return received_; }
  std::optional<Received> find(std::string_view event) const {
    for (const auto& r : received_)
      if (r.event == event) return r;
    return std::nullopt;
  }
  std::size_t count(std::string_view event) const {
    return static_cast<std::size_t>(
        std::count_if(received_.begin(), received_.end(), [&](const Received& r) { return r.event == event; }));
  }

 private:
  void poll() {
    boost::asio::post(session_->executor(), [this] {
      session_->on_poll_get(net::Responder([this](net::Response res) {
        record(res.body());
        poll();
      }));
    });
  }
  void record(const std::string& payload) {
    std::size_t start = 0;
    while (start <= payload.size()) {
      const auto end = std::min(payload.find('\x1e', start), payload.size());
      const std::string_view packet(payload.data() + start, end - start);
      if (packet.starts_with("42")) {
        auto v = boost::json::parse(packet.substr(2));
        auto& arr = v.as_array();
        received_.push_back({std::string(arr[0].as_string()), arr.size() > 1 ? arr[1] : boost::json::value()});
      } else if (packet.starts_with("43")) {  // ack: 43<id>[...]
        const auto bracket = packet.find('[');
        auto v = boost::json::parse(packet.substr(bracket));
        received_.push_back({"ack", v.as_array()[0]});
      }
      start = end + 1;
    }
  }

  std::shared_ptr<realtime::engineio::Session> session_;
  std::shared_ptr<realtime::socketio::Socket> socket_;
  std::vector<Received> received_;
};

}  // namespace hearth::signaling
