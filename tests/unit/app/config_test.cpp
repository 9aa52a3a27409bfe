#include "app/config.hpp"

#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include <gtest/gtest.h>

// build_config: defaults, and every bad value refused with a ConfigError naming the variable, value and rule.
namespace hearth::app {
namespace {
using namespace std::chrono_literals;

const std::string kSecret = "0123456789abcdef";  // the shortest secret production accepts

RawOptions production() {
  RawOptions raw;
  raw.jwt_secret = kSecret;
  return raw;
}
RawOptions development() {
  RawOptions raw;
  raw.env = "development";
  return raw;
}

// The ConfigError message build_config throws, or "" if it accepts.
std::string refusal(const RawOptions& raw) {
  try {
    (void)build_config(raw);
    return {};
  } catch (const ConfigError& e) {
    return e.what();
  }
}

// A temporary folder, removed with everything in it.
class TempDir {
 public:
  TempDir()
      : path_(std::filesystem::temp_directory_path() /
              ("hearth-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(next_++))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name, std::ios::binary) << content;
    return (path_ / name).string();
  }
  std::string path() const { return path_.string(); }

 private:
  static inline int next_ = 0;
  std::filesystem::path path_;
};

// --- defaults ---------------------------------------------------------------------------------------------

TEST(ConfigDefaults, FollowTheReadme) {
  const Config c = build_config(production());
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 8080);
  EXPECT_EQ(c.database_url, "sqlite://./data/hearth-call.db");
  EXPECT_FALSE(c.development);
  EXPECT_EQ(c.jwt_secret, kSecret);
  EXPECT_FALSE(c.jwt_secret_generated);
  EXPECT_EQ(c.ice.stun_urls, ice::default_stun_urls());
  EXPECT_TRUE(c.ice.turn_urls.empty());
  EXPECT_EQ(c.ice.turn_credential_ttl, 21600s);
  EXPECT_EQ(c.limits.max_call_participants, 8);
  EXPECT_EQ(c.limits.max_invitees, 50);
  EXPECT_EQ(c.limits.ring_timeout, 60s);
  EXPECT_EQ(c.limits.call_timeout, 60min);
  EXPECT_EQ(c.sweep_interval, 30s);
  EXPECT_EQ(c.shutdown_timeout, 20s);
  EXPECT_TRUE(c.cors_origins.empty());
  EXPECT_FALSE(c.cors_allow_any);  // production: no origin unless listed
  EXPECT_EQ(c.rate_limit_per_minute, 120);
  EXPECT_EQ(c.auth_failures_per_minute, 60);
  EXPECT_EQ(c.threads, std::max(1U, std::thread::hardware_concurrency()));
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.engine.ping_interval, 25'000ms);
  EXPECT_EQ(c.engine.ping_timeout, 20'000ms);
  EXPECT_EQ(c.engine.max_payload, 1'000'000U);
  EXPECT_EQ(c.signaling.reconnect_grace, 15s);
  EXPECT_EQ(c.signaling.auth_timeout, 10s);
  EXPECT_EQ(c.signaling.events_per_second, 100);
  EXPECT_EQ(c.signaling.event_burst, 200);
  EXPECT_EQ(c.signaling.max_sockets_per_user, 16U);
  EXPECT_EQ(c.http.max_connections, 50'000U);
  EXPECT_EQ(c.http.max_connections_per_address, 1'000U);
  EXPECT_EQ(c.http.header_limit, 16'384U);
  EXPECT_EQ(c.http.body_limit, 65'536U);
  EXPECT_EQ(c.http.request_timeout, 30s);
  EXPECT_EQ(c.http.idle_timeout, 75s);
  EXPECT_EQ(c.websocket.max_queued_bytes, 1'048'576U);
  EXPECT_EQ(c.websocket.close_timeout, 5s);
  EXPECT_EQ(c.engine.max_queued_bytes, 4'194'304U);
  EXPECT_EQ(c.engine.upgrade_timeout, 10'000ms);
  EXPECT_EQ(c.engine.handshakes_per_minute, 1'200);
  EXPECT_EQ(c.engine.max_unauthenticated_sessions, 10'000U);
  EXPECT_EQ(c.engine.max_unauthenticated_per_address, 1'000U);
  EXPECT_FALSE(c.protocol_conformance);
}

TEST(ConfigLimits, EveryTransportLimitIsASetting) {
  RawOptions raw = production();
  raw.max_connections = "2000";
  raw.max_connections_per_address = "20";
  raw.http_header_limit_bytes = "4096";
  raw.rest_body_limit_bytes = "2048";
  raw.http_request_timeout_seconds = "5";
  raw.http_idle_timeout_seconds = "6";
  raw.websocket_send_queue_bytes = "100000";
  raw.polling_send_queue_bytes = "200000";
  raw.websocket_close_timeout_seconds = "2";
  raw.upgrade_timeout_ms = "3000";
  raw.engineio_handshakes_per_minute = "30";
  raw.max_unauthenticated_sessions = "40";
  raw.max_unauthenticated_per_address = "4";
  raw.max_sockets_per_user = "3";
  const Config c = build_config(raw);
  EXPECT_EQ(c.http.max_connections, 2000U);
  EXPECT_EQ(c.http.max_connections_per_address, 20U);
  EXPECT_EQ(c.http.header_limit, 4096U);
  EXPECT_EQ(c.http.body_limit, 2048U);
  EXPECT_EQ(c.http.request_timeout, 5s);
  EXPECT_EQ(c.http.idle_timeout, 6s);
  EXPECT_EQ(c.websocket.max_queued_bytes, 100'000U);
  EXPECT_EQ(c.engine.max_queued_bytes, 200'000U);
  EXPECT_EQ(c.websocket.close_timeout, 2s);
  EXPECT_EQ(c.engine.upgrade_timeout, 3000ms);
  EXPECT_EQ(c.engine.handshakes_per_minute, 30);
  EXPECT_EQ(c.engine.max_unauthenticated_sessions, 40U);
  EXPECT_EQ(c.engine.max_unauthenticated_per_address, 4U);
  EXPECT_EQ(c.signaling.max_sockets_per_user, 3U);
  // The per-address limit cannot exceed the total.
  raw.max_connections_per_address = "2001";
  EXPECT_EQ(refusal(raw), "MAX_CONNECTIONS_PER_ADDRESS must be an integer from 1 to 2000 (got '2001')");
}

TEST(ConfigDefaults, DevelopmentGeneratesASecretAndAllowsAnyOrigin) {
  const Config a = build_config(development());
  EXPECT_TRUE(a.development);
  EXPECT_TRUE(a.jwt_secret_generated);
  EXPECT_GE(a.jwt_secret.size(), 32U);
  EXPECT_TRUE(a.cors_allow_any);
  EXPECT_NE(build_config(development()).jwt_secret, a.jwt_secret);  // random, not a constant
}

TEST(ConfigDefaults, DevelopmentKeepsAGivenSecretEvenAShortOne) {
  RawOptions raw = development();
  raw.jwt_secret = "dev";
  const Config c = build_config(raw);
  EXPECT_EQ(c.jwt_secret, "dev");
  EXPECT_FALSE(c.jwt_secret_generated);
}

// --- HEARTH_ENV, HOST, PORT, DATABASE_URL -----------------------------------------------------------------

TEST(ConfigEnv, IsDevelopmentOrProduction) {
  RawOptions raw = production();
  raw.env = "production";
  EXPECT_FALSE(build_config(raw).development);
  for (const char* env : {"staging", "Development", "dev", "PRODUCTION"}) {
    raw.env = env;
    EXPECT_EQ(refusal(raw), std::string("HEARTH_ENV must be development or production (got '") + env + "')");
  }
}

TEST(ConfigHost, IsTakenAsGiven) {
  RawOptions raw = production();
  raw.host = "0.0.0.0";
  EXPECT_EQ(build_config(raw).host, "0.0.0.0");
}

TEST(ConfigPort, ZeroPicksAFreePort) {
  RawOptions raw = production();
  raw.port = "0";
  EXPECT_EQ(build_config(raw).port, 0);
}

TEST(ConfigDatabaseUrl, AcceptsTheSqliteForms) {
  for (const char* url : {"sqlite://./data/x.db", "sqlite:///var/lib/hearth/x.db", "sqlite::memory:"}) {
    RawOptions raw = production();
    raw.database_url = url;
    EXPECT_EQ(build_config(raw).database_url, url);
  }
}

TEST(ConfigDatabaseUrl, AcceptsPostgresAndAPoolSize) {
  for (const char* url : {"postgres://u:p@db/hearth", "postgresql://db/hearth"}) {
    RawOptions raw = production();
    raw.database_url = url;
    EXPECT_EQ(build_config(raw).database_url, url);
    EXPECT_EQ(build_config(raw).database_pool_size, 4u);  // alone: its lanes batch
    raw.redis_url = "redis://127.0.0.1:6379";
    raw.node_id = "n1";
    EXPECT_EQ(build_config(raw).database_pool_size, 8u);  // one of several: one operation per transaction
    raw.database_pool_size = "64";
    EXPECT_EQ(build_config(raw).database_pool_size, 64u);
    for (const char* bad : {"0", "65", "x"}) {
      raw.database_pool_size = bad;
      EXPECT_NE(refusal(raw).find("DATABASE_POOL_SIZE"), std::string::npos) << bad;
    }
  }
}

TEST(ConfigDatabaseUrl, RefusesOtherSchemesNamingBoth) {
  for (const auto& [url, named] : std::vector<std::pair<std::string, std::string>>{
           {"mysql://u:secret@db/hearth", "'mysql:'"}, {"./data/x.db", "no scheme"}, {"SQLITE://x.db", "'SQLITE:'"}}) {
    RawOptions raw = production();
    raw.database_url = url;
    const auto why = refusal(raw);
    EXPECT_EQ(
        why, "DATABASE_URL must start with sqlite: (sqlite://PATH) or postgres:// / postgresql:// (got " + named + ")");
    EXPECT_EQ(why.find("secret"), std::string::npos);
  }
}

// --- JWT --------------------------------------------------------------------------------------------------

TEST(ConfigJwt, ASecretIsRequiredInProduction) {
  EXPECT_EQ(refusal(RawOptions{}),
            "JWT_SECRET is required in production (or set HEARTH_ENV=development for a generated one)");
}

TEST(ConfigJwt, AProductionSecretHasAtLeast16Characters) {
  RawOptions raw = production();
  raw.jwt_secret = kSecret.substr(1);
  EXPECT_EQ(refusal(raw), "JWT_SECRET must be at least 16 characters in production");
}

TEST(ConfigJwt, APublicKeyFileReplacesTheSecretInProduction) {
  TempDir dir;
  const std::string pem = "-----BEGIN PUBLIC KEY-----\nMFkw...\n-----END PUBLIC KEY-----\n";
  RawOptions raw;
  raw.jwt_public_key_file = dir.write("key.pem", pem);
  const Config c = build_config(raw);
  EXPECT_EQ(c.jwt_public_key_pem, pem);
  EXPECT_EQ(c.jwt_secret, "");
  EXPECT_FALSE(c.jwt_secret_generated);
}

TEST(ConfigJwt, AnUnreadablePublicKeyFileIsRefused) {
  RawOptions raw = production();
  raw.jwt_public_key_file = "/nonexistent/hearth/key.pem";
  EXPECT_EQ(refusal(raw), "JWT_PUBLIC_KEY_FILE: cannot read '/nonexistent/hearth/key.pem'");
}

TEST(ConfigJwt, IssuerAndAudiencesAreOptionalAndChecked) {
  RawOptions raw = production();
  EXPECT_TRUE(build_config(raw).jwt_expected.issuer.empty());
  EXPECT_TRUE(build_config(raw).jwt_expected.audiences.empty());
  raw.jwt_issuer = "https://auth.hearth.example";
  raw.jwt_audience = " hearth-call , hearth-video ,";
  const Config c = build_config(raw);
  EXPECT_EQ(c.jwt_expected.issuer, "https://auth.hearth.example");
  EXPECT_EQ(c.jwt_expected.audiences, (std::vector<std::string>{"hearth-call", "hearth-video"}));

  raw.jwt_issuer = std::string(257, 'i');
  EXPECT_EQ(refusal(raw), "JWT_ISSUER: an entry is longer than 256 bytes");
  raw.jwt_issuer = "a\tb";
  EXPECT_EQ(refusal(raw), "JWT_ISSUER: control characters are not allowed");
  raw.jwt_issuer = "";
  raw.jwt_audience.clear();
  for (int i = 0; i < 17; ++i) raw.jwt_audience += "aud" + std::to_string(i) + ",";
  EXPECT_EQ(refusal(raw), "JWT_AUDIENCE: at most 16 audiences");
}

// --- ICE --------------------------------------------------------------------------------------------------

TEST(ConfigIce, ListsAreTrimmedAndEmptyItemsDropped) {
  RawOptions raw = production();
  raw.stun_servers = " stun:a.example:3478 ,, stun:b.example ,";
  raw.turn_server_url = "turn:t.example:3478, turns:t.example:5349";
  raw.turn_secret = "coturn-shared-secret";
  raw.turn_credential_ttl = "3600";
  const Config c = build_config(raw);
  EXPECT_EQ(c.ice.stun_urls, (std::vector<std::string>{"stun:a.example:3478", "stun:b.example"}));
  EXPECT_EQ(c.ice.turn_urls, (std::vector<std::string>{"turn:t.example:3478", "turns:t.example:5349"}));
  EXPECT_EQ(c.ice.turn_secret, "coturn-shared-secret");
  EXPECT_EQ(c.ice.turn_credential_ttl, 3600s);
}

TEST(ConfigIce, NoneMeansNoStunServer) {
  RawOptions raw = production();
  raw.stun_servers = "none";
  EXPECT_TRUE(build_config(raw).ice.stun_urls.empty());
}

TEST(ConfigIce, BadUrlsAndMissingTurnCredentialsAreRefused) {
  RawOptions raw = production();
  raw.stun_servers = "stun:a.example,https://b.example";
  EXPECT_EQ(refusal(raw), "STUN_SERVERS: 'https://b.example' must start with stun: or stuns:");

  raw = production();
  raw.turn_server_url = "stun:t.example";
  raw.turn_secret = "s";
  EXPECT_EQ(refusal(raw), "TURN_SERVER_URL: 'stun:t.example' must start with turn: or turns:");

  raw = production();
  raw.turn_server_url = "turn:t.example";
  raw.turn_username = "hearth";
  EXPECT_EQ(refusal(raw), "TURN_SERVER_URL needs TURN_USERNAME and TURN_PASSWORD, or TURN_SECRET");
  raw.turn_password = "p4ss";
  EXPECT_EQ(refusal(raw), "");
}

// --- CORS -------------------------------------------------------------------------------------------------

TEST(ConfigCors, AListAllowsOnlyThoseOrigins) {
  for (RawOptions raw : {production(), development()}) {
    raw.cors_origins = "https://app.example, https://admin.example";
    const Config c = build_config(raw);
    EXPECT_EQ(c.cors_origins, (std::vector<std::string>{"https://app.example", "https://admin.example"}));
    EXPECT_FALSE(c.cors_allow_any) << "development: " << c.development;
  }
}

TEST(ConfigCors, AStarAllowsAnyOrigin) {
  for (const char* origins : {"*", "https://app.example,*", " * "}) {
    RawOptions raw = production();
    raw.cors_origins = origins;
    EXPECT_TRUE(build_config(raw).cors_allow_any) << origins;
  }
}

// --- numbers ----------------------------------------------------------------------------------------------

TEST(ConfigNumbers, ConvertToTheirUnits) {
  RawOptions raw = production();
  raw.max_call_participants = "12";
  raw.max_invitees = "100";
  raw.call_ring_timeout_seconds = "45";
  raw.call_timeout_minutes = "90";
  raw.rate_limit_per_minute = "600";
  raw.auth_failures_per_minute = "7";
  raw.sweep_interval_seconds = "5";
  raw.shutdown_timeout_seconds = "7";
  raw.threads = "3";
  raw.ping_interval_ms = "1000";
  raw.ping_timeout_ms = "500";
  raw.max_payload_bytes = "2048";
  raw.reconnect_grace_seconds = "0";
  raw.auth_timeout_seconds = "2";
  raw.socket_events_per_second = "50";
  raw.log_level = "debug";
  const Config c = build_config(raw);
  EXPECT_EQ(c.limits.max_call_participants, 12);
  EXPECT_EQ(c.limits.max_invitees, 100);
  EXPECT_EQ(c.limits.ring_timeout, 45s);
  EXPECT_EQ(c.limits.call_timeout, 90min);
  EXPECT_EQ(c.rate_limit_per_minute, 600);
  EXPECT_EQ(c.auth_failures_per_minute, 7);
  EXPECT_EQ(c.sweep_interval, 5s);
  EXPECT_EQ(c.shutdown_timeout, 7s);
  EXPECT_EQ(c.threads, 3U);
  EXPECT_EQ(c.engine.ping_interval, 1000ms);
  EXPECT_EQ(c.engine.ping_timeout, 500ms);
  EXPECT_EQ(c.engine.max_payload, 2048U);
  EXPECT_EQ(c.signaling.reconnect_grace, 0s);
  EXPECT_EQ(c.signaling.auth_timeout, 2s);
  EXPECT_EQ(c.signaling.events_per_second, 50);
  EXPECT_EQ(c.signaling.event_burst, 100);  // twice the rate
  EXPECT_EQ(c.log_level, "debug");
}

struct IntegerOption {
  const char* name;
  std::string RawOptions::*field;
  long long min;
  long long max;
};

class ConfigInteger : public ::testing::TestWithParam<IntegerOption> {
 protected:
  std::string refusal_of(const std::string& value) const {
    RawOptions raw = production();
    raw.*GetParam().field = value;
    return refusal(raw);
  }
  std::string message(const std::string& value) const {
    return std::string(GetParam().name) + " must be an integer from " + std::to_string(GetParam().min) + " to " +
           std::to_string(GetParam().max) + " (got '" + value + "')";
  }
};

TEST_P(ConfigInteger, AcceptsItsBounds) {
  EXPECT_EQ(refusal_of(std::to_string(GetParam().min)), "");
  EXPECT_EQ(refusal_of(std::to_string(GetParam().max)), "");
}

TEST_P(ConfigInteger, RefusesValuesOutsideItsRange) {
  for (const auto& value : {std::to_string(GetParam().min - 1), std::to_string(GetParam().max + 1)})
    EXPECT_EQ(refusal_of(value), message(value));
}

TEST_P(ConfigInteger, RefusesWhatIsNotAnInteger) {
  for (const std::string value : {"abc", "10x", " 10", "10 ", "+10", "1.5", "1e3", "0x10", "99999999999999999999"})
    EXPECT_EQ(refusal_of(value), message(value));
}

INSTANTIATE_TEST_SUITE_P(
    EveryOption, ConfigInteger,
    ::testing::Values(
        IntegerOption{"PORT", &RawOptions::port, 0, 65535},
        IntegerOption{"TURN_CREDENTIAL_TTL_SECONDS", &RawOptions::turn_credential_ttl, 60, 7 * 86400},
        IntegerOption{"MAX_CALL_PARTICIPANTS", &RawOptions::max_call_participants, 2, 64},
        IntegerOption{"MAX_INVITEES", &RawOptions::max_invitees, 1, 1000},
        IntegerOption{"CALL_TIMEOUT_MINUTES", &RawOptions::call_timeout_minutes, 1, 7 * 24 * 60},
        IntegerOption{"CALL_RING_TIMEOUT_SECONDS", &RawOptions::call_ring_timeout_seconds, 1, 3600},
        IntegerOption{"RATE_LIMIT_PER_MINUTE", &RawOptions::rate_limit_per_minute, 1, 100'000'000},
        IntegerOption{"AUTH_FAILURES_PER_MINUTE", &RawOptions::auth_failures_per_minute, 1, 100'000'000},
        IntegerOption{"SWEEP_INTERVAL_SECONDS", &RawOptions::sweep_interval_seconds, 1, 3600},
        IntegerOption{"SHUTDOWN_TIMEOUT_SECONDS", &RawOptions::shutdown_timeout_seconds, 1, 3600},
        IntegerOption{"HEARTH_THREADS", &RawOptions::threads, 1, 256},
        IntegerOption{"PING_INTERVAL_MS", &RawOptions::ping_interval_ms, 100, 600'000},
        IntegerOption{"PING_TIMEOUT_MS", &RawOptions::ping_timeout_ms, 100, 600'000},
        IntegerOption{"MAX_PAYLOAD_BYTES", &RawOptions::max_payload_bytes, 1024, 100'000'000},
        IntegerOption{"RECONNECT_GRACE_SECONDS", &RawOptions::reconnect_grace_seconds, 0, 3600},
        IntegerOption{"AUTH_TIMEOUT_SECONDS", &RawOptions::auth_timeout_seconds, 1, 3600},
        IntegerOption{"SOCKET_EVENTS_PER_SECOND", &RawOptions::socket_events_per_second, 1, 10'000'000},
        IntegerOption{"MAX_CONNECTIONS", &RawOptions::max_connections, 1, 10'000'000},
        IntegerOption{"MAX_CONNECTIONS_PER_ADDRESS", &RawOptions::max_connections_per_address, 1, 50'000},
        IntegerOption{"HTTP_HEADER_LIMIT_BYTES", &RawOptions::http_header_limit_bytes, 1024, 1024 * 1024},
        IntegerOption{"REST_BODY_LIMIT_BYTES", &RawOptions::rest_body_limit_bytes, 1024, 100'000'000},
        IntegerOption{"HTTP_REQUEST_TIMEOUT_SECONDS", &RawOptions::http_request_timeout_seconds, 1, 3600},
        IntegerOption{"HTTP_IDLE_TIMEOUT_SECONDS", &RawOptions::http_idle_timeout_seconds, 1, 86'400},
        IntegerOption{"WEBSOCKET_SEND_QUEUE_BYTES", &RawOptions::websocket_send_queue_bytes, 64 * 1024, 1'000'000'000},
        IntegerOption{"POLLING_SEND_QUEUE_BYTES", &RawOptions::polling_send_queue_bytes, 64 * 1024, 1'000'000'000},
        IntegerOption{"WEBSOCKET_CLOSE_TIMEOUT_SECONDS", &RawOptions::websocket_close_timeout_seconds, 1, 600},
        IntegerOption{"UPGRADE_TIMEOUT_MS", &RawOptions::upgrade_timeout_ms, 100, 600'000},
        IntegerOption{"ENGINEIO_HANDSHAKES_PER_MINUTE", &RawOptions::engineio_handshakes_per_minute, 1, 100'000'000},
        IntegerOption{"MAX_UNAUTHENTICATED_SESSIONS", &RawOptions::max_unauthenticated_sessions, 1, 10'000'000},
        IntegerOption{"MAX_UNAUTHENTICATED_PER_ADDRESS", &RawOptions::max_unauthenticated_per_address, 1, 10'000'000},
        IntegerOption{"MAX_SOCKETS_PER_USER", &RawOptions::max_sockets_per_user, 1, 10'000}),
    [](const ::testing::TestParamInfo<IntegerOption>& param) { return std::string(param.param.name); });

// --- LOG_LEVEL, WEB_ROOT, conformance mode ----------------------------------------------------------------

TEST(ConfigMoveSockets, IsOnByDefaultAndOnlyOnOrOff) {
  RawOptions raw = production();
  EXPECT_TRUE(build_config(raw).signaling.move_sockets);
  raw.move_sockets = "off";
  EXPECT_FALSE(build_config(raw).signaling.move_sockets);
  raw.move_sockets = "on";
  EXPECT_TRUE(build_config(raw).signaling.move_sockets);
  raw.move_sockets = "false";
  EXPECT_EQ(refusal(raw), "MOVE_SOCKETS_TO_CALLS must be on or off (got 'false')");
}

TEST(ConfigLogLevel, IsOneOfTheSpdlogLevels) {
  RawOptions raw = production();
  for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
    raw.log_level = level;
    EXPECT_EQ(build_config(raw).log_level, level);
  }
  for (const char* level : {"INFO", "warning", "critical", "verbose"}) {
    raw.log_level = level;
    EXPECT_EQ(refusal(raw),
              std::string("LOG_LEVEL must be trace, debug, info, warn, error or off (got '") + level + "')");
  }
}

TEST(ConfigWebRoot, MustBeAFolderWithAnIndexHtml) {
  TempDir dir;
  RawOptions raw = production();
  raw.web_root = dir.path();
  EXPECT_EQ(refusal(raw), "WEB_ROOT must be a folder with an index.html (got '" + dir.path() + "')");
  dir.write("index.html", "<!doctype html>");
  EXPECT_EQ(build_config(raw).web_root, dir.path());
}

TEST(ConfigConformance, UsesTheTestSuitesTimings) {
  RawOptions raw = production();
  raw.ping_interval_ms = "9000";
  raw.protocol_conformance = true;
  const Config c = build_config(raw);
  EXPECT_TRUE(c.protocol_conformance);
  EXPECT_EQ(c.engine.ping_interval, 300ms);
  EXPECT_EQ(c.engine.ping_timeout, 200ms);
  EXPECT_EQ(c.engine.max_payload, 1'000'000U);
}

}  // namespace
}  // namespace hearth::app
