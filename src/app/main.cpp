// hearth-call: serve | token | migrate. Arguments -> config -> run; configuration errors exit 2 with a message.
#include <csignal>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "app/config.hpp"
#include "app/server.hpp"
#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "core/setting_values.hpp"

namespace {

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("hearth");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

void print_dev_banner(const hearth::app::Config& cfg) {
  if (!cfg.development) return;
  const hearth::SystemClock clock;
  if (cfg.jwt_secret_generated) std::cout << "development mode: generated JWT_SECRET=" << cfg.jwt_secret << "\n";
  if (cfg.jwt_secret.empty()) return;
  for (auto [user, name] : {std::pair{"alice", "Alice"}, std::pair{"bob", "Bob"}})
    std::cout << "demo token for " << user << ": "
              << hearth::auth::mint_hs256(cfg.jwt_secret, user, name, "user", std::chrono::hours(24), clock.now(),
                                          cfg.jwt_expected)
              << "\n";
  std::cout.flush();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hearth-call: video-call backend (REST API + Socket.IO signaling)"};
  app.require_subcommand(1);

  hearth::app::RawOptions serve_raw;
  auto* serve = app.add_subcommand("serve", "Run the server");
  hearth::app::add_serve_options(*serve, serve_raw);

  std::string user, name, role = "user", ttl = "1h", secret;
  auto* token = app.add_subcommand("token", "Mint a development JWT signed with JWT_SECRET (HS256)");
  token->add_option("--user", user, "user id (sub)")->required();
  token->add_option("--name", name, "display name");
  token->add_option("--role", role, "role (default user)");
  token->add_option("--ttl", ttl, "lifetime: 90s, 15m, 1h, 7d (default 1h)");
  token->add_option("--jwt-secret", secret, "signing secret [env JWT_SECRET]")->envname("JWT_SECRET");
  hearth::auth::ExpectedClaims token_claims;
  std::string token_audience;
  token->add_option("--issuer", token_claims.issuer, "iss claim [env JWT_ISSUER]")->envname("JWT_ISSUER");
  token->add_option("--audience", token_audience, "aud claim: the first of a comma list [env JWT_AUDIENCE]")
      ->envname("JWT_AUDIENCE");

  hearth::app::RawOptions migrate_raw;
  auto* migrate = app.add_subcommand("migrate", "Apply database schema migrations and exit");
  hearth::app::add_database_option(*migrate, migrate_raw);

  CLI11_PARSE(app, argc, argv);

  try {
    if (*token) {
      if (secret.empty()) throw hearth::app::ConfigError("JWT_SECRET (or --jwt-secret) is required to sign a token");
      auto lifetime = hearth::auth::parse_ttl(ttl);
      if (!lifetime) throw hearth::app::ConfigError("--ttl must look like 90s, 15m, 1h or 7d (got '" + ttl + "')");
      token_claims.audiences = hearth::split_list(token_audience);
      std::cout << hearth::auth::mint_hs256(secret, user, name, role, *lifetime, hearth::SystemClock{}.now(),
                                            token_claims)
                << "\n";
      return 0;
    }
    if (*migrate) {
      setup_logging("info");
      const auto url =
          migrate_raw.database_url.empty() ? std::string("sqlite://./data/hearth-call.db") : migrate_raw.database_url;
      const int applied = hearth::app::migrate_database(url);
      std::cout << "applied " << applied << " migration(s)\n";
      return 0;
    }
    auto cfg = hearth::app::build_config(serve_raw);
    // A file-size limit (RLIMIT_FSIZE) reached by the database must fail that write (EFBIG: the store answers 503,
    // "Storage full"), not kill the process.
    std::signal(SIGXFSZ, SIG_IGN);
    setup_logging(cfg.log_level);
    print_dev_banner(cfg);
    hearth::app::Server server(std::move(cfg));
    return server.run();
  } catch (const hearth::app::ConfigError& e) {
    std::cerr << "hearth-call: configuration error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "hearth-call: " << e.what() << "\n";
    return 1;
  }
}
