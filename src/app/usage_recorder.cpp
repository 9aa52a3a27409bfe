#include "app/usage_recorder.hpp"

#include <optional>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

namespace hearth::app {
namespace asio = boost::asio;

UsageRecorder::UsageRecorder(asio::io_context& ioc, store::Store& store, const Clock& clock,
                             metrics::UsageCounters& counters, metrics::UsageCounters::CodeName code_name,
                             UsageRecorderOptions options)
    : strand_(asio::make_strand(ioc)),
      timer_(strand_),
      store_(store),
      clock_(clock),
      counters_(counters),
      code_name_(code_name),
      options_(options) {}

void UsageRecorder::start() {
  asio::dispatch(strand_, [self = shared_from_this()] { self->tick(); });
}

void UsageRecorder::stop() {
  // Taken and queued here, on the caller's thread, not on the strand: the server stops its loop right after, and
  // the store's destructor still commits what is queued.
  auto counts = counters_.take(clock_.now(), code_name_);
  if (!counts.empty()) {
    store_.execute<bool>(
        [counts = std::move(counts)](store::Repository& repo) -> Result<bool> {
          repo.add_usage_counts(counts);
          return true;
        },
        [](Result<bool> res) {
          if (!res) spdlog::warn("usage counts lost at shutdown: {} ({})", res.error().message, res.error().detail);
        });
  }
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
  });
}

void UsageRecorder::schedule() {
  if (stopped_) return;
  timer_.expires_after(options_.tick);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->tick();
  });
}

void UsageRecorder::tick() {
  if (stopped_) return;
  const auto now = clock_.now();
  const bool flush = ticks_ % options_.flush_every == 0;
  const bool record = flush || backlog_;
  ++ticks_;
  std::optional<metrics::UsageCounts> counts;
  if (flush) counts = counters_.take(now, code_name_);
  const auto ended_before = now - options_.record_delay;
  const int batch = options_.record_batch;
  // One operation (one savepoint): a failure rolls back the sample, the counts and the recording together.
  store_.execute<int>(
      [now, counts = std::move(counts), record, ended_before, batch](store::Repository& repo) -> Result<int> {
        repo.sample_concurrency(now);
        if (counts && !counts->empty()) repo.add_usage_counts(*counts);
        return record ? repo.record_ended(ended_before, batch) : 0;
      },
      [self = shared_from_this(), record, flush](Result<int> res) {
        asio::post(self->strand_, [self, res = std::move(res), record, flush] {
          if (!res) {
            spdlog::warn("usage recording failed{}: {} ({})", flush ? " (counts of the last interval lost)" : "",
                         res.error().message, res.error().detail);
          } else if (record) {
            self->backlog_ = *res >= self->options_.record_batch;
          }
          self->schedule();
        });
      });
}

}  // namespace hearth::app
