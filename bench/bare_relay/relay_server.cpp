#include "bare_relay/relay_server.hpp"

#include <deque>

#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "net/websocket_connection.hpp"

namespace bare {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

std::string_view string_member(std::string_view json, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":\"";
  const auto pos = json.find(needle);
  if (pos == std::string_view::npos) return {};
  const auto begin = pos + needle.size();
  const auto end = json.find('"', begin);
  return end == std::string_view::npos ? std::string_view{} : json.substr(begin, end - begin);
}

std::shared_ptr<const std::string> text(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

// One message per write, queued while a write is in flight (a Beast stream allows one write at a time).
class BeastPeer final : public Peer {
 public:
  BeastPeer(Registry& r, tcp::socket socket) : Peer(r), ws_(std::move(socket)) {}

  void start(http::request<http::string_body> req) {
    ws_.text(true);
    ws_.async_accept(req, [self = shared_from_this_beast()](beast::error_code ec) {
      if (ec) return;
      self->opened();
      self->do_read();
    });
  }
  void send(std::shared_ptr<const std::string> t) override {
    queue_.push_back(std::move(t));
    if (queue_.size() == 1) do_write();
  }

 private:
  std::shared_ptr<BeastPeer> shared_from_this_beast() {
    return std::static_pointer_cast<BeastPeer>(shared_from_this());
  }
  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this_beast()](beast::error_code ec, std::size_t) {
      if (ec) return self->closed();
      const auto data = self->buffer_.cdata();
      self->on_text(std::string_view(static_cast<const char*>(data.data()), data.size()));
      self->buffer_.consume(self->buffer_.size());
      self->do_read();
    });
  }
  void do_write() {
    ws_.async_write(asio::buffer(*queue_.front()),
                    [self = shared_from_this_beast()](beast::error_code ec, std::size_t) {
                      if (ec) return;
                      self->queue_.pop_front();
                      if (!self->queue_.empty()) self->do_write();
                    });
  }

  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<const std::string>> queue_;
};

// hearth-call's lean connection: everything queued for a socket goes out in one writev.
class LeanPeer final : public Peer, public hearth::net::WebSocketHandler {
 public:
  LeanPeer(Registry& r, tcp::socket socket)
      : Peer(r),
        conn_(std::make_shared<hearth::net::WebSocketConnection>(std::move(socket), hearth::net::WebSocketLimits{})) {}
  void start(const http::request<http::string_body>& req, const std::shared_ptr<LeanPeer>& self) {
    if (!conn_->accept(req)) return;
    conn_->start(std::weak_ptr<hearth::net::WebSocketHandler>(self));
    self_ = self;  // the connection holds its handler weakly: the peer keeps itself alive until closed
    opened();
  }
  void send(std::shared_ptr<const std::string> t) override { conn_->send(std::move(t), false); }
  void on_message(std::string_view data, bool) override { on_text(data); }
  void on_close(hearth::net::CloseReason) override {
    closed();
    self_.reset();
  }

 private:
  std::shared_ptr<hearth::net::WebSocketConnection> conn_;
  std::shared_ptr<LeanPeer> self_;
};

// Reads HTTP requests: REST answers, or the upgrade handed to a peer.
class HttpConn : public std::enable_shared_from_this<HttpConn> {
 public:
  HttpConn(tcp::socket socket, Registry& r, Mode mode) : socket_(std::move(socket)), registry_(r), mode_(mode) {}
  void start() { do_read(); }

 private:
  void do_read() {
    req_ = {};
    http::async_read(socket_, buffer_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->on_request();
    });
  }
  void on_request() {
    if (websocket::is_upgrade(req_)) {
      if (mode_ == Mode::beast) {
        auto peer = std::make_shared<BeastPeer>(registry_, std::move(socket_));
        peer->start(std::move(req_));
      } else {
        auto peer = std::make_shared<LeanPeer>(registry_, std::move(socket_));
        peer->start(req_, peer);
      }
      return;
    }
    auto res = std::make_shared<http::response<http::string_body>>(http::status::not_found, 11);
    const std::string_view target = req_.target();
    if (target == "/api/video-call/initiate") {
      res->result(http::status::created);
      res->body() = R"({"success":true,"message":"Call session initiated successfully","data":{"sessionId":")" +
                    registry_.next_session() + "\"}}";
    } else if (target.starts_with("/api/video-call/join/")) {
      res->result(http::status::ok);
      res->body() = R"({"success":true,"message":"Ready to join call session","data":{}})";
    } else {
      res->body() = R"({"success":false,"message":"Route not found"})";
    }
    res->set(http::field::content_type, "application/json");
    res->keep_alive(req_.keep_alive());
    res->prepare_payload();
    http::async_write(socket_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (!ec) self->do_read();
    });
  }

  tcp::socket socket_;
  Registry& registry_;
  Mode mode_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
};

}  // namespace

std::shared_ptr<Peer> Registry::find(std::string_view sid) const {
  auto it = peers_.find(std::string(sid));
  return it == peers_.end() ? nullptr : it->second.lock();
}

void Peer::opened() {
  registry_.add(sid_, shared_from_this());
  send(text("0{\"sid\":\"e" + sid_ +
            R"(","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})"));
}

void Peer::on_text(std::string_view msg) {
  if (msg.starts_with("40")) return send(text("40{\"sid\":\"" + sid_ + "\"}"));
  if (msg.starts_with("42[\"webrtc_")) {
    auto target = registry_.find(string_member(msg, "targetSocketId"));
    const auto close = msg.rfind("}]");
    if (!target || close == std::string_view::npos) return;
    std::string out;
    out.reserve(msg.size() + sid_.size() + 20);
    out.append(msg.substr(0, close));
    out += ",\"fromSocketId\":\"";
    out += sid_;
    out += "\"}]";
    return target->send(text(std::move(out)));
  }
  if (msg.starts_with("42[\"join_call_session\""))
    return send(
        text(R"(42["call_session_joined",{"sessionId":")" + std::string(string_member(msg, "sessionId")) + "\"}]"));
}

Server::Server(asio::io_context& ioc, const tcp::endpoint& at, Mode mode) : ioc_(ioc), acceptor_(ioc), mode_(mode) {
  acceptor_.open(at.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(at);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void Server::do_accept() {
  acceptor_.async_accept(ioc_, [this](beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<HttpConn>(std::move(socket), registry_, mode_)->start();
    }
    do_accept();
  });
}

}  // namespace bare
