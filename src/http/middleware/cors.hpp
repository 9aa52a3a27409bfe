#pragma once
// CORS for the REST API and Socket.IO polling: an allow-list of origins, or any origin (development).
// Thread safety: immutable after construction.
#include <optional>
#include <string>
#include <vector>

#include "net/http_handler.hpp"

namespace hearth::http {

class CorsPolicy {
 public:
  CorsPolicy(std::vector<std::string> origins, bool allow_any);

  bool allowed(std::string_view origin) const;
  // A preflight (OPTIONS with Access-Control-Request-Method) gets its answer here: 204 with the CORS headers
  // when the origin is allowed, 403 otherwise. Other requests: nullopt.
  std::optional<net::Response> preflight(const net::Request& req) const;
  // Adds Access-Control-Allow-Origin (and friends) to an answer for an allowed origin.
  void decorate(const net::Request& req, net::Response& res) const;

 private:
  std::vector<std::string> origins_;
  bool allow_any_;
};

}  // namespace hearth::http
