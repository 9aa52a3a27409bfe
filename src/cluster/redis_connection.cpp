#include "cluster/redis_connection.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/sds.h>
#include <spdlog/spdlog.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

namespace hearth::cluster {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

bool is_string(const redisReply* r) { return r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS; }

bool equals_ci(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

// Commands that switch hiredis' context into another mode (its callbacks would no longer match the replies).
bool changes_mode(std::string_view name) {
  for (std::string_view c : {"subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe",
                             "monitor", "reset", "hello", "client"})
    if (equals_ci(name, c)) return true;
  return false;
}

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

// hiredis frees its input buffer once it is read if it holds more than this (its default is 16 KiB): above the bus's
// frames (cluster/redis_bus.hpp) and what hiredis' doubling makes of them, so that they do not regrow it each time.
constexpr std::size_t kept_read_buffer = 256u << 10;

// `<digits>\r\n` at `at`: the number, `at` moved past it.
std::optional<std::size_t> resp_number(std::string_view s, std::size_t& at) {
  const auto eol = s.find("\r\n", at);
  if (eol == std::string_view::npos || eol == at) return std::nullopt;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(s.data() + at, s.data() + eol, n);
  if (ec != std::errc{} || end != s.data() + eol) return std::nullopt;
  at = eol + 2;
  return n;
}

// The name of a command in Redis' protocol (`*<n>\r\n$<len>\r\n<name>\r\n...`); nothing if its head is not that.
std::optional<std::string_view> resp_command_name(std::string_view command) {
  std::size_t at = 1;
  if (command.empty() || command[0] != '*') return std::nullopt;
  const auto args = resp_number(command, at);
  if (!args || *args == 0 || at >= command.size() || command[at] != '$') return std::nullopt;
  ++at;
  const auto len = resp_number(command, at);
  if (!len || command.size() - at < 2 || *len > command.size() - at - 2 || command.substr(at + *len, 2) != "\r\n")
    return std::nullopt;
  return command.substr(at, *len);
}

}  // namespace

// hiredis calls plain C functions with the pointer it was given; these forward to the connection.
struct RedisConnection::Hooks {
  static RedisConnection* of(void* p) { return static_cast<RedisConnection*>(p); }
  static void add_read(void* p) { of(p)->add_read(); }
  static void del_read(void* p) { of(p)->del_read(); }
  static void add_write(void* p) { of(p)->add_write(); }
  static void del_write(void* p) { of(p)->del_write(); }
  static void cleanup(void* p) { of(p)->cleanup(); }
  static void on_connect(const redisAsyncContext* ac, int status) {
    if (status == REDIS_OK) of(ac->data)->on_connected();
  }
  static void on_reply(redisAsyncContext*, void* reply, void* self) { of(self)->on_reply(reply); }
  static void on_subscribe_reply(redisAsyncContext*, void* reply, void* self) { of(self)->on_subscribe_reply(reply); }
};

std::shared_ptr<RedisConnection> RedisConnection::create(asio::any_io_executor ex, RedisUrl url,
                                                         RedisConnectionOptions options, std::string name) {
  return std::make_shared<RedisConnection>(Private{}, std::move(ex), std::move(url), options, std::move(name));
}

RedisConnection::RedisConnection(Private, asio::any_io_executor ex, RedisUrl url, RedisConnectionOptions options,
                                 std::string name)
    : ex_(std::move(ex)),
      url_(std::move(url)),
      options_(options),
      name_(std::move(name)),
      resolver_(ex_),
      connect_timer_(ex_),
      retry_timer_(ex_),
      tick_timer_(ex_),
      rng_(std::random_device{}()) {}

RedisConnection::~RedisConnection() {
  // Only reached with a live context if the io_context went away with our operations: free it quietly.
  if (ac_) {
    destroying_ = true;
    if (sd_) (void)sd_->release();
    redisAsyncFree(ac_);
  }
}

void RedisConnection::subscribe(std::string channel) { channels_.push_back(std::move(channel)); }

void RedisConnection::start() {
  if (state_ == State::idle) do_connect();
}

void RedisConnection::stop() {
  if (state_ == State::stopped) return;
  state_ = State::stopped;  // no state handler: the owner asked for it
  connect_timer_.cancel();
  retry_timer_.cancel();
  tick_timer_.cancel();
  resolver_.cancel();
  if (ac_) {
    close_reason_ = "stopped";
    redisAsyncFree(ac_);  // pending commands are answered "unavailable", but stopped: no handler runs
  }
}

void RedisConnection::set_state(State s) {
  const bool was_up = state_ == State::up;
  state_ = s;
  const bool is_up = s == State::up;
  if (was_up != is_up && on_state_)
    asio::post(ex_, [self = shared_from_this(), is_up] {
      if (self->state_ != State::stopped) self->on_state_(is_up);
    });
}

// --- connecting ------------------------------------------------------------------------------------------------------

void RedisConnection::do_connect() {
  ++gen_;
  set_state(State::resolving);
  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait([self = shared_from_this(), gen = gen_](const boost::system::error_code& ec) {
    if (ec || gen != self->gen_) return;
    if (self->state_ == State::resolving || self->state_ == State::connecting || self->state_ == State::handshaking)
      self->fail("not connected within " + ms(self->options_.connect_timeout));
  });
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(url_.host, ec);
  if (!ec) return connect_to(address.to_string());
  resolver_.async_resolve(url_.host, std::to_string(url_.port),
                          [self = shared_from_this(), gen = gen_](const boost::system::error_code& error,
                                                                  const asio::ip::tcp::resolver::results_type& r) {
                            if (gen == self->gen_ && self->state_ == State::resolving) self->on_resolved(error, r);
                          });
}

void RedisConnection::on_resolved(const boost::system::error_code& ec,
                                  const asio::ip::tcp::resolver::results_type& results) {
  if (ec || results.empty()) return fail("cannot resolve " + url_.host + ": " + ec.message());
  connect_to(results.begin()->endpoint().address().to_string());
}

void RedisConnection::connect_to(const std::string& ip) {
  redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), url_.port);
  if (!ac) return fail("out of memory");
  if (ac->err) {
    std::string why = ac->errstr;
    redisAsyncFree(ac);
    return fail(why);
  }
  ac_ = ac;
  ac->c.reader->maxbuf = kept_read_buffer;
  ac->data = this;
  ac->ev.data = this;
  ac->ev.addRead = &Hooks::add_read;
  ac->ev.delRead = &Hooks::del_read;
  ac->ev.addWrite = &Hooks::add_write;
  ac->ev.delWrite = &Hooks::del_write;
  ac->ev.cleanup = &Hooks::cleanup;
  want_read_ = want_write_ = reading_ = writing_ = false;
  boost::system::error_code ec;
  sd_.emplace(ex_);
  sd_->assign(ac->c.fd, ec);  // hiredis keeps owning the fd: released before it closes it (cleanup)
  if (ec) {
    sd_.reset();
    return fail("cannot watch the socket: " + ec.message());
  }
  set_state(State::connecting);
  redisAsyncSetConnectCallback(ac, &Hooks::on_connect);  // waits for writable: connect(2) done
}

