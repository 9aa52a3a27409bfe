#pragma once
// Feeds usage analytics (store/analytics.hpp). Every tick (1 s) it runs one store operation that samples
// concurrency into the hour's peak; every fifth tick that operation also adds the requests, events and errors
// counted since the last flush (metrics::UsageCounters) and records the calls that ended at least `record_delay`
// ago, so a call's final quality summary, saved when its room closes, is in by then. A full batch of ended calls
// records the next batch at the next tick. stop() flushes the counters once more (the store drains it at shutdown).
// A failed operation is logged and skipped: the counts it carried are lost, ended calls stay unrecorded and are
// taken again later, a missed sample leaves a lower peak.
// Thread safety: its timer and state live on its own strand; the store work runs on the store thread; start() and
// stop() may be called from any thread.
#include <chrono>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "core/clock.hpp"
#include "metrics/usage_counters.hpp"
#include "store/store.hpp"

namespace hearth::app {

struct UsageRecorderOptions {
  std::chrono::milliseconds tick{1000};          // concurrency samples
  int flush_every = 5;                           // ticks between counter flushes and recordings (every 5 s)
  std::chrono::milliseconds record_delay{5000};  // an ended call is recorded this long after its end
  int record_batch = 500;                        // ended calls recorded per store operation
};

class UsageRecorder : public std::enable_shared_from_this<UsageRecorder> {
 public:
  // `code_name` names a call_error code (signaling::error_code).
  UsageRecorder(boost::asio::io_context& ioc, store::Store& store, const Clock& clock, metrics::UsageCounters& counters,
                metrics::UsageCounters::CodeName code_name, UsageRecorderOptions options = {});
  void start();  // first tick (a sample, a flush and a recording) at once
  void stop();   // no more ticks; one last flush of the counters

 private:
  void tick();
  void schedule();

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  store::Store& store_;               // owned by the server, outlives the recorder's pending work
  const Clock& clock_;                // owned by the server
  metrics::UsageCounters& counters_;  // owned by the server
  metrics::UsageCounters::CodeName code_name_;
  UsageRecorderOptions options_;
  int ticks_ = 0;
  bool backlog_ = false;  // the last recording filled its batch: record again at the next tick
  bool stopped_ = false;
};

}  // namespace hearth::app
