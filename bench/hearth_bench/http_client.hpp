#pragma once
// A keep-alive HTTP/1.1 client connection for the REST API: requests are written as preformatted text, answers
// read with Beast's parser. One request at a time per connection (the caller waits for the callback).
// Ownership: shared_ptr, kept alive by its pending operations.
// Thread safety: single-threaded (the Loop's).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "hearth_bench/ws_client.hpp"

namespace hearth::bench {

class HttpClient : public std::enable_shared_from_this<HttpClient> {
 public:
  // status 0 means the request failed before an answer (then `error` says why).
  using Callback = std::function<void(int status, std::string_view body, std::string_view error)>;

  HttpClient(Loop& loop, Endpoint endpoint);

  // method "GET"/"POST"/...; body "" for none (else sent as application/json).
  void request(std::string_view method, std::string_view target, std::string_view token, std::string_view body,
               Callback done);
  void close();

 private:
  void do_connect();
  void do_write();
  void do_read();
  void finish(int status, std::string_view body, std::string_view error);

  Loop& loop_;
  Endpoint endpoint_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
  std::string request_;
  Callback done_;
  bool connected_ = false;
};

}  // namespace hearth::bench