void RedisConnection::on_connected() {
  // Inside hiredis: the handshake starts from a fresh handler.
  asio::post(ex_, [self = shared_from_this(), gen = gen_] {
    if (gen == self->gen_ && self->state_ == State::connecting) self->start_handshake();
  });
}

void RedisConnection::start_handshake() {
  set_state(State::handshaking);
  handshake_left_ = 0;
  subscribe_left_ = 0;
  auto step = [this](std::span<const std::string_view> args, std::string what) {
    auto r = send_argv(args, [self = shared_from_this(), gen = gen_, what](Result<RedisReply> reply) {
      self->on_handshake_reply(gen, what, std::move(reply));
    });
    if (r) ++handshake_left_;
    return r.ok();
  };
  bool ok = true;
  const std::string db = std::to_string(url_.db);
  if (!url_.password.empty()) {
    if (url_.user.empty())
      ok = step(std::initializer_list<std::string_view>{"AUTH", url_.password}, "AUTH");
    else
      ok = step(std::initializer_list<std::string_view>{"AUTH", url_.user, url_.password}, "AUTH");
  }
  if (ok && url_.db != 0) ok = step(std::initializer_list<std::string_view>{"SELECT", db}, "SELECT " + db);
  // A server that accepts the TCP connection but never answers (stopped) is not up: something must answer.
  if (ok && handshake_left_ == 0 && channels_.empty())
    ok = step(std::initializer_list<std::string_view>{"PING"}, "PING");
  if (!ok) return fail("cannot send the handshake");
  if (handshake_left_ == 0) handshake_done();
}

void RedisConnection::on_handshake_reply(std::uint64_t gen, const std::string& what, Result<RedisReply> reply) {
  if (gen != gen_ || state_ != State::handshaking || !reply) return;  // closed meanwhile: on_closed handled it
  if (reply->is_error()) return fail(what + " refused: " + reply->str);
  if (--handshake_left_ == 0) handshake_done();
}

void RedisConnection::handshake_done() {
  if (channels_.empty()) return became_up();
  subscribe_left_ = channels_.size();
  for (const auto& ch : channels_)
    if (!send_subscribe(ch)) return fail("cannot send SUBSCRIBE");
}

