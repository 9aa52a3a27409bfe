#include "app/server.hpp"

#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "app/conformance.hpp"
#include "app/sweeper.hpp"
#include "app/usage_recorder.hpp"
#include "auth/jwt.hpp"
#include "http/api/analytics_api.hpp"
#include "http/api/video_call_api.hpp"
#include "http/dev_token.hpp"
#include "http/middleware/cors.hpp"
#include "http/request_handler.hpp"
#include "http/static_files.hpp"
#include "ice/ice_servers.hpp"
#include "net/listener.hpp"
#include "net/serial_executor.hpp"
#include "realtime/engineio/server.hpp"
#include "realtime/socketio/client.hpp"
#include "signaling/errors.hpp"
#include "signaling/service.hpp"
#include "store/sqlite/sqlite_repository.hpp"
#include "store/store.hpp"

namespace hearth::app {
namespace asio = boost::asio;

namespace {

std::unique_ptr<store::Repository> open_repository(const std::string& database_url) {
  auto repo = std::make_unique<store::SqliteRepository>(store::sqlite_path_from_url(database_url));
  const int applied = repo->migrate();
  if (applied > 0) spdlog::info("applied {} migration(s); schema version {}", applied, repo->schema_version());
  return repo;
}

auth::JwtConfig jwt_config(const Config& c) {
  auth::JwtConfig j;
  j.secret = c.jwt_secret;
  j.public_key_pem = c.jwt_public_key_pem;
  return j;
}

}  // namespace

int migrate_database(const std::string& database_url) {
  store::SqliteRepository repo(store::sqlite_path_from_url(database_url));
  return repo.migrate();
}

struct Server::Impl {
  explicit Impl(Config c)
      : cfg(std::move(c)),
        ioc(static_cast<int>(cfg.threads)),
        store(open_repository(cfg.database_url)),
        verifier(jwt_config(cfg)),
        ice(cfg.ice),
        cors(cfg.cors_origins, cfg.cors_allow_any),
        auth_failures(cfg.auth_failures_per_minute),
        api(store, ice, clock, cfg.limits, cfg.development),
        analytics(store, clock, cfg.development),
        page(http::StaticFiles::load(cfg.web_root.empty() ? http::find_web_root() : std::filesystem::path(cfg.web_root),
                                     cfg.development)),
        dev_token(cfg.development && !cfg.jwt_secret.empty()
                      ? std::make_unique<http::DevTokenEndpoint>(cfg.jwt_secret, clock)
                      : nullptr),
        handler(api, verifier, cors, clock, auth_failures,
                http::RequestHandlerConfig{cfg.rate_limit_per_minute, cfg.http.body_limit},
                [this](std::function<void(bool)> done) { check_ready(std::move(done)); }),
        signaling(ioc, store, verifier, auth_failures, ice, clock, cfg.limits, cfg.signaling),
        engine(ioc, cfg.engine, cfg.websocket,
               [this](const std::shared_ptr<realtime::engineio::Session>& session, const net::Request&) {
                 session->set_handler(std::make_unique<realtime::socketio::Client>(
                     session, sio_options, [this](std::string_view nsp) { return namespace_for(nsp); }));
               }),
        signals(ioc, SIGINT, SIGTERM) {
    net::set_io_threads(ioc, cfg.threads);  // one thread: connections and rooms without strands
    // A session that connects no namespace is as unauthenticated as one that does not sign in: the same timeout.
    sio_options.connect_timeout = cfg.signaling.auth_timeout;
    api.set_events(&signaling);
    handler.add_routes(analytics);
    handler.set_usage_counters(&usage);
    signaling.set_usage_counters(&usage);
    // Mount order is match order: the page owns exactly its files (/socket.io/socket.io.js among them) before
    // Engine.IO takes the rest of /socket.io/.
    if (page) handler.mount(*page);
    if (dev_token) handler.mount(*dev_token);
    handler.mount(engine);
    if (cfg.protocol_conformance) {
      sio_options.connect_timeout = std::chrono::milliseconds(1000);
      realtime::engineio::Options bare = cfg.engine;
      bare.path = "/engine.io/";
      echo_engine = std::make_unique<realtime::engineio::Server>(
          ioc, bare, cfg.websocket,
          [](const std::shared_ptr<realtime::engineio::Session>& session, const net::Request&) {
            session->set_handler(std::make_unique<EchoSession>(session));
          });
      handler.mount(*echo_engine);
      spdlog::warn("protocol conformance mode: /engine.io/ echoes, /socket.io/ serves the test-suite namespaces");
    }
    listener = std::make_shared<net::Listener>(ioc, asio::ip::tcp::endpoint(asio::ip::make_address(cfg.host), cfg.port),
                                               handler, cfg.http);
    sweeper = std::make_shared<Sweeper>(ioc, store, clock, cfg.limits, cfg.sweep_interval,
                                        [this](std::vector<calls::CallSession> ended) {
                                          for (const auto& s : ended) signaling.ended(s);
                                        });
    usage_recorder = std::make_shared<UsageRecorder>(ioc, store, clock, usage, &signaling::error_code);
  }

