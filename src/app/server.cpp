#include "app/server.hpp"

#include <atomic>
#include <iostream>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "app/conformance.hpp"
#include "app/sweeper.hpp"
#include "app/usage_recorder.hpp"
#include "auth/jwt.hpp"
#include "cluster/redis_bus.hpp"
#include "http/api/analytics_api.hpp"
#include "http/api/video_call_api.hpp"
#include "http/dev_token.hpp"
#include "http/metrics_endpoint.hpp"
#include "http/middleware/cors.hpp"
#include "http/request_handler.hpp"
#include "http/static_files.hpp"
#include "ice/ice_servers.hpp"
#include "metrics/exposition.hpp"
#include "net/listener.hpp"
#include "net/shards.hpp"
#include "realtime/engineio/server.hpp"
#include "realtime/socketio/client.hpp"
#include "signaling/errors.hpp"
#include "signaling/service.hpp"
#include "store/node_lock.hpp"
#include "store/postgres/pg_repository.hpp"
#include "store/sqlite/sqlite_repository.hpp"
#include "store/store.hpp"
#include "webhooks/dispatcher.hpp"

namespace hearth::app {
namespace asio = boost::asio;

namespace {

std::unique_ptr<store::Repository> open_repository(const std::string& database_url, store::OutboxOptions outbox = {},
                                                   store::PgOptions pg = {}) {
  // Webhooks: the outbox is off (nothing written) unless it has targets.
  if (store::is_postgres_url(database_url)) return store::open_postgres(database_url, std::move(outbox), pg);
  return std::make_unique<store::SqliteRepository>(store::sqlite_path_from_url(database_url), store::SqliteOptions{},
                                                   std::move(outbox));
}

// SQLite: one lane (one writer), batches of many operations (group commit). PostgreSQL: DATABASE_POOL_SIZE lanes,
// one connection each. A node alone on its database batches too, and keeps the sessions it wrote in memory
// (compare-and-set: docs/architecture.md, "The PostgreSQL store"). One node of several (REDIS_URL) does neither: the
// others write the same sessions, so copies in memory would mostly be stale, and a batch locking the sessions of
// several calls could deadlock against another node's. Migrates first, on the first connection.
store::Store open_store(const Config& cfg, const store::OutboxOptions& outbox) {
  bool first = true;
  store::PgOptions pg;  // one WrittenSessions for all the lanes of this node
  if (!cfg.redis_url.empty()) pg.written = nullptr;
  const auto open = [&] {
    auto repo = open_repository(cfg.database_url, outbox, pg);
    if (std::exchange(first, false)) {
      const int applied = repo->migrate();
      if (applied > 0) spdlog::info("applied {} migration(s); schema version {}", applied, repo->schema_version());
    }
    return repo;
  };
  if (!store::is_postgres_url(cfg.database_url)) return store::Store(open());
  // Group commit on PostgreSQL too (store.hpp): a batch's writes travel with its COMMIT (pg_connection.hpp).
  const std::size_t batch = cfg.redis_url.empty() ? store::StoreLimits{}.max_batch : 1;
  return store::Store(open, store::StoreLimits{.max_batch = batch, .lanes = cfg.database_pool_size});
}

auth::JwtConfig jwt_config(const Config& c) {
  auth::JwtConfig j;
  j.secret = c.jwt_secret;
  j.public_key_pem = c.jwt_public_key_pem;
  j.expected = c.jwt_expected;
  return j;
}

}  // namespace

int migrate_database(const std::string& database_url) { return open_repository(database_url)->migrate(); }

struct Server::Impl {
  explicit Impl(Config c)
      : cfg(std::move(c)),
        shards(cfg.threads),
        ioc(shards[0].context()),
        node_lock(cfg.redis_url.empty() ? store::open_node_lock(cfg.database_url) : nullptr),
        // A delivery claimed on PostgreSQL stays claimed for two attempt timeouts (store/outbox.hpp).
        store(open_store(cfg, store::OutboxOptions{cfg.webhooks.targets(), outbox_signal, 2 * cfg.webhooks.timeout})),
        verifier(jwt_config(cfg)),
        ice(cfg.ice),
        cors(cfg.cors_origins, cfg.cors_allow_any),
        auth_failures(cfg.auth_failures_per_minute),
        api(store, ice, clock, cfg.limits, cfg.development),
        analytics(store, clock, cfg.development),
        page(http::StaticFiles::load(cfg.web_root.empty() ? http::find_web_root() : std::filesystem::path(cfg.web_root),
                                     cfg.development)),
        dev_token(cfg.development && !cfg.jwt_secret.empty()
                      ? std::make_unique<http::DevTokenEndpoint>(cfg.jwt_secret, clock, cfg.jwt_expected)
                      : nullptr),
        handler(api, verifier, cors, clock, auth_failures,
                http::RequestHandlerConfig{cfg.rate_limit_per_minute, cfg.http.body_limit},
                [this](std::function<void(std::string)> done) { check_ready(std::move(done)); }),
        signaling(ioc, store, verifier, auth_failures, ice, clock, cfg.limits, cfg.signaling),
        engine(ioc, with_metrics(cfg.engine), cfg.websocket,
               [this](const std::shared_ptr<realtime::engineio::Session>& session, const net::Request&) {
                 session->set_handler(std::make_unique<realtime::socketio::Client>(
                     session, sio_options, [this](std::string_view nsp) { return namespace_for(nsp); }));
               }),
        signals(ioc, SIGINT, SIGTERM) {
    // A session that connects no namespace is as unauthenticated as one that does not sign in: the same timeout.
    sio_options.connect_timeout = cfg.signaling.auth_timeout;
    api.set_events(&signaling);
    handler.add_routes(analytics);
    handler.set_usage_counters(&usage);
    signaling.set_usage_counters(&usage);
    signaling.set_shards(shards.size());
    engine.set_placement([this](const net::Request& handshake) { return signaling.placement(handshake.target()); });
    if (!cfg.redis_url.empty()) start_bus();
    wire_metrics();
    // The seats a crash of this node's previous run left behind (a store operation: after wire_metrics(), which the
    // store needs before its first one).
    if (node_lock && node_lock->alone_at_start()) signaling.expire_previous_run();
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
    start_listeners();
    sweeper = std::make_shared<Sweeper>(
        ioc, store, clock, cfg.limits, cfg.sweep_interval,
        [this](std::vector<calls::CallSession> ended) {
          for (const auto& s : ended) signaling.ended(s);
        },
        [this](std::vector<calls::CallSession> closed) {
          for (const auto& s : closed) signaling.breakout_closed(s);
        });
    usage_recorder = std::make_shared<UsageRecorder>(ioc, store, clock, usage, &signaling::error_code);
    if (cfg.webhooks.enabled()) start_webhooks();
  }

