#include "webhooks/dispatcher.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "webhooks/signature.hpp"
#include "webhooks/tls.hpp"

namespace hearth::webhooks {

namespace asio = boost::asio;

namespace {

std::string stream_of(const store::OutboxDelivery& d) { return d.target + '\n' + d.session_id; }

}  // namespace

Dispatcher::Dispatcher(asio::io_context& ioc, store::Store& store, const Clock& clock, WebhookOptions options,
                       WebhookStats& stats)
    : strand_(asio::make_strand(ioc)),
      store_(store),
      clock_(clock),
      options_(std::move(options)),
      stats_(stats),
      timer_(strand_),
      drain_timer_(strand_),
      tls_(options_.tls || !options_.uses_tls() ? options_.tls : make_tls_context(options_.ca_file)),
      pool_(make_connection_pool(strand_, PoolLimits{.max_idle_per_origin = options_.max_in_flight})),
      rng_(std::random_device{}()) {}

const WebhookUrl* Dispatcher::url_of(const std::string& target) const {
  for (const auto& u : options_.urls)
    if (u.url == target) return &u;
  return nullptr;
}

void Dispatcher::start() {
  store_.execute<std::int64_t>(
      [targets = options_.targets()](store::Repository& repo) -> Result<std::int64_t> {
        return repo.forget_targets(targets);
      },
      [self = shared_from_this()](Result<std::int64_t> res) {
        if (res && *res > 0)
          spdlog::warn("webhooks: removed {} undelivered event(s) for URLs no longer in WEBHOOK_URLS", *res);
        if (!res) spdlog::warn("webhooks: could not clean the outbox up: {}", res.error().message);
        asio::post(self->strand_, [self] { self->claim(); });
      });
}

void Dispatcher::notify() {
  asio::post(strand_, [self = shared_from_this()] { self->claim(); });
}

void Dispatcher::claim() {
  if (draining_) return;
  if (claiming_) {
    again_ = true;
    return;
  }
  if (busy_.size() >= options_.max_in_flight) return;  // a settled delivery claims again
  claiming_ = true;
  again_ = false;
  // The heads of busy streams come back too (they are not due-marked): ask for enough to fill every free slot.
  const int limit = static_cast<int>(options_.max_in_flight + busy_.size());
  store_.execute<store::DueDeliveries>(
      [now = clock_.now(), limit](store::Repository& repo) -> Result<store::DueDeliveries> {
        return repo.due_deliveries(now, limit);
      },
      [self = shared_from_this()](Result<store::DueDeliveries> res) {
        asio::post(self->strand_, [self, res = std::move(res)]() mutable { self->on_claimed(std::move(res)); });
      });
}

void Dispatcher::on_claimed(Result<store::DueDeliveries> res) {
  claiming_ = false;
  if (!res) {
    spdlog::warn("webhooks: could not read the outbox: {}", res.error().message);
    arm_timer(clock_.now() + std::chrono::seconds(1));
    return check_drained();
  }
  stats_.pending.store(res->pending, std::memory_order_relaxed);
  if (draining_) return check_drained();
  for (auto& d : res->due) {
    if (busy_.size() >= options_.max_in_flight) {
      again_ = true;  // more is due than the slots allow: look again when one frees up
      break;
    }
    if (busy_.contains(stream_of(d))) continue;
    deliver(std::move(d));
  }
  arm_timer(res->next_at);
  if (again_) claim();
}

void Dispatcher::arm_timer(std::optional<TimePoint> next_at) {
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(idle_poll);
  if (next_at)
    wait = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*next_at - clock_.now()),
                      std::chrono::milliseconds(0), wait);
  timer_.expires_after(wait);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->claim();
  });
}

void Dispatcher::deliver(store::OutboxDelivery d) {
  const WebhookUrl* url = url_of(d.target);
  if (url == nullptr) return;  // forget_targets() removes these at start
  busy_.insert(stream_of(d));
  PostRequest req;
  req.url = *url;
  req.tls = tls_;
  req.pool = pool_;
  req.body = d.body;
  req.timeout = options_.timeout;
  req.max_response_bytes = options_.max_response_bytes;
  const auto unix_seconds = std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
  req.headers = {{std::string(signature_header), sign(options_.secret, unix_seconds, d.body)},
                 {"X-Hearth-Event-Id", d.event_id}};
  post(strand_, std::move(req),
       [self = shared_from_this(), d = std::move(d)](PostOutcome outcome) { self->on_posted(d, outcome); });
}

void Dispatcher::on_posted(const store::OutboxDelivery& d, const PostOutcome& outcome) {
  const auto finish = [self = shared_from_this(), stream = stream_of(d)](Result<bool> res) {
    if (!res) spdlog::warn("webhooks: could not store a delivery's outcome: {}", res.error().message);
    asio::post(self->strand_, [self, stream] { self->settled(stream); });
  };
  // Delivered or given up: the delivery leaves the outbox.
  const auto remove = [&] {
    store_.execute<bool>(
        d.session_id,
        [id = d.id](store::Repository& repo) -> Result<bool> {
          repo.remove_delivery(id);
          return true;
        },
        finish);
  };
  if (outcome.delivered()) {
    stats_.delivered.fetch_add(1, std::memory_order_relaxed);
    return remove();
  }
  stats_.failed.fetch_add(1, std::memory_order_relaxed);
  const int attempts = d.attempts + 1;
  const auto now = clock_.now();
  const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - d.created_at);
  const auto delay = retry_delay(options_.retry, attempts, age, std::uniform_real_distribution<double>(0, 1)(rng_));
  const std::string why = outcome.status ? "HTTP " + std::to_string(outcome.status) : outcome.error;
  if (!delay) {
    stats_.dropped.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("webhooks: gave {} (event {} of call {}) up after {} attempt(s) to {}; last: {}", d.event_id,
                 d.sequence, d.session_id, attempts, d.target, why);
    return remove();
  }
  spdlog::debug("webhooks: {} to {} failed ({}), attempt {}; next in {} ms", d.event_id, d.target, why, attempts,
                delay->count());
  store_.execute<bool>(
      d.session_id,
      [id = d.id, attempts, next = now + *delay](store::Repository& repo) -> Result<bool> {
        repo.retry_delivery(id, attempts, next);
        return true;
      },
      finish);
}

void Dispatcher::settled(const std::string& stream) {
  busy_.erase(stream);
  if (draining_) return check_drained();
  claim();  // the stream's next event, or a waiting one
}

void Dispatcher::drain(std::chrono::steady_clock::time_point deadline, std::function<void()> done) {
  asio::post(strand_, [self = shared_from_this(), deadline, done = std::move(done)]() mutable {
    self->draining_ = true;
    self->drained_ = std::move(done);
    self->timer_.cancel();
    self->drain_timer_.expires_at(deadline);
    self->drain_timer_.async_wait([self](boost::system::error_code ec) {
      if (ec) return;
      if (!self->busy_.empty())
        spdlog::info("webhooks: {} delivery(ies) still in flight at shutdown stay in the outbox", self->busy_.size());
      if (auto fn = std::exchange(self->drained_, nullptr)) fn();
    });
    self->check_drained();
  });
}

void Dispatcher::check_drained() {
  if (!draining_ || !busy_.empty() || claiming_) return;
  drain_timer_.cancel();
  if (auto fn = std::exchange(drained_, nullptr)) fn();
}

}  // namespace hearth::webhooks
