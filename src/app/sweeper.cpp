#include "app/sweeper.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "calls/breakout.hpp"
#include "calls/policy.hpp"

namespace hearth::app {
namespace asio = boost::asio;

Sweeper::Sweeper(asio::io_context& ioc, store::Store& store, const Clock& clock, calls::Limits limits,
                 std::chrono::seconds interval, OnSessions on_ended, OnSessions on_breakout_closed)
    : strand_(asio::make_strand(ioc)),
      timer_(strand_),
      store_(store),
      clock_(clock),
      limits_(limits),
      interval_(interval),
      on_ended_(std::move(on_ended)),
      on_breakout_closed_(std::move(on_breakout_closed)) {}

void Sweeper::start() {
  asio::dispatch(strand_, [self = shared_from_this()] { self->sweep(); });
}

void Sweeper::stop() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
  });
}

void Sweeper::schedule() {
  if (stopped_) return;
  timer_.expires_after(interval_);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->sweep();
  });
}

void Sweeper::sweep() {
  if (stopped_) return;
  constexpr int kBatch = 500;  // bounded work per store operation; the rest waits for the next sweep
  const auto now = clock_.now();
  struct Swept {
    std::vector<calls::CallSession> ended, breakout_closed;
  };
  store_.execute<Swept>(
      [now, limits = limits_](store::Repository& repo) -> Result<Swept> {
        Swept out;
        for (const auto& id : repo.due(now, kBatch)) {
          auto s = repo.find(id, true);
          if (!s) continue;
          const bool closed = calls::close_due_breakout(*s, now);  // first: expire() then moves the deadline on
          if (!calls::expire(*s, now, limits) && !closed) continue;
          repo.update(*s);
          if (s->status == calls::Status::ended)
            out.ended.push_back(std::move(*s));
          else if (closed)
            out.breakout_closed.push_back(std::move(*s));
        }
        return out;
      },
      [self = shared_from_this()](Result<Swept> res) {
        asio::post(self->strand_, [self, res = std::move(res)]() mutable {
          if (!res) {
            spdlog::warn("sweep failed: {} ({})", res.error().message, res.error().detail);
          } else {
            if (!res->ended.empty()) {
              spdlog::info("sweep ended {} session(s)", res->ended.size());
              if (self->on_ended_) self->on_ended_(std::move(res->ended));
            }
            if (!res->breakout_closed.empty() && self->on_breakout_closed_)
              self->on_breakout_closed_(std::move(res->breakout_closed));
          }
          self->schedule();
        });
      });
}

}  // namespace hearth::app