  // One listener per shard on the same port (SO_REUSEPORT: the kernel spreads new connections over the shards),
  // counting their connections together. Another process could join such a group if it set SO_REUSEPORT too (same
  // user only); a plain bind first makes a port already in use (a second hearth-call) an error, as with one shard.
  void start_listeners() {
    asio::ip::tcp::endpoint ep(asio::ip::make_address(cfg.host), cfg.port);
    if (shards.size() > 1 && cfg.port != 0) {
      asio::ip::tcp::acceptor probe(ioc);
      probe.open(ep.protocol());
      probe.set_option(asio::socket_base::reuse_address(true));
      probe.bind(ep);  // throws "Address already in use"
    }
    const auto counts = net::ConnectionCounts::make(cfg.http);
    const bool reuse_port = shards.size() > 1;
    for (unsigned i = 0; i < shards.size(); ++i) {
      listeners.push_back(
          std::make_shared<net::Listener>(shards[i].context(), ep, handler, cfg.http, counts, reuse_port));
      ep = listeners.front()->local_endpoint();  // port 0: the others bind the port the first one got
    }
  }

  // Webhooks: the dispatcher wakes up on commits that wrote events; a drain lets its requests in flight finish
  // (what is not delivered stays in the outbox for the next start).
  void start_webhooks() {
    webhook_dispatcher = std::make_shared<webhooks::Dispatcher>(ioc, store, clock, cfg.webhooks, webhook_stats);
    outbox_signal->set([w = std::weak_ptr<webhooks::Dispatcher>(webhook_dispatcher)] {
      if (auto d = w.lock()) d->notify();
    });
    auto drained = std::make_shared<std::atomic<bool>>(false);
    drain_checks.push_back([this, drained, started = false]() mutable {
      if (!std::exchange(started, true)) webhook_dispatcher->drain(drain_deadline, [drained] { drained->store(true); });
      return drained->load();
    });
  }