void RedisConnection::became_up() {
  connect_timer_.cancel();
  backoff_ = {};
  last_activity_ = SteadyClock::now();
  if (!last_error_.empty()) spdlog::info("{}: connected to {}", name_, url_.redacted());
  last_error_.clear();
  set_state(State::up);
  arm_tick();
}

// --- closing ---------------------------------------------------------------------------------------------------------

void RedisConnection::fail(std::string reason) {
  if (ac_) {
    close_reason_ = std::move(reason);
    redisAsyncFree(ac_);  // -> cleanup() -> on_closed()
    return;
  }
  ++gen_;  // forget a resolve in flight
  on_closed(std::move(reason));
}

std::string RedisConnection::closing_reason() const {
  if (!close_reason_.empty()) return close_reason_;
  if (ac_ && ac_->c.err) return ac_->c.errstr;
  return "connection closed";
}

void RedisConnection::cleanup() {
  if (destroying_) return;
  std::string reason = closing_reason();
  close_reason_.clear();
  if (sd_) {
    (void)sd_->release();  // hiredis closes the fd itself, right after this
    sd_.reset();
  }
  ac_ = nullptr;
  ++gen_;
  want_read_ = want_write_ = reading_ = writing_ = false;
  probe_sent_.reset();
  on_closed(std::move(reason));
}

void RedisConnection::on_closed(std::string reason) {
  connect_timer_.cancel();
  tick_timer_.cancel();
  if (state_ == State::stopped) return;
  if (state_ == State::up)
    spdlog::warn("{}: lost {}: {}", name_, url_.redacted(), reason);
  else if (reason != last_error_)
    spdlog::warn("{}: cannot connect to {}: {} (retrying with backoff)", name_, url_.redacted(), reason);
  last_error_ = std::move(reason);
  set_state(State::waiting);
  backoff_ = backoff_.count() == 0 ? options_.backoff_initial : std::min(backoff_ * 2, options_.backoff_max);
  std::uniform_int_distribution<long long> jitter(backoff_.count() / 2, backoff_.count());
  retry_timer_.expires_after(std::chrono::milliseconds(jitter(rng_)));
  retry_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && self->state_ == State::waiting) self->do_connect();
  });
}

// --- commands --------------------------------------------------------------------------------------------------------

Result<void> RedisConnection::check_command(std::string_view name) const {
  if (state_ != State::up)
    return make_error(errc::unavailable,
                      "redis: not connected" + (last_error_.empty() ? std::string() : " (" + last_error_ + ")"));
  if (!channels_.empty()) return make_error(errc::internal, "redis: a subscribed connection runs no commands");
  if (changes_mode(name))
    return make_error(errc::invalid_argument, "redis: " + std::string(name) + " is not allowed on this connection");
  if (pending_.size() >= options_.max_pending)
    return make_error(errc::unavailable,
                      "redis: " + std::to_string(pending_.size()) + " commands waiting for an answer");
  return {};
}

Result<void> RedisConnection::command(std::span<const std::string_view> args, ReplyHandler on_reply) {
  if (args.empty()) return make_error(errc::invalid_argument, "redis: empty command");
  if (auto ok = check_command(args[0]); !ok) return ok;
  return send_argv(args, std::move(on_reply));
}

Result<void> RedisConnection::formatted_command(std::string_view command, ReplyHandler on_reply) {
  const auto name = resp_command_name(command);
  if (!name) return make_error(errc::invalid_argument, "redis: a formatted command must be in Redis' protocol");
  if (auto ok = check_command(*name); !ok) return ok;
  // hiredis asks for a writable socket as it queues the command; we write right after instead (write_out()).
  writing_now_ = true;
  const int queued = redisAsyncFormattedCommand(ac_, &Hooks::on_reply, this, command.data(), command.size());
  writing_now_ = false;
  if (queued != REDIS_OK) return make_error(errc::unavailable, "redis: the connection is closing");
  pending_.push_back({SteadyClock::now(), std::move(on_reply)});
  write_out();
  return {};
}

std::size_t RedisConnection::unsent_bytes() const noexcept { return ac_ ? sdslen(ac_->c.obuf) : 0; }

void RedisConnection::write_out() {
  const auto gen = gen_;
  redisAsyncHandleWrite(ac_);  // a failure closes the context: the pending handlers get errc::unavailable
  if (gen == gen_ && want_write_ && !writing_) wait_write();
}

Result<void> RedisConnection::send_argv(std::span<const std::string_view> args, ReplyHandler handler) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAsyncCommandArgv(ac_, &Hooks::on_reply, this, static_cast<int>(args.size()), argv.data(), lens.data()) !=
      REDIS_OK)
    return make_error(errc::unavailable, "redis: the connection is closing");
  pending_.push_back({SteadyClock::now(), std::move(handler)});
  return {};
}

