#include "app/config.hpp"

#include <cstdlib>
#include <optional>

#include <gtest/gtest.h>

// The serve options as declared for CLI11: every environment variable has a flag, and the flag wins.
// These tests set environment variables of the test process (restored afterwards); they run on one thread.
namespace hearth::app {
namespace {

// Sets (or unsets) an environment variable for the scope, restoring the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// Parses `command_line` (without the program name) as the serve command does.
RawOptions parse(const std::string& command_line) {
  CLI::App app;
  RawOptions raw;
  add_serve_options(app, raw);
  app.parse(command_line, false);
  return raw;
}

struct Option {
  const char* env;
  const char* flag;
  std::string RawOptions::*field;
};

class ServeOption : public ::testing::TestWithParam<Option> {};

TEST_P(ServeOption, IsReadFromTheEnvironment) {
  const ScopedEnv env(GetParam().env, "from-env");
  EXPECT_EQ(parse("").*GetParam().field, "from-env");
}

TEST_P(ServeOption, TheFlagWinsOverTheEnvironment) {
  const ScopedEnv env(GetParam().env, "from-env");
  EXPECT_EQ(parse(std::string(GetParam().flag) + " from-flag").*GetParam().field, "from-flag");
}

TEST_P(ServeOption, IsEmptyWhenNeitherIsGiven) {
  const ScopedEnv env(GetParam().env, std::nullopt);
  EXPECT_EQ(parse("").*GetParam().field, "");
}

// Flags are the variable's name in kebab case, except HEARTH_ENV, HEARTH_THREADS and TURN_CREDENTIAL_TTL_SECONDS.
INSTANTIATE_TEST_SUITE_P(
    Every, ServeOption,
    ::testing::Values(
        Option{"HOST", "--host", &RawOptions::host}, Option{"PORT", "--port", &RawOptions::port},
        Option{"HEARTH_ENV", "--env", &RawOptions::env},
        Option{"DATABASE_URL", "--database-url", &RawOptions::database_url},
        Option{"JWT_SECRET", "--jwt-secret", &RawOptions::jwt_secret},
        Option{"JWT_PUBLIC_KEY_FILE", "--jwt-public-key-file", &RawOptions::jwt_public_key_file},
        Option{"JWT_ISSUER", "--jwt-issuer", &RawOptions::jwt_issuer},
        Option{"JWT_AUDIENCE", "--jwt-audience", &RawOptions::jwt_audience},
        Option{"STUN_SERVERS", "--stun-servers", &RawOptions::stun_servers},
        Option{"TURN_SERVER_URL", "--turn-server-url", &RawOptions::turn_server_url},
        Option{"TURN_USERNAME", "--turn-username", &RawOptions::turn_username},
        Option{"TURN_PASSWORD", "--turn-password", &RawOptions::turn_password},
        Option{"TURN_SECRET", "--turn-secret", &RawOptions::turn_secret},
        Option{"TURN_CREDENTIAL_TTL_SECONDS", "--turn-credential-ttl", &RawOptions::turn_credential_ttl},
        Option{"MAX_CALL_PARTICIPANTS", "--max-call-participants", &RawOptions::max_call_participants},
        Option{"MAX_INVITEES", "--max-invitees", &RawOptions::max_invitees},
        Option{"CALL_RING_TIMEOUT_SECONDS", "--call-ring-timeout-seconds", &RawOptions::call_ring_timeout_seconds},
        Option{"CALL_TIMEOUT_MINUTES", "--call-timeout-minutes", &RawOptions::call_timeout_minutes},
        Option{"SWEEP_INTERVAL_SECONDS", "--sweep-interval-seconds", &RawOptions::sweep_interval_seconds},
        Option{"CORS_ORIGINS", "--cors-origins", &RawOptions::cors_origins},
        Option{"RATE_LIMIT_PER_MINUTE", "--rate-limit-per-minute", &RawOptions::rate_limit_per_minute},
        Option{"AUTH_FAILURES_PER_MINUTE", "--auth-failures-per-minute", &RawOptions::auth_failures_per_minute},
        Option{"HEARTH_THREADS", "--threads", &RawOptions::threads},
        Option{"PING_INTERVAL_MS", "--ping-interval-ms", &RawOptions::ping_interval_ms},
        Option{"PING_TIMEOUT_MS", "--ping-timeout-ms", &RawOptions::ping_timeout_ms},
        Option{"MAX_PAYLOAD_BYTES", "--max-payload-bytes", &RawOptions::max_payload_bytes},
        Option{"RECONNECT_GRACE_SECONDS", "--reconnect-grace-seconds", &RawOptions::reconnect_grace_seconds},
        Option{"MOVE_SOCKETS_TO_CALLS", "--move-sockets-to-calls", &RawOptions::move_sockets},
        Option{"AUTH_TIMEOUT_SECONDS", "--auth-timeout-seconds", &RawOptions::auth_timeout_seconds},
        Option{"SOCKET_EVENTS_PER_SECOND", "--socket-events-per-second", &RawOptions::socket_events_per_second},
        Option{"LOG_LEVEL", "--log-level", &RawOptions::log_level},
        Option{"WEB_ROOT", "--web-root", &RawOptions::web_root},
        Option{"ICE_TRANSPORT_POLICY", "--ice-transport-policy", &RawOptions::ice_transport_policy},
        Option{"SHUTDOWN_TIMEOUT_SECONDS", "--shutdown-timeout-seconds", &RawOptions::shutdown_timeout_seconds},
        Option{"METRICS_PORT", "--metrics-port", &RawOptions::metrics_port},
        Option{"METRICS_ALLOW", "--metrics-allow", &RawOptions::metrics_allow}),
    [](const ::testing::TestParamInfo<Option>& param) { return std::string(param.param.env); });

TEST(ServeOptions, AValueFromTheEnvironmentIsValidatedLikeAFlag) {
  const ScopedEnv port("PORT", "http");
  const ScopedEnv secret("JWT_SECRET", "0123456789abcdef");
  EXPECT_THROW((void)build_config(parse("")), ConfigError);
  EXPECT_EQ(build_config(parse("--port 9001")).port, 9001);
}

TEST(ServeOptions, ProtocolConformanceIsAFlagOnly) {
  EXPECT_FALSE(parse("").protocol_conformance);
  EXPECT_TRUE(parse("--protocol-conformance").protocol_conformance);
}

TEST(ServeOptions, UnknownFlagsAreRefused) { EXPECT_THROW((void)parse("--prot 80"), CLI::ParseError); }

TEST(DatabaseOption, MigrateReadsDatabaseUrlAlone) {
  const ScopedEnv env("DATABASE_URL", "sqlite::memory:");
  CLI::App app;
  RawOptions raw;
  add_database_option(app, raw);
  app.parse("", false);
  EXPECT_EQ(raw.database_url, "sqlite::memory:");
  EXPECT_THROW(app.parse("--port 80", false), CLI::ParseError);
}

}  // namespace
}  // namespace hearth::app