  // GET /metrics: counted by the handler, signaling, Engine.IO and the store; served on the main port, or on its own
  // listener when METRICS_PORT is set.
  realtime::engineio::Options with_metrics(realtime::engineio::Options o) {
    o.metrics = &live_metrics;
    return o;
  }
  void wire_metrics() {
    store.set_metrics(&live_metrics);
    signaling.set_metrics(&live_metrics);
    metrics_endpoint = std::make_unique<http::MetricsEndpoint>(
        cfg.metrics_allow, [this] { return render_metrics(); }, cfg.development);
    handler.set_metrics(&live_metrics, cfg.metrics_port ? nullptr : metrics_endpoint.get());
    if (!cfg.metrics_port) return;
    metrics_handler = std::make_unique<http::MetricsHttpHandler>(*metrics_endpoint, cfg.development);
    metrics_listener = std::make_shared<net::Listener>(
        ioc, asio::ip::tcp::endpoint(asio::ip::make_address(cfg.host), *cfg.metrics_port), *metrics_handler, cfg.http);
  }
  std::string render_metrics() const {
    metrics::ScrapeInputs in;
    in.engineio_sessions = static_cast<std::int64_t>(engine.session_count());
    in.authenticated_users = static_cast<std::int64_t>(signaling.authenticated_users());
    in.store_queue_depth = static_cast<std::int64_t>(store.pending());
    in.store_queue_capacity = static_cast<std::int64_t>(store.max_queue());
    in.webhooks = webhook_dispatcher ? &webhook_stats : nullptr;
    in.signaling_code = &signaling::error_code;
    for (unsigned i = 0; i < shards.size(); ++i)
      in.shards.push_back({shards[i].tasks_sent(), shards[i].batches_sent(), shards[i].wakeups_sent()});
    return metrics::render(live_metrics.snapshot(), in);
  }
  void start_metrics_listener() {
    if (!metrics_listener) return;
    metrics_listener->run();
    const auto ep = metrics_listener->local_endpoint();
    const auto host = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
    std::cout << "hearth-call metrics on http://" << host << ":" << ep.port() << "/metrics" << std::endl;
  }

  realtime::socketio::NamespaceHandler* namespace_for(std::string_view nsp) {
    if (cfg.protocol_conformance) return nsp == "/" || nsp == "/custom" ? &conformance : nullptr;
    return nsp == "/" ? &signaling : nullptr;
  }

  // A node of a cluster: signaling reaches the other nodes over Redis (docs/architecture.md, "Several nodes").
  void start_bus() {
    bus = std::make_unique<cluster::RedisBus>(ioc.get_executor(), cfg.node_id, cfg.redis_url);
    bus->on_state([this, id = cfg.node_id](bool up) {
      bus_up_since.store(up ? steady_ms() : -1, std::memory_order_relaxed);
      if (up)
        spdlog::info("node {}: bus up (Redis)", id);
      else
        spdlog::warn("node {}: bus down (Redis): relays to other nodes refused until it is back", id);
    });
    signaling.set_bus(bus.get());
    bus->start();
  }

  void check_ready(std::function<void(std::string)> done) {
    if (bus) {
      const auto since = bus_up_since.load(std::memory_order_relaxed);
      if (since < 0 || !bus->up()) return done("Bus unavailable (Redis)");
      // The other nodes learn of this one from its heartbeat, read once a second: until they have, what they tell
      // every node (invitations, joins) would miss this one's clients.
      if (steady_ms() - since < kJoinClusterMs) return done("Joining the cluster");
    }
    store.execute<bool>(
        [](store::Repository& repo) -> Result<bool> {
          repo.ping();
          return true;
        },
        [done = std::move(done)](Result<bool> r) { done(r.ok() ? "" : "Store unavailable"); });
  }

  // SIGTERM/SIGINT. The first drains: /readyz 503 and Connection: close at once, no new connections, every
  // Engine.IO connection closed (a transport close: socket.io-client reconnects by itself, through a load balancer
  // to another node, where the stored seat is still its own), then waits for the requests in flight, the store's
  // queue and whatever else registered a drain check (webhook deliveries) — SHUTDOWN_TIMEOUT_SECONDS at most.
  // The second signal, or the timeout, stops at once. Either way nothing acknowledged is lost: answers and acks are
  // sent only after their commit, and the store's destructor commits what is still queued.
  void on_signal(int signal) {
    if (draining) {
      spdlog::warn("signal {} while draining: stopping now", signal);
      return stop_now();
    }
    draining = true;
    spdlog::info("signal {}: draining, {} s at most", signal, cfg.shutdown_timeout.count());
    handler.begin_drain();
    signaling.begin_drain();
    for (auto& l : listeners) l->stop();
    sweeper->stop();
    engine.close_all();
    if (echo_engine) echo_engine->close_all();
    drain_deadline = std::chrono::steady_clock::now() + cfg.shutdown_timeout;
    drain_timer = std::make_unique<asio::steady_timer>(signals.get_executor());
    signals.async_wait([this](boost::system::error_code ec, int sig) {
      if (!ec) on_signal(sig);
    });
    poll_drained();
  }

  bool drained() const {
    if (handler.in_flight() > 0 || store.pending() > 0) return false;
    for (const auto& check : drain_checks)
      if (!check()) return false;
    return true;
  }

