#pragma once
// Server configuration: environment variables, each overridable by a command-line flag, validated once at
// start. A bad value throws ConfigError naming the variable, the value and the rule.
// Thread safety: built once in main, then read-only.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "auth/jwt.hpp"
#include "calls/limits.hpp"
#include "core/allow_list.hpp"
#include "ice/ice_servers.hpp"
#include "net/limits.hpp"
#include "net/websocket_connection.hpp"
#include "realtime/engineio/options.hpp"
#include "signaling/service.hpp"
#include "webhooks/webhook_options.hpp"

namespace hearth::app {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Config {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  std::string database_url = "sqlite://./data/hearth-call.db";
  // DATABASE_POOL_SIZE: PostgreSQL connections (store lanes; default 4, 8 with REDIS_URL); SQLite has one.
  std::size_t database_pool_size = 4;
  bool development = false;
  std::string jwt_secret;  // generated in development mode when empty
  bool jwt_secret_generated = false;
  std::string jwt_public_key_pem;     // contents of JWT_PUBLIC_KEY_FILE
  auth::ExpectedClaims jwt_expected;  // JWT_ISSUER, JWT_AUDIENCE
  ice::IceConfig ice;
  calls::Limits limits;
  net::HttpLimits http;
  net::WebSocketLimits websocket;
  std::vector<std::string> cors_origins;
  bool cors_allow_any = false;
  double rate_limit_per_minute = 120;
  double auth_failures_per_minute = 60;  // REST requests with a bad token, per client address
  std::chrono::seconds sweep_interval{30};
  std::chrono::seconds shutdown_timeout{20};  // SIGTERM to exit, at most
  // GET /metrics: on its own listener at METRICS_PORT (0 picks one) when set, else on the main port; only for the
  // client addresses of METRICS_ALLOW (default loopback).
  std::optional<unsigned short> metrics_port;
  AllowList metrics_allow = *AllowList::parse(kDefaultMetricsAllow);
  unsigned threads = 1;
  std::string log_level = "info";
  realtime::engineio::Options engine;
  signaling::SignalingOptions signaling;
  std::string web_root;               // WEB_ROOT: the web client's folder; empty: found next to the executable
  bool protocol_conformance = false;  // serve what the Socket.IO protocol test suites expect (never by default)
  webhooks::WebhookOptions webhooks;  // WEBHOOK_*: off unless WEBHOOK_URLS is set (docs/webhooks.md)
  // Several nodes (docs/deployment.md, "Scaling out"): REDIS_URL turns the bus between nodes on; NODE_ID names this
  // node ([a-z0-9-]{1,32}, required with REDIS_URL) and prefixes its Engine.IO sids and socket ids.
  std::string redis_url;
  std::string node_id;
};

// Raw option values as strings: CLI11 fills them from flags or environment variables.
struct RawOptions {
  std::string host, port, database_url, env, jwt_secret, jwt_public_key_file, stun_servers, turn_server_url,
      turn_username, turn_password, turn_secret, turn_credential_ttl, max_call_participants, call_timeout_minutes,
      call_ring_timeout_seconds, cors_origins, rate_limit_per_minute, auth_failures_per_minute, max_invitees,
      sweep_interval_seconds, threads, log_level, ping_interval_ms, ping_timeout_ms, max_payload_bytes,
      reconnect_grace_seconds, auth_timeout_seconds, socket_events_per_second, chat_messages_per_second, web_root,
      max_connections, max_connections_per_address, http_header_limit_bytes, rest_body_limit_bytes,
      http_request_timeout_seconds, http_idle_timeout_seconds, websocket_send_queue_bytes, polling_send_queue_bytes,
      websocket_close_timeout_seconds, upgrade_timeout_ms, engineio_handshakes_per_minute, max_unauthenticated_sessions,
      max_unauthenticated_per_address, max_sockets_per_user, shutdown_timeout_seconds;
  std::string ice_transport_policy;      // ICE_TRANSPORT_POLICY
  std::string move_sockets;              // MOVE_SOCKETS_TO_CALLS
  std::string jwt_issuer, jwt_audience;  // JWT_ISSUER, JWT_AUDIENCE
  // METRICS_PORT, METRICS_ALLOW
  std::string metrics_port, metrics_allow;
  std::string redis_url, node_id;  // REDIS_URL, NODE_ID
  std::string trusted_proxies;     // TRUSTED_PROXIES
  std::string database_pool_size;  // DATABASE_POOL_SIZE
  bool protocol_conformance = false;
  webhooks::RawWebhookOptions webhooks;
};

// Declares the serve options (flags with their environment variable names) on `cmd`.
void add_serve_options(CLI::App& cmd, RawOptions& raw);
// Declares only what `migrate` needs (DATABASE_URL).
void add_database_option(CLI::App& cmd, RawOptions& raw);
// Validates and converts; throws ConfigError.
Config build_config(const RawOptions& raw);

}  // namespace hearth::app
