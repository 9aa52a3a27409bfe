#pragma once
// One connection to Redis: hiredis' asynchronous context (redisAsyncContext) driven by Asio. hiredis owns the
// socket and does the protocol; its addRead/addWrite hooks become async_wait()s on a stream_descriptor that wraps
// (never owns) hiredis' fd.
//
// Lifecycle: start() connects (the host name resolved asynchronously), then AUTH (with a password in the URL),
// SELECT (db other than 0) and SUBSCRIBE (the channels given to subscribe()), all within `connect_timeout`; only
// then is the connection up. Any failure (refused, reset, an error to AUTH, a timeout) closes it, reports down if it
// was up, and retries after a backoff: `backoff_initial` doubling to `backoff_max`, each drawn in [d/2, d]; a
// successful handshake resets it. stop() closes for good.
// Liveness: the oldest unanswered command older than `command_timeout` closes the connection (a server that
// accepts bytes but never answers, e.g. stopped or swapping, is down, not slow). An idle connection sends a PING
// every `keepalive` (a subscribed one re-SUBSCRIBEs its first channel, whose confirmation is its answer: hiredis
// 0.14 cannot route a PING's reply in subscribed mode), so a silent death is noticed within keepalive + timeout.
// Commands: at most `max_pending` unanswered; past it command() fails at once. Replies are copied (RedisReply) and
// handed to the handler by a post, never from inside hiredis, so a handler may call anything.
// A subscribed connection runs no commands of its own: command() is refused on it. Its messages are NOT copied: the
// message handler runs inside hiredis' read, with views into hiredis' reply, which is freed when the handler returns.
// Buffers: the bus sends frames of up to ~64 KiB (cluster/redis_bus.hpp) and the bytes go through hiredis' own
// buffers, which hiredis frees (output: once written; input: once read, if it holds more than its limit). So that
// they do not come from fresh pages each time, formatted_command() writes at once (the output buffer holds one frame,
// not a turn's worth) and the input buffer's limit is raised above a frame (redis_connection.cpp).
//
// Thread safety: every member runs on the executor given to create(), which must be serial (a strand, or an
// io_context run by one thread). Handlers run there too, and none after stop().
// Owned by a shared_ptr; its pending operations keep it alive.
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cluster/redis_reply.hpp"
#include "cluster/redis_url.hpp"
#include "core/result.hpp"

struct redisAsyncContext;

namespace hearth::cluster {

struct RedisConnectionOptions {
  std::chrono::milliseconds connect_timeout{2000};  // TCP connect and the whole handshake
  std::chrono::milliseconds command_timeout{2000};  // the oldest unanswered command; then closed and down
  std::chrono::milliseconds keepalive{1000};        // an idle connection checks the server this often
  std::size_t max_pending = 1024;                   // unanswered commands; past it command() fails fast
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
};

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  using ReplyHandler = std::function<void(Result<RedisReply>)>;
  using StateHandler = std::function<void(bool up)>;
  // The views are valid only during the call (they point into hiredis' reply). It may call anything on this
  // connection (stop() included: it takes effect once the handler returns); an exception it throws is logged and
  // dropped there (it must not unwind through hiredis).
  using MessageHandler = std::function<void(std::string_view channel, std::string_view payload)>;

  // `name` prefixes its log lines ("redis pub", "redis sub").
  static std::shared_ptr<RedisConnection> create(boost::asio::any_io_executor ex, RedisUrl url,
                                                 RedisConnectionOptions options, std::string name);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Before start(): channels to subscribe to on every connect, where their messages go, who hears of state changes.
  void subscribe(std::string channel);
  void on_message(MessageHandler handler) { on_message_ = std::move(handler); }
  void on_state(StateHandler handler) { on_state_ = std::move(handler); }

  void start();
  void stop();

  // Sends one command (its arguments are copied before this returns). On success `on_reply` runs exactly once,
  // later, with the reply (a Redis error reply is a RedisReply of type error) or errc::unavailable if the
  // connection closed first. An error here (not up, too many pending, a subscribed connection, a command that
  // would change hiredis' mode) means nothing was sent and `on_reply` never runs.
  Result<void> command(std::span<const std::string_view> args, ReplyHandler on_reply);
  Result<void> command(std::initializer_list<std::string_view> args, ReplyHandler on_reply) {
    return command(std::span<const std::string_view>(args.begin(), args.size()), std::move(on_reply));
  }