  void poll_drained() {
    const auto now = std::chrono::steady_clock::now();
    if (now >= drain_deadline) {
      spdlog::warn("shutdown timeout ({} s): stopping with {} request(s) in flight, {} store operation(s) queued",
                   cfg.shutdown_timeout.count(), handler.in_flight(), store.pending());
      return stop_now();
    }
    // A first short wait lets the close frames and the answers just written leave.
    if (drained() && drain_polls > 0) {
      spdlog::info("drained; stopping");
      return stop_now();
    }
    ++drain_polls;
    drain_timer->expires_after(std::chrono::milliseconds(20));
    drain_timer->async_wait([this](boost::system::error_code ec) {
      if (!ec) poll_drained();
    });
  }

  void stop_now() {
    // The last counts, the answers of the drain included; the store's destructor commits them.
    usage_recorder->stop();
    if (bus) bus->stop();  // its heartbeat goes at once: the others need not wait for it to expire
    shards.stop();
  }

  // Declaration order is destruction order reversed: the shards outlive the store, whose destructor drains queued
  // operations whose completions post to connections' shards.
  Config cfg;
  SystemClock clock;
  net::Shards shards;     // one per I/O thread (cfg.threads): connections, sessions and calls
  asio::io_context& ioc;  // shard 0's: it also runs the timers of the whole process (sweeper, bus, drain, ...)
  // Before the store: its repository tells the webhook dispatcher (when there is one) of commits that wrote events.
  std::shared_ptr<store::OutboxSignal> outbox_signal = std::make_shared<store::OutboxSignal>();
  metrics::Metrics live_metrics;  // GET /metrics; before the store, whose thread counts into it
  // Held while this node runs, without REDIS_URL: says whether another node shares its database.
  std::unique_ptr<store::NodeLock> node_lock;
  store::Store store;
  auth::JwtVerifier verifier;
  ice::IceServers ice;
  http::CorsPolicy cors;
  RateLimiter auth_failures;     // failed authentications per client address, REST and Socket.IO alike
  metrics::UsageCounters usage;  // REST answers, Socket.IO events and errors, flushed by the usage recorder
  webhooks::WebhookStats webhook_stats;
  http::VideoCallApi api;
  http::AnalyticsApi analytics;
  std::unique_ptr<http::StaticFiles> page;            // the web client; null when its files are missing
  std::unique_ptr<http::DevTokenEndpoint> dev_token;  // development mode only
  http::RequestHandler handler;
  realtime::socketio::Options sio_options;
  ConformanceNamespace conformance;
  signaling::SignalingService signaling;
  std::unique_ptr<cluster::RedisBus> bus;      // REDIS_URL: a node of a cluster; after signaling, which it calls
  std::atomic<std::int64_t> bus_up_since{-1};  // steady ms the bus came up, -1 while down
  static constexpr std::int64_t kJoinClusterMs = 2'000;  // 2 heartbeat intervals
  static std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  realtime::engineio::Server engine;
  std::unique_ptr<realtime::engineio::Server> echo_engine;
  asio::signal_set signals;
  // The drain runs on shard 0.
  bool draining = false;
  std::chrono::steady_clock::time_point drain_deadline;
  std::unique_ptr<asio::steady_timer> drain_timer;
  int drain_polls = 0;
  std::vector<std::function<bool()>> drain_checks;        // more work a drain waits for (true: done); set before run()
  std::vector<std::shared_ptr<net::Listener>> listeners;  // one per shard
  std::unique_ptr<http::MetricsEndpoint> metrics_endpoint;
  std::unique_ptr<http::MetricsHttpHandler> metrics_handler;  // METRICS_PORT only
  std::shared_ptr<net::Listener> metrics_listener;            // METRICS_PORT only
  std::shared_ptr<Sweeper> sweeper;
  std::shared_ptr<UsageRecorder> usage_recorder;
  std::shared_ptr<webhooks::Dispatcher> webhook_dispatcher;  // null when WEBHOOK_URLS is unset
};

Server::Server(Config cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) {}
Server::~Server() = default;

int Server::run() {
  Impl& s = *impl_;
  s.signals.async_wait([&s](boost::system::error_code ec, int signal) {
    if (!ec) s.on_signal(signal);
  });
  for (auto& l : s.listeners) l->run();
  s.start_metrics_listener();
  s.sweeper->start();
  s.usage_recorder->start();
  if (s.webhook_dispatcher) s.webhook_dispatcher->start();
  const auto ep = s.listeners.front()->local_endpoint();
  const auto host = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
  std::cout << "hearth-call listening on http://" << host << ":" << ep.port() << std::endl;
  spdlog::info("listening on {}:{} with {} shard(s), store {}, {} mode", host, ep.port(), s.shards.size(),
               store::redact_password(s.cfg.database_url), s.cfg.development ? "development" : "production");
  // One thread per shard; an exception escaping a handler is logged and that shard's loop goes on.
  s.shards.run_all();
  return 0;
}

}  // namespace hearth::app