bool RedisConnection::send_subscribe(const std::string& channel) {
  const char* argv[] = {"SUBSCRIBE", channel.c_str()};
  const std::size_t lens[] = {9, channel.size()};
  return redisAsyncCommandArgv(ac_, &Hooks::on_subscribe_reply, this, 2, argv, lens) == REDIS_OK;
}

void RedisConnection::on_reply(void* r) {
  if (destroying_ || pending_.empty()) return;
  Pending p = std::move(pending_.front());
  pending_.pop_front();
  last_activity_ = SteadyClock::now();
  if (!p.handler) return;
  Result<RedisReply> result = r ? Result<RedisReply>(copy_reply(*static_cast<const redisReply*>(r)))
                                : Result<RedisReply>(make_error(errc::unavailable, "redis: " + closing_reason()));
  asio::post(ex_, [self = shared_from_this(), h = std::move(p.handler), result = std::move(result)]() mutable {
    if (self->state_ != State::stopped) h(std::move(result));
  });
}

void RedisConnection::on_subscribe_reply(void* r) {
  if (destroying_ || !r) return;  // null: closing
  const auto* reply = static_cast<const redisReply*>(r);
  last_activity_ = SteadyClock::now();
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 || !is_string(reply->element[0])) return;
  const std::string_view kind(reply->element[0]->str, reply->element[0]->len);
  if (kind == "message" && is_string(reply->element[1]) && is_string(reply->element[2])) {
    if (!on_message_ || state_ == State::stopped) return;
    // In place: hiredis frees the reply when this returns (MessageHandler).
    try {
      on_message_(std::string_view(reply->element[1]->str, reply->element[1]->len),
                  std::string_view(reply->element[2]->str, reply->element[2]->len));
    } catch (const std::exception& e) {
      spdlog::error("{}: the message handler failed, message dropped: {}", name_, e.what());
    } catch (...) {
      spdlog::error("{}: the message handler failed, message dropped", name_);
    }
  } else if (kind == "subscribe") {
    if (state_ == State::handshaking && subscribe_left_ > 0) {
      if (--subscribe_left_ == 0) became_up();
    } else {
      probe_sent_.reset();
    }
  }
}

// --- liveness --------------------------------------------------------------------------------------------------------

void RedisConnection::arm_tick() {
  const auto period =
      std::max(std::chrono::milliseconds(10), std::min(options_.command_timeout, options_.keepalive) / 4);
  tick_timer_.expires_after(period);
  tick_timer_.async_wait([self = shared_from_this(), gen = gen_](const boost::system::error_code& ec) {
    if (!ec && gen == self->gen_ && self->state_ == State::up) self->on_tick();
  });
}

void RedisConnection::on_tick() {
  const auto now = SteadyClock::now();
  const auto oldest = !pending_.empty() ? std::optional(pending_.front().sent) : probe_sent_;
  if (oldest && now - *oldest > options_.command_timeout)
    return fail("no answer within " + ms(options_.command_timeout));
  if (!oldest && now - last_activity_ >= options_.keepalive) {
    if (channels_.empty()) {
      if (!send_argv(std::initializer_list<std::string_view>{"PING"}, {})) return fail("cannot send PING");
    } else {
      if (!send_subscribe(channels_.front())) return fail("cannot send SUBSCRIBE");
      probe_sent_ = now;
    }
  }
  arm_tick();
}

// --- the socket, for hiredis -----------------------------------------------------------------------------------------

void RedisConnection::add_read() {
  want_read_ = true;
  if (!reading_) wait_read();
}

void RedisConnection::add_write() {
  want_write_ = true;
  if (!writing_ && !writing_now_) wait_write();
}

void RedisConnection::wait_read() {
  reading_ = true;
  sd_->async_wait(asio::posix::stream_descriptor::wait_read,
                  [self = shared_from_this(), gen = gen_](const boost::system::error_code& ec) {
                    if (gen != self->gen_) return;  // an older context's
                    self->reading_ = false;
                    if (ec) return self->fail("socket: " + ec.message());
                    if (!self->want_read_) return;
                    redisAsyncHandleRead(self->ac_);  // may free the context (gen_ moves on)
                    if (gen == self->gen_ && self->want_read_ && !self->reading_) self->wait_read();
                  });
}

void RedisConnection::wait_write() {
  writing_ = true;
  sd_->async_wait(asio::posix::stream_descriptor::wait_write,
                  [self = shared_from_this(), gen = gen_](const boost::system::error_code& ec) {
                    if (gen != self->gen_) return;
                    self->writing_ = false;
                    if (ec) return self->fail("socket: " + ec.message());
                    if (!self->want_write_) return;
                    redisAsyncHandleWrite(self->ac_);
                    if (gen == self->gen_ && self->want_write_ && !self->writing_) self->wait_write();
                  });
}

}  // namespace hearth::cluster
