#include "hearth_bench/http_client.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

namespace hearth::bench {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

HttpClient::HttpClient(Loop& loop, Endpoint endpoint)
    : loop_(loop), endpoint_(std::move(endpoint)), socket_(loop.ioc()) {}

void HttpClient::request(std::string_view method, std::string_view target, std::string_view token,
                         std::string_view body, Callback done) {
  done_ = std::move(done);
  request_.clear();
  request_.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(endpoint_.host_header);
  request_.append("\r\nAuthorization: Bearer ").append(token);
  if (!body.empty()) {
    request_.append("\r\nContent-Type: application/json\r\nContent-Length: ").append(std::to_string(body.size()));
  } else if (method == "POST" || method == "PUT") {
    request_.append("\r\nContent-Length: 0");
  }
  request_.append("\r\n\r\n").append(body);
  if (!connected_) return do_connect();
  do_write();
}

void HttpClient::do_connect() {
  boost::system::error_code ec;
  socket_ = tcp::socket(loop_.ioc());
  socket_.open(endpoint_.server.protocol(), ec);
  if (!ec && endpoint_.source) socket_.bind(tcp::endpoint(*endpoint_.source, 0), ec);
  if (ec) return finish(0, {}, "connect: " + ec.message());
  socket_.async_connect(endpoint_.server, [self = shared_from_this()](boost::system::error_code e) {
    if (e) return self->finish(0, {}, "connect: " + e.message());
    boost::system::error_code ignored;
    self->socket_.set_option(tcp::no_delay(true), ignored);
    self->connected_ = true;
    self->buffer_.clear();
    self->do_write();
  });
}

void HttpClient::do_write() {
  asio::async_write(socket_, asio::buffer(request_),
                    [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                      if (ec) return self->finish(0, {}, "write: " + ec.message());
                      self->do_read();
                    });
}

void HttpClient::do_read() {
  parser_.emplace();
  parser_->body_limit(16 * 1024 * 1024);
  http::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
    if (ec) return self->finish(0, {}, "read: " + ec.message());
    auto& res = self->parser_->get();
    if (!res.keep_alive()) self->close();
    self->finish(static_cast<int>(res.result_int()), res.body(), {});
  });
}

void HttpClient::finish(int status, std::string_view body, std::string_view error) {
  if (status == 0) close();
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(status, body, error);
}

void HttpClient::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
  connected_ = false;
}

}  // namespace hearth::bench
