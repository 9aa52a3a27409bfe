#pragma once
// The webhook dispatcher: delivers the outbox (store/outbox.hpp) to the configured URLs (docs/webhooks.md).
//
// Each stream (URL, call) is delivered in order, one request at a time: the stream's oldest row is sent, and the
// next one only after the outcome was stored (removed when a 2xx came back or the retry budget ran out; otherwise
// its attempt count and next attempt time, retry_policy.hpp). Streams go out side by side, at most
// `max_in_flight` requests at once. At-least-once: a crash between a 2xx and the removal sends that event again.
//
// When it looks: right after a commit that wrote outbox rows (the repository's OutboxSignal, which the server sets
// to notify()), after each stored outcome, and when the earliest waiting retry falls due (a timer; at most
// `idle_poll` apart as a safety net). Reading what is due and storing outcomes are store operations
// (store.execute): nothing here blocks an I/O thread, and a delivery never delays signaling or REST answers
// beyond its share of the store thread.
// Thread safety: start(), notify() and drain() may be called from any thread; everything else runs on its strand.
// Owned by a shared_ptr (its pending operations keep it alive).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/store.hpp"
#include "webhooks/http_post.hpp"
#include "webhooks/webhook_options.hpp"
#include "webhooks/webhook_stats.hpp"

namespace hearth::webhooks {

class Dispatcher : public std::enable_shared_from_this<Dispatcher> {
 public:
  // `store`, `clock` and `stats` must outlive the dispatcher's operations (the server owns all of them).
  Dispatcher(boost::asio::io_context& ioc, store::Store& store, const Clock& clock, WebhookOptions options,
             WebhookStats& stats);

  // Removes deliveries to URLs no longer configured (logged), then delivers what is due.
  void start();
  // A commit wrote outbox rows: look soon.
  void notify();
  // Starts no new delivery; calls `done` (on the strand) once the requests in flight have finished and their
  // outcomes are stored, or at `deadline`, whichever comes first. What is not delivered stays in the outbox for the
  // next start.
  void drain(std::chrono::steady_clock::time_point deadline, std::function<void()> done);

  static constexpr std::chrono::seconds idle_poll{30};

 private:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

  void claim();
  void on_claimed(Result<store::DueDeliveries> res);
  void deliver(store::OutboxDelivery d);
  void on_posted(const store::OutboxDelivery& d, const PostOutcome& outcome);
  void settled(const std::string& stream);
  void arm_timer(std::optional<TimePoint> next_at);
  void check_drained();
  const WebhookUrl* url_of(const std::string& target) const;

  Strand strand_;
  store::Store& store_;
  const Clock& clock_;
  WebhookOptions options_;
  WebhookStats& stats_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer drain_timer_;
  std::shared_ptr<boost::asio::ssl::context> tls_;  // null unless a URL is https://
  std::shared_ptr<ConnectionPool> pool_;            // receivers' idle keep-alive connections
  std::unordered_set<std::string> busy_;            // streams with a request in flight or its outcome not yet stored
  bool claiming_ = false;                           // a due_deliveries() is under way
  bool again_ = false;                              // something changed while it was: claim again after it
  bool draining_ = false;
  std::function<void()> drained_;
  std::mt19937_64 rng_;  // jitter only
};

}  // namespace hearth::webhooks
