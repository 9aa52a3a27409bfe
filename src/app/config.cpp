#include "app/config.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cluster/node_id.hpp"
#include "core/cpu_budget.hpp"
#include "core/random.hpp"
#include "core/setting_values.hpp"

namespace hearth::app {
namespace {

long long parse_int(std::string_view name, const std::string& value, long long min, long long max) {
  const auto n = parse_bounded_int(value, min, max);
  if (!n) throw ConfigError(fmt::format("{} must be an integer from {} to {} (got '{}')", name, min, max, value));
  return *n;
}

std::string read_file(const std::string& path, std::string_view name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot read '{}'", name, path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What a browser sends in Origin: scheme "://" host [":" port], nothing after.
bool is_cors_origin(std::string_view origin) {
  if (origin == "*") return true;
  const auto sep = origin.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  const auto rest = origin.substr(sep + 3);
  return !rest.empty() && rest.find_first_of("/?#@ ") == std::string_view::npos;
}

// Sizes, counts and timeouts of the transport (net/, Engine.IO, Socket.IO): each limit is a setting.
void apply_transport_limits(const RawOptions& raw, Config& c) {
  const auto size = [](std::string_view name, const std::string& value, long long min, long long max) {
    return static_cast<std::size_t>(parse_int(name, value, min, max));
  };
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  if (!raw.max_connections.empty())
    c.http.max_connections = size("MAX_CONNECTIONS", raw.max_connections, 1, 10'000'000);
  if (!raw.max_connections_per_address.empty())
    c.http.max_connections_per_address = size("MAX_CONNECTIONS_PER_ADDRESS", raw.max_connections_per_address, 1,
                                              static_cast<long long>(c.http.max_connections));
  if (!raw.http_header_limit_bytes.empty())
    c.http.header_limit = size("HTTP_HEADER_LIMIT_BYTES", raw.http_header_limit_bytes, 1024, 1024 * 1024);
  if (!raw.rest_body_limit_bytes.empty())
    c.http.body_limit = size("REST_BODY_LIMIT_BYTES", raw.rest_body_limit_bytes, 1024, 100'000'000);
  if (!raw.http_request_timeout_seconds.empty())
    c.http.request_timeout =
        seconds(parse_int("HTTP_REQUEST_TIMEOUT_SECONDS", raw.http_request_timeout_seconds, 1, 3600));
  if (!raw.http_idle_timeout_seconds.empty())
    c.http.idle_timeout = seconds(parse_int("HTTP_IDLE_TIMEOUT_SECONDS", raw.http_idle_timeout_seconds, 1, 86'400));
  if (!raw.websocket_send_queue_bytes.empty())
    c.websocket.max_queued_bytes =
        size("WEBSOCKET_SEND_QUEUE_BYTES", raw.websocket_send_queue_bytes, 64 * 1024, 1'000'000'000);
  if (!raw.polling_send_queue_bytes.empty())
    c.engine.max_queued_bytes =
        size("POLLING_SEND_QUEUE_BYTES", raw.polling_send_queue_bytes, 64 * 1024, 1'000'000'000);
  if (!raw.websocket_close_timeout_seconds.empty())
    c.websocket.close_timeout =
        seconds(parse_int("WEBSOCKET_CLOSE_TIMEOUT_SECONDS", raw.websocket_close_timeout_seconds, 1, 600));
  if (!raw.upgrade_timeout_ms.empty())
    c.engine.upgrade_timeout = milliseconds(parse_int("UPGRADE_TIMEOUT_MS", raw.upgrade_timeout_ms, 100, 600'000));
  if (!raw.engineio_handshakes_per_minute.empty())
    c.engine.handshakes_per_minute = static_cast<double>(
        parse_int("ENGINEIO_HANDSHAKES_PER_MINUTE", raw.engineio_handshakes_per_minute, 1, 100'000'000));
  if (!raw.max_unauthenticated_sessions.empty())
    c.engine.max_unauthenticated_sessions =
        size("MAX_UNAUTHENTICATED_SESSIONS", raw.max_unauthenticated_sessions, 1, 10'000'000);
  if (!raw.max_unauthenticated_per_address.empty())
    c.engine.max_unauthenticated_per_address =
        size("MAX_UNAUTHENTICATED_PER_ADDRESS", raw.max_unauthenticated_per_address, 1, 10'000'000);
  if (!raw.max_sockets_per_user.empty())
    c.signaling.max_sockets_per_user = size("MAX_SOCKETS_PER_USER", raw.max_sockets_per_user, 1, 10'000);
}

}  // namespace

void add_database_option(CLI::App& cmd, RawOptions& raw) {
  cmd.add_option("--database-url", raw.database_url,
                 "sqlite://PATH (relative), sqlite:///ABS/PATH, sqlite::memory:, or "
                 "postgres://USER:PASSWORD@HOST:PORT/DB (also postgresql://) [env DATABASE_URL]")
      ->envname("DATABASE_URL");
}

void add_serve_options(CLI::App& cmd, RawOptions& raw) {
  struct Opt {
    const char* flag;
    std::string* target;
    const char* env;
    const char* help;
  };
  const Opt opts[] = {
      {"--host", &raw.host, "HOST", "address to listen on (default 127.0.0.1)"},
      {"--port", &raw.port, "PORT", "port to listen on, 0 picks a free one (default 8080)"},
      {"--env", &raw.env, "HEARTH_ENV", "development | production (default production)"},
      {"--jwt-secret", &raw.jwt_secret, "JWT_SECRET", "HS256 secret; required in production"},
      {"--jwt-public-key-file", &raw.jwt_public_key_file, "JWT_PUBLIC_KEY_FILE",
       "PEM key to accept RS256/ES256 tokens"},
      {"--jwt-issuer", &raw.jwt_issuer, "JWT_ISSUER", "tokens must carry this iss (default: not checked)"},
      {"--jwt-audience", &raw.jwt_audience, "JWT_AUDIENCE",
       "comma list: a token's aud must name one (default: not checked)"},
      {"--stun-servers", &raw.stun_servers, "STUN_SERVERS", "comma list of stun: URLs; none: no STUN server"},
      {"--turn-server-url", &raw.turn_server_url, "TURN_SERVER_URL", "comma list of turn:/turns: URLs"},
      {"--turn-username", &raw.turn_username, "TURN_USERNAME", "static TURN username"},
      {"--turn-password", &raw.turn_password, "TURN_PASSWORD", "static TURN password"},
      {"--turn-secret", &raw.turn_secret, "TURN_SECRET", "coturn static-auth-secret: mint per-user credentials"},
      {"--turn-credential-ttl", &raw.turn_credential_ttl, "TURN_CREDENTIAL_TTL_SECONDS", "default 21600"},
      {"--ice-transport-policy", &raw.ice_transport_policy, "ICE_TRANSPORT_POLICY",
       "all | relay: relay makes clients use TURN only (default all)"},
      {"--max-call-participants", &raw.max_call_participants, "MAX_CALL_PARTICIPANTS", "default 8"},
      {"--call-timeout-minutes", &raw.call_timeout_minutes, "CALL_TIMEOUT_MINUTES", "default 60"},
      {"--call-ring-timeout-seconds", &raw.call_ring_timeout_seconds, "CALL_RING_TIMEOUT_SECONDS", "default 60"},
      {"--cors-origins", &raw.cors_origins, "CORS_ORIGINS",
       "comma list; '*' allows any (default: none in production, any in development)"},
      {"--rate-limit-per-minute", &raw.rate_limit_per_minute, "RATE_LIMIT_PER_MINUTE",
       "REST requests per user, default 120"},
      {"--auth-failures-per-minute", &raw.auth_failures_per_minute, "AUTH_FAILURES_PER_MINUTE",
       "REST requests with a bad token per client address before 429, default 60"},
      {"--max-invitees", &raw.max_invitees, "MAX_INVITEES", "default 50"},
      {"--sweep-interval-seconds", &raw.sweep_interval_seconds, "SWEEP_INTERVAL_SECONDS", "default 30"},
      {"--threads", &raw.threads, "HEARTH_THREADS", "I/O threads, default: the cores this process may use"},
      {"--shutdown-timeout-seconds", &raw.shutdown_timeout_seconds, "SHUTDOWN_TIMEOUT_SECONDS",
       "SIGTERM: requests in flight, the store and webhook deliveries get this long, default 20"},
      {"--log-level", &raw.log_level, "LOG_LEVEL", "trace|debug|info|warn|error (default info)"},
      {"--ping-interval-ms", &raw.ping_interval_ms, "PING_INTERVAL_MS", "Engine.IO heartbeat interval, default 25000"},
      {"--ping-timeout-ms", &raw.ping_timeout_ms, "PING_TIMEOUT_MS", "Engine.IO pong deadline, default 20000"},
      {"--max-payload-bytes", &raw.max_payload_bytes, "MAX_PAYLOAD_BYTES", "Engine.IO maxPayload, default 1000000"},
      {"--reconnect-grace-seconds", &raw.reconnect_grace_seconds, "RECONNECT_GRACE_SECONDS", "default 15"},
      {"--move-sockets-to-calls", &raw.move_sockets, "MOVE_SOCKETS_TO_CALLS",
       "on|off: a WebSocket that joins a call held by another shard moves there (default on)"},
      {"--auth-timeout-seconds", &raw.auth_timeout_seconds, "AUTH_TIMEOUT_SECONDS",
       "unauthenticated sockets are closed after this, default 10"},
      {"--socket-events-per-second", &raw.socket_events_per_second, "SOCKET_EVENTS_PER_SECOND",
       "per socket, bursts of twice that; default 100"},
      {"--chat-messages-per-second", &raw.chat_messages_per_second, "CHAT_MESSAGES_PER_SECOND",
       "chat_message events per socket, bursts of 5 times that; default 2"},
      {"--web-root", &raw.web_root, "WEB_ROOT",
       "the web client's folder (default: web/ beside the build directory, then ./web)"},
      {"--max-connections", &raw.max_connections, "MAX_CONNECTIONS",
       "open connections at once, HTTP and WebSocket, default 50000"},
      {"--max-connections-per-address", &raw.max_connections_per_address, "MAX_CONNECTIONS_PER_ADDRESS",
       "open connections from one client address (IPv6: /64), default 1000"},
      {"--http-header-limit-bytes", &raw.http_header_limit_bytes, "HTTP_HEADER_LIMIT_BYTES",
       "request line and headers, default 16384"},
      {"--rest-body-limit-bytes", &raw.rest_body_limit_bytes, "REST_BODY_LIMIT_BYTES",
       "REST request bodies, default 65536"},
      {"--http-request-timeout-seconds", &raw.http_request_timeout_seconds, "HTTP_REQUEST_TIMEOUT_SECONDS",
       "a request must arrive whole within this, default 30"},
      {"--http-idle-timeout-seconds", &raw.http_idle_timeout_seconds, "HTTP_IDLE_TIMEOUT_SECONDS",
       "keep-alive connection without a request, default 75"},
      {"--websocket-send-queue-bytes", &raw.websocket_send_queue_bytes, "WEBSOCKET_SEND_QUEUE_BYTES",
       "unsent bytes of a WebSocket client before it is dropped, default 1048576"},
      {"--polling-send-queue-bytes", &raw.polling_send_queue_bytes, "POLLING_SEND_QUEUE_BYTES",
       "unsent bytes of a long-polling client before it is dropped, default 4194304"},
      {"--websocket-close-timeout-seconds", &raw.websocket_close_timeout_seconds, "WEBSOCKET_CLOSE_TIMEOUT_SECONDS",
       "a closing WebSocket's last bytes wait this long, default 5"},
      {"--upgrade-timeout-ms", &raw.upgrade_timeout_ms, "UPGRADE_TIMEOUT_MS",
       "polling to WebSocket upgrade must finish within this, default 10000"},
      {"--engineio-handshakes-per-minute", &raw.engineio_handshakes_per_minute, "ENGINEIO_HANDSHAKES_PER_MINUTE",
       "new Socket.IO connections per client address, default 1200"},
      {"--max-unauthenticated-sessions", &raw.max_unauthenticated_sessions, "MAX_UNAUTHENTICATED_SESSIONS",
       "connections not yet authenticated, in total, default 10000"},
      {"--max-unauthenticated-per-address", &raw.max_unauthenticated_per_address, "MAX_UNAUTHENTICATED_PER_ADDRESS",
       "connections not yet authenticated from one client address, default 1000"},
      {"--max-sockets-per-user", &raw.max_sockets_per_user, "MAX_SOCKETS_PER_USER",
       "authenticated Socket.IO connections of one user, default 16"},
  };
  for (const auto& o : opts)
    cmd.add_option(o.flag, *o.target, fmt::format("{} [env {}]", o.help, o.env))->envname(o.env);
  // Webhooks (docs/webhooks.md).
  auto& w = raw.webhooks;
  const Opt webhook_opts[] = {
      {"--webhook-urls", &w.urls, "WEBHOOK_URLS",
       "comma list of http:// or https:// URLs that get the call events; none: off"},
      {"--webhook-secret", &w.secret, "WEBHOOK_SECRET", "HMAC-SHA256 key of X-Hearth-Signature, 16+ characters"},
      {"--webhook-timeout-ms", &w.timeout_ms, "WEBHOOK_TIMEOUT_MS", "per attempt, default 10000"},
      {"--webhook-retry-initial-ms", &w.retry_initial_ms, "WEBHOOK_RETRY_INITIAL_MS",
       "first retry delay, doubling, default 1000"},
      {"--webhook-retry-max-ms", &w.retry_max_ms, "WEBHOOK_RETRY_MAX_MS", "longest retry delay, default 300000"},
      {"--webhook-give-up-after-seconds", &w.give_up_after_seconds, "WEBHOOK_GIVE_UP_AFTER_SECONDS",
       "an event not delivered by then is dropped, default 86400"},
      {"--webhook-max-attempts", &w.max_attempts, "WEBHOOK_MAX_ATTEMPTS",
       "attempts before dropping, 0 (default): no limit"},
      {"--webhook-concurrency", &w.concurrency, "WEBHOOK_CONCURRENCY", "requests in flight at once, default 8"},
      {"--webhook-ca-file", &w.ca_file, "WEBHOOK_CA_FILE",
       "PEM certificates trusted for https:// URLs instead of the system's trust store"},
  };
  for (const auto& o : webhook_opts)
    cmd.add_option(o.flag, *o.target, fmt::format("{} [env {}]", o.help, o.env))->envname(o.env);
  cmd.add_option("--metrics-port", raw.metrics_port,
                 "serve GET /metrics on this port (0 picks one) instead of the main one [env METRICS_PORT]")
      ->envname("METRICS_PORT");
  cmd.add_option("--metrics-allow", raw.metrics_allow,
                 "addresses and CIDR ranges that may read /metrics, default 127.0.0.0/8,::1 [env METRICS_ALLOW]")
      ->envname("METRICS_ALLOW");
  cmd.add_option("--redis-url", raw.redis_url,
                 "redis://[:password@]host:port[/db]: the bus between the nodes of a cluster [env REDIS_URL]")
      ->envname("REDIS_URL");
  cmd.add_option("--trusted-proxies", raw.trusted_proxies,
                 "reverse proxies (addresses, CIDR ranges) whose X-Forwarded-For names the client; default none "
                 "[env TRUSTED_PROXIES]")
      ->envname("TRUSTED_PROXIES");
  cmd.add_option("--node-id", raw.node_id,
                 "this node's name in a cluster, [a-z0-9-]{1,32}; required with REDIS_URL [env NODE_ID]")
      ->envname("NODE_ID");
  add_database_option(cmd, raw);
  cmd.add_option("--database-pool-size", raw.database_pool_size,
                 "PostgreSQL connections, each with its store thread, 1-64 (default 4, or 8 with REDIS_URL) "
                 "[env DATABASE_POOL_SIZE]")
      ->envname("DATABASE_POOL_SIZE");
  cmd.add_flag("--protocol-conformance", raw.protocol_conformance,
               "serve what the official Engine.IO / Socket.IO protocol test suites expect (testing only)");
}

Config build_config(const RawOptions& raw) {
  Config c;
  if (!raw.env.empty() && raw.env != "development" && raw.env != "production")
    throw ConfigError(fmt::format("HEARTH_ENV must be development or production (got '{}')", raw.env));
  c.development = raw.env == "development";
  if (!raw.host.empty()) c.host = raw.host;
  if (!raw.port.empty()) c.port = static_cast<unsigned short>(parse_int("PORT", raw.port, 0, 65535));
  if (!raw.database_url.empty()) c.database_url = raw.database_url;
  if (!c.database_url.starts_with("sqlite:") && !c.database_url.starts_with("postgres://") &&
      !c.database_url.starts_with("postgresql://")) {
    // Name the scheme only: the URL may carry a password.
    const auto colon = c.database_url.find(':');
    throw ConfigError(fmt::format(
        "DATABASE_URL must start with sqlite: (sqlite://PATH) or postgres:// / postgresql:// (got {})",
        colon == std::string::npos ? std::string("no scheme") : "'" + c.database_url.substr(0, colon) + ":'"));
  }
  if (!raw.database_pool_size.empty())
    c.database_pool_size = static_cast<std::size_t>(parse_int("DATABASE_POOL_SIZE", raw.database_pool_size, 1, 64));

  c.jwt_secret = raw.jwt_secret;
  if (!raw.jwt_public_key_file.empty()) {
    c.jwt_public_key_pem = read_file(raw.jwt_public_key_file, "JWT_PUBLIC_KEY_FILE");
    if (c.jwt_public_key_pem.empty())
      throw ConfigError(fmt::format("JWT_PUBLIC_KEY_FILE: '{}' is empty or not a file", raw.jwt_public_key_file));
  }
  if (c.jwt_secret.empty() && c.jwt_public_key_pem.empty()) {
    if (!c.development)
      throw ConfigError("JWT_SECRET is required in production (or set HEARTH_ENV=development for a generated one)");
    c.jwt_secret = random_hex(32);
    c.jwt_secret_generated = true;
  }
  if (!c.jwt_secret.empty() && c.jwt_secret.size() < 16 && !c.development)
    throw ConfigError("JWT_SECRET must be at least 16 characters in production");
  const auto claim_value = [](std::string_view name, const std::string& value) {
    if (value.size() > auth::kMaxIssuerOrAudience)
      throw ConfigError(fmt::format("{}: an entry is longer than {} bytes", name, auth::kMaxIssuerOrAudience));
    for (const char ch : value)
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
        throw ConfigError(fmt::format("{}: control characters are not allowed", name));
    return value;
  };
  c.jwt_expected.issuer = claim_value("JWT_ISSUER", raw.jwt_issuer);
  for (const auto& audience : split_list(raw.jwt_audience))
    c.jwt_expected.audiences.push_back(claim_value("JWT_AUDIENCE", audience));
  if (c.jwt_expected.audiences.size() > auth::kMaxAudiences)
    throw ConfigError(fmt::format("JWT_AUDIENCE: at most {} audiences", auth::kMaxAudiences));

  if (raw.stun_servers == "none")
    c.ice.stun_urls.clear();  // hand out no STUN server (a LAN, or tests on a closed network)
  else
    c.ice.stun_urls = raw.stun_servers.empty() ? ice::default_stun_urls() : split_list(raw.stun_servers);
  c.ice.turn_urls = split_list(raw.turn_server_url);
  c.ice.turn_username = raw.turn_username;
  c.ice.turn_password = raw.turn_password;
  c.ice.turn_secret = raw.turn_secret;
  if (!raw.turn_credential_ttl.empty())
    c.ice.turn_credential_ttl =
        std::chrono::seconds(parse_int("TURN_CREDENTIAL_TTL_SECONDS", raw.turn_credential_ttl, 60, 7 * 86400));
  if (!raw.ice_transport_policy.empty()) {
    auto policy = ice::parse_transport_policy(raw.ice_transport_policy);
    if (!policy)
      throw ConfigError(fmt::format("ICE_TRANSPORT_POLICY: '{}' must be all or relay", raw.ice_transport_policy));
    c.ice.transport_policy = *policy;
  }
  if (auto err = ice::validate(c.ice)) throw ConfigError(*err);

  if (!raw.max_call_participants.empty())
    c.limits.max_call_participants =
        static_cast<int>(parse_int("MAX_CALL_PARTICIPANTS", raw.max_call_participants, 2, 64));
  if (!raw.max_invitees.empty())
    c.limits.max_invitees = static_cast<int>(parse_int("MAX_INVITEES", raw.max_invitees, 1, 1000));
  if (!raw.call_timeout_minutes.empty())
    c.limits.call_timeout =
        std::chrono::minutes(parse_int("CALL_TIMEOUT_MINUTES", raw.call_timeout_minutes, 1, 7 * 24 * 60));
  if (!raw.call_ring_timeout_seconds.empty())
    c.limits.ring_timeout =
        std::chrono::seconds(parse_int("CALL_RING_TIMEOUT_SECONDS", raw.call_ring_timeout_seconds, 1, 3600));
  if (!raw.rate_limit_per_minute.empty())
    c.rate_limit_per_minute =
        static_cast<double>(parse_int("RATE_LIMIT_PER_MINUTE", raw.rate_limit_per_minute, 1, 100'000'000));
  if (!raw.auth_failures_per_minute.empty())
    c.auth_failures_per_minute =
        static_cast<double>(parse_int("AUTH_FAILURES_PER_MINUTE", raw.auth_failures_per_minute, 1, 100'000'000));
  if (!raw.metrics_port.empty())
    c.metrics_port = static_cast<unsigned short>(parse_int("METRICS_PORT", raw.metrics_port, 0, 65535));
  if (!raw.metrics_allow.empty()) {
    auto allow = AllowList::parse(raw.metrics_allow);
    if (!allow) throw ConfigError(allow.error().message);
    c.metrics_allow = std::move(*allow);
  }
  if (!raw.shutdown_timeout_seconds.empty())
    c.shutdown_timeout =
        std::chrono::seconds(parse_int("SHUTDOWN_TIMEOUT_SECONDS", raw.shutdown_timeout_seconds, 1, 3600));
  if (!raw.trusted_proxies.empty()) {
    auto proxies = AllowList::parse(raw.trusted_proxies, "TRUSTED_PROXIES");
    if (!proxies) throw ConfigError(proxies.error().message);
    c.http.trusted_proxies = std::move(*proxies);
  }
  c.redis_url = raw.redis_url;
  c.node_id = raw.node_id;
  if (!c.node_id.empty()) {
    if (!cluster::valid_node_id(c.node_id))
      throw ConfigError(fmt::format("NODE_ID must be 1 to 32 of a-z, 0-9 and - (got '{}')", c.node_id));
    c.engine.id_prefix = c.node_id + ".";
  }
  if (!c.redis_url.empty()) {
    if (!c.redis_url.starts_with("redis://"))
      throw ConfigError(fmt::format("REDIS_URL must start with redis:// (got '{}')", c.redis_url));
    if (c.node_id.empty())
      throw ConfigError("NODE_ID is required with REDIS_URL (each node of a cluster needs a name)");
  }
  // A node alone batches its operations (fewer, fuller transactions: 4 lanes are enough); a node of several runs one
  // operation per transaction (app/server.cpp, open_store) and needs more lanes to keep as many in flight.
  if (raw.database_pool_size.empty()) c.database_pool_size = c.redis_url.empty() ? 4 : 8;
  if (!raw.sweep_interval_seconds.empty())
    c.sweep_interval = std::chrono::seconds(parse_int("SWEEP_INTERVAL_SECONDS", raw.sweep_interval_seconds, 1, 3600));

  c.cors_origins = split_list(raw.cors_origins);
  for (const auto& origin : c.cors_origins)
    if (!is_cors_origin(origin))
      throw ConfigError(fmt::format(
          "CORS_ORIGINS: '{}' is not an origin (scheme://host[:port], no path or trailing slash) nor *", origin));
  c.cors_allow_any = raw.cors_origins.empty()
                         ? c.development
                         : std::find(c.cors_origins.begin(), c.cors_origins.end(), "*") != c.cors_origins.end();

  c.threads = core::usable_cores();  // the affinity mask and the cgroup's CPU quota, not the machine's cores
  if (!raw.threads.empty()) c.threads = static_cast<unsigned>(parse_int("HEARTH_THREADS", raw.threads, 1, 256));
  if (!raw.log_level.empty()) {
    static const char* levels[] = {"trace", "debug", "info", "warn", "error", "off"};
    if (std::find(std::begin(levels), std::end(levels), raw.log_level) == std::end(levels))
      throw ConfigError(
          fmt::format("LOG_LEVEL must be trace, debug, info, warn, error or off (got '{}')", raw.log_level));
    c.log_level = raw.log_level;
  }
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  if (!raw.ping_interval_ms.empty())
    c.engine.ping_interval = milliseconds(parse_int("PING_INTERVAL_MS", raw.ping_interval_ms, 100, 600'000));
  if (!raw.ping_timeout_ms.empty())
    c.engine.ping_timeout = milliseconds(parse_int("PING_TIMEOUT_MS", raw.ping_timeout_ms, 100, 600'000));
  if (!raw.max_payload_bytes.empty())
    c.engine.max_payload =
        static_cast<std::size_t>(parse_int("MAX_PAYLOAD_BYTES", raw.max_payload_bytes, 1024, 100'000'000));
  if (!raw.reconnect_grace_seconds.empty())
    c.signaling.reconnect_grace = seconds(parse_int("RECONNECT_GRACE_SECONDS", raw.reconnect_grace_seconds, 0, 3600));
  if (!raw.move_sockets.empty()) {
    if (raw.move_sockets != "on" && raw.move_sockets != "off")
      throw ConfigError(fmt::format("MOVE_SOCKETS_TO_CALLS must be on or off (got '{}')", raw.move_sockets));
    c.signaling.move_sockets = raw.move_sockets == "on";
  }
  if (!raw.auth_timeout_seconds.empty())
    c.signaling.auth_timeout = seconds(parse_int("AUTH_TIMEOUT_SECONDS", raw.auth_timeout_seconds, 1, 3600));
  if (!raw.socket_events_per_second.empty()) {
    c.signaling.events_per_second =
        static_cast<double>(parse_int("SOCKET_EVENTS_PER_SECOND", raw.socket_events_per_second, 1, 10'000'000));
    c.signaling.event_burst = 2 * c.signaling.events_per_second;
  }
  if (!raw.chat_messages_per_second.empty()) {
    c.signaling.chat_messages_per_second =
        static_cast<double>(parse_int("CHAT_MESSAGES_PER_SECOND", raw.chat_messages_per_second, 1, 10'000));
    c.signaling.chat_message_burst = 5 * c.signaling.chat_messages_per_second;
  }
  if (!raw.web_root.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::path(raw.web_root) / "index.html", ec))
      throw ConfigError(fmt::format("WEB_ROOT must be a folder with an index.html (got '{}')", raw.web_root));
    c.web_root = raw.web_root;
  }
  apply_transport_limits(raw, c);
  try {
    c.webhooks = webhooks::parse_webhook_options(raw.webhooks);
  } catch (const webhooks::WebhookConfigError& e) {
    throw ConfigError(e.what());
  }
  c.protocol_conformance = raw.protocol_conformance;
  if (c.protocol_conformance) {
    // The values the official test suites are written against.
    c.engine.ping_interval = milliseconds(300);
    c.engine.ping_timeout = milliseconds(200);
    c.engine.max_payload = 1'000'000;
  }
  return c;
}

}  // namespace hearth::app