  realtime::socketio::NamespaceHandler* namespace_for(std::string_view nsp) {
    if (cfg.protocol_conformance) return nsp == "/" || nsp == "/custom" ? &conformance : nullptr;
    return nsp == "/" ? &signaling : nullptr;
  }

  void check_ready(std::function<void(bool)> done) {
    store.execute<bool>(
        [](store::Repository& repo) -> Result<bool> {
          repo.ping();
          return true;
        },
        [done = std::move(done)](Result<bool> r) { done(r.ok()); });
  }

  void shut_down() {
    spdlog::info("shutting down");
    listener->stop();
    sweeper->stop();
    engine.close_all();
    if (echo_engine) echo_engine->close_all();
    // Give in-flight requests a moment to get their answers, then stop the loop; the store's destructor
    // commits whatever is still queued.
    auto timer = std::make_shared<asio::steady_timer>(ioc);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [this, timer, deadline, poll] {
      if (store.pending() == 0 || std::chrono::steady_clock::now() >= deadline) {
        // The last counts, the answers of the grace included; the store's destructor commits them.
        usage_recorder->stop();
        ioc.stop();
        *poll = nullptr;  // break the self-reference
        return;
      }
      timer->expires_after(std::chrono::milliseconds(20));
      timer->async_wait([poll](boost::system::error_code) {
        if (*poll) (*poll)();
      });
    };
    (*poll)();
  }

  // Declaration order is destruction order reversed: the io_context outlives the store, whose destructor
  // drains queued operations whose completions post to connection strands.
  Config cfg;
  SystemClock clock;
  asio::io_context ioc;
  store::Store store;
  auth::JwtVerifier verifier;
  ice::IceServers ice;
  http::CorsPolicy cors;
  RateLimiter auth_failures;     // failed authentications per client address, REST and Socket.IO alike
  metrics::UsageCounters usage;  // REST answers, Socket.IO events and errors, flushed by the usage recorder
  http::VideoCallApi api;
  http::AnalyticsApi analytics;
  std::unique_ptr<http::StaticFiles> page;            // the web client; null when its files are missing
  std::unique_ptr<http::DevTokenEndpoint> dev_token;  // development mode only
  http::RequestHandler handler;
  realtime::socketio::Options sio_options;
  ConformanceNamespace conformance;
  signaling::SignalingService signaling;
  realtime::engineio::Server engine;
  std::unique_ptr<realtime::engineio::Server> echo_engine;
  asio::signal_set signals;
  std::shared_ptr<net::Listener> listener;
  std::shared_ptr<Sweeper> sweeper;
  std::shared_ptr<UsageRecorder> usage_recorder;
};

Server::Server(Config cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) {}
Server::~Server() = default;

int Server::run() {
  Impl& s = *impl_;
  s.signals.async_wait([&s](boost::system::error_code ec, int) {
    if (!ec) s.shut_down();
  });
  s.listener->run();
  s.sweeper->start();
  s.usage_recorder->start();
  const auto ep = s.listener->local_endpoint();
  const auto host = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
  std::cout << "hearth-call listening on http://" << host << ":" << ep.port() << std::endl;
  spdlog::info("listening on {}:{} with {} thread(s), store {}, {} mode", host, ep.port(), s.cfg.threads,
               s.cfg.database_url, s.cfg.development ? "development" : "production");

  // The last line of defence: an exception escaping a handler is logged and the loop goes on.
  auto run_loop = [&s] {
    for (;;) {
      try {
        s.ioc.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("unhandled exception in an I/O thread: {}", e.what());
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < s.cfg.threads; ++i) threads.emplace_back(run_loop);
  run_loop();
  for (auto& t : threads) t.join();
  return 0;
}

}  // namespace hearth::app
