#pragma once
// POST /api/dev/token {userId, name?} -> {token, userId, name, expiresIn}: HS256 tokens for anyone who asks, so the
// web client's "demo user" button can sign in without an identity provider. Development mode only: the server
// mounts it only when HEARTH_ENV=development (in production the path is an unknown route, 404).
// Thread safety: immutable after construction; handle_http() runs on many connections at once, on several shards.
#include <chrono>
#include <string>

#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "net/http_handler.hpp"

namespace hearth::http {

class DevTokenEndpoint final : public net::Endpoint {
 public:
  static constexpr std::string_view kPath = "/api/dev/token";
  static constexpr std::chrono::hours kTtl{24};

  // `claims`: the iss / aud the server expects (JWT_ISSUER, JWT_AUDIENCE), put in every token minted.
  DevTokenEndpoint(std::string jwt_secret, const Clock& clock, auth::ExpectedClaims claims = {});

  bool owns(std::string_view target) const override;
  std::size_t body_limit() const override { return 4 * 1024; }
  void handle_http(net::Request req, const net::ConnectionInfo& conn, const net::Responder& respond) override;
  // No WebSocket here: every upgrade is refused (404), so handle_upgrade() is never called.
  std::optional<net::Response> upgrade_refusal(const net::Request& req, const net::ConnectionInfo& conn) override;
  void handle_upgrade(boost::beast::tcp_stream, net::Request, const net::ConnectionInfo&,
                      net::ConnectionSlot) override {}

 private:
  std::string secret_;
  const Clock& clock_;  // owned by the server
  auth::ExpectedClaims claims_;
};

}  // namespace hearth::http