  // One command already in Redis' protocol (`*<n>\r\n$<len>\r\n<name>\r\n...`, e.g. formatted by the caller in a
  // buffer it reuses): copied once, into hiredis' output buffer, and written to the socket at once (non-blocking:
  // what the socket does not take waits for it to be writable). The same checks, handler and accounting as
  // command(); a head that is not RESP is refused (errc::invalid_argument), the rest is the caller's to get right
  // (Redis closes the connection on a protocol error).
  Result<void> formatted_command(std::string_view command, ReplyHandler on_reply);

  bool up() const noexcept { return state_ == State::up; }
  std::size_t pending() const noexcept { return pending_.size(); }
  // Bytes of commands given to hiredis and not yet written to the socket.
  std::size_t unsent_bytes() const noexcept;
  // Why the last attempt or connection failed ("" if none did).
  const std::string& last_error() const noexcept { return last_error_; }

  // hiredis' hooks and callbacks (C functions in the .cpp) reach these.
  struct Hooks;

 private:
  struct Private {
    explicit Private() = default;
  };

 public:
  RedisConnection(Private, boost::asio::any_io_executor ex, RedisUrl url, RedisConnectionOptions options,
                  std::string name);

 private:
  enum class State { idle, resolving, connecting, handshaking, up, waiting, stopped };
  struct Pending {
    std::chrono::steady_clock::time_point sent;
    ReplyHandler handler;  // empty: keepalive PING
  };

  void do_connect();
  void on_resolved(const boost::system::error_code& ec, const boost::asio::ip::tcp::resolver::results_type& results);
  void connect_to(const std::string& ip);
  void start_handshake();
  void on_handshake_reply(std::uint64_t gen, const std::string& what, Result<RedisReply> reply);
  void handshake_done();
  void became_up();
  void fail(std::string reason);
  std::string closing_reason() const;
  void on_closed(std::string reason);
  void set_state(State s);
  void arm_tick();
  void on_tick();

  Result<void> check_command(std::string_view name) const;
  Result<void> send_argv(std::span<const std::string_view> args, ReplyHandler handler);
  void write_out();
  bool send_subscribe(const std::string& channel);
  void wait_read();
  void wait_write();

  // From hiredis (Hooks), inside its calls.
  void add_read();
  void add_write();
  void del_read() { want_read_ = false; }
  void del_write() { want_write_ = false; }
  void cleanup();
  void on_connected();
  void on_reply(void* reply);
  void on_subscribe_reply(void* reply);

  boost::asio::any_io_executor ex_;
  RedisUrl url_;
  RedisConnectionOptions options_;
  std::string name_;
  std::vector<std::string> channels_;
  MessageHandler on_message_;
  StateHandler on_state_;

  State state_ = State::idle;
  redisAsyncContext* ac_ = nullptr;  // owned by hiredis (freed by redisAsyncFree or on an error)
  std::uint64_t gen_ = 0;            // counts contexts: stale completions of an older one are ignored
  std::optional<boost::asio::posix::stream_descriptor> sd_;
  bool want_read_ = false, want_write_ = false, reading_ = false, writing_ = false;
  bool writing_now_ = false;     // formatted_command() writes itself: hiredis' request for a writable socket can wait
  std::deque<Pending> pending_;  // in the order sent: Redis answers in order
  std::size_t handshake_left_ = 0;  // AUTH/SELECT/PING answers still awaited
  std::size_t subscribe_left_ = 0;  // SUBSCRIBE confirmations still awaited
  bool destroying_ = false;
  std::optional<std::chrono::steady_clock::time_point> probe_sent_;  // keepalive SUBSCRIBE unconfirmed since
  std::chrono::steady_clock::time_point last_activity_;
  std::string close_reason_;  // why we are closing it ourselves
  std::string last_error_;
  std::chrono::milliseconds backoff_{0};
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer tick_timer_;
  std::mt19937_64 rng_;  // backoff jitter only
};

}  // namespace hearth::cluster
