#pragma once
// Every sweep interval, ends the sessions whose ring or call timeout passed (missed / timeout), and closes the
// breakout rounds whose end passed (a duration or a countdown whose timer was on a node that stopped). It reads
// the store's deadline index, so it survives restarts: a session due while the server was down ends at the
// first sweep after start. Ended sessions are reported to `on_ended` (signaling announces call_ended), sessions
// whose round it closed to `on_breakout_closed` (breakout_rooms_closed).
// Thread safety: its timer runs on its own strand; the store work on the store thread.
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "calls/call_session.hpp"
#include "calls/limits.hpp"
#include "core/clock.hpp"
#include "store/store.hpp"

namespace hearth::app {

class Sweeper : public std::enable_shared_from_this<Sweeper> {
 public:
  using OnSessions = std::function<void(std::vector<calls::CallSession>)>;

  Sweeper(boost::asio::io_context& ioc, store::Store& store, const Clock& clock, calls::Limits limits,
          std::chrono::seconds interval, OnSessions on_ended, OnSessions on_breakout_closed = {});
  void start();  // first sweep at once, then every interval
  void stop();

 private:
  void sweep();
  void schedule();

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  store::Store& store_;  // owned by the server, outlives the sweeper's pending work (stopped first)
  const Clock& clock_;   // owned by the server
  calls::Limits limits_;
  std::chrono::seconds interval_;
  OnSessions on_ended_;
  OnSessions on_breakout_closed_;
  bool stopped_ = false;
};

}  // namespace hearth::app
