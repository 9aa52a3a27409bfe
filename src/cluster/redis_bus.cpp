#include "cluster/redis_bus.hpp"

#include <charconv>
#include <deque>
#include <mutex>
#include <random>
#include <stdexcept>
#include <unordered_map>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "cluster/bus_frame.hpp"
#include "cluster/node_id.hpp"
#include "core/string_hash.hpp"

namespace hearth::cluster {

namespace asio = boost::asio;

namespace {

std::uint64_t random_incarnation() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd();
}

struct Counter {
  std::atomic<std::uint64_t> v{0};
  void add(std::uint64_t n = 1) noexcept { v.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t get() const noexcept { return v.load(std::memory_order_relaxed); }
};

// Origins remembered for duplicate detection; a cluster has far fewer nodes (past it the memory starts over).
constexpr std::size_t max_origins = 4096;

// Emptied frame writers kept with their buffers for the next frames (a busy turn fills several per destination).
constexpr std::size_t max_spare_frames = 16;

// `PUBLISH <channel> <frame>` in Redis' protocol, written around the frame in its writer's buffer: the head goes in
// the headroom, "\r\n" after it.
constexpr std::string_view publish_start = "*3\r\n$7\r\nPUBLISH\r\n$";
constexpr std::string_view channel_prefix = RedisBus::channel_prefix;
constexpr std::string_view publish_tail = "\r\n";
// The longest head: a channel of the longest node id (2 digits of length), a frame length of 20 digits.
constexpr std::size_t publish_headroom =
    publish_start.size() + 2 + 2 + channel_prefix.size() + max_node_id_length + 3 + 20 + 2;

void append_number(std::string& out, std::size_t n) {
  char digits[24];
  out.append(digits, static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, n).ptr - digits));
}

// The head for `to`'s channel and a frame of `frame_size` bytes, in `out` (a buffer reused: no allocation).
void publish_head(std::string& out, std::string_view to, std::size_t frame_size) {
  out.assign(publish_start);
  append_number(out, channel_prefix.size() + to.size());
  out.append("\r\n").append(channel_prefix).append(to).append("\r\n$");
  append_number(out, frame_size);
  out.append("\r\n");
}

}  // namespace

struct RedisBus::Core : std::enable_shared_from_this<Core> {
  Core(asio::any_io_executor ex, std::string id, RedisUrl url, RedisBusOptions opts)
      : strand(asio::make_strand(ex)),
        node_id(std::move(id)),
        incarnation(random_incarnation()),
        options(opts),
        pub(RedisConnection::create(strand, url, opts.connection, "redis bus (publish)")),
        sub(RedisConnection::create(strand, url, opts.connection, "redis bus (subscribe)")),
        heartbeat_timer(strand) {}

  // One destination's frames not yet published, oldest first; the last one takes new messages while they fit.
  struct Outbox {
    std::deque<FrameWriter> frames;
    std::size_t bytes = 0;  // their size, for max_queue_bytes
  };

  // --- on any thread, under mu ---
  bool queue_locked(std::string_view to, std::string_view message);
  FrameWriter writer_locked();
  void recycle_locked(FrameWriter&& frame);

  // --- on the strand ---
  void do_start();
  void do_stop(bool graceful);
  void on_connection_state();
  void flush();
  void publish(std::string_view to, FrameWriter& frame);
  void on_published(std::uint32_t count, const Result<RedisReply>& reply);
  void unblock();
  void on_frame(std::string_view payload);
  void heartbeat();
  void on_time(const Result<RedisReply>& reply);
  void on_alive(const Result<RedisReply>& reply);

  asio::strand<asio::any_io_executor> strand;
  const std::string node_id;
  const std::uint64_t incarnation;
  const RedisBusOptions options;
  const std::shared_ptr<RedisConnection> pub, sub;
  asio::steady_timer heartbeat_timer;
  MessageHandler on_message;
  StateHandler on_state;
  std::atomic<bool> started{false}, stopped{false}, is_up{false};

  mutable std::mutex mu;  // guards out, spare, flush_posted, alive
  std::unordered_map<std::string, Outbox, StringHash, std::equal_to<>> out;
  std::vector<FrameWriter> spare;  // emptied, buffers kept (at most max_spare_frames)
  bool flush_posted = false;
  std::vector<std::string> alive;

  // Strand only.
  std::uint64_t next_sequence = 1;
  bool publish_blocked = false;         // frames wait for the publishing connection's pending commands to go down
  std::size_t publishes_in_flight = 0;  // PUBLISH commands sent and not yet answered
  std::string head;                     // a PUBLISH's head, before it goes in front of its frame
  bool publish_failing = false;         // the last PUBLISH failed (logged once)
  struct Seen {
    std::uint64_t incarnation;
    std::uint64_t sequence;
  };
  std::unordered_map<std::string, Seen, StringHash, std::equal_to<>> seen;

  Counter messages_sent, frames_sent, messages_unheard, messages_dropped, messages_received, frames_received,
      own_frames, duplicate_frames, bad_frames;
};

RedisBus::RedisBus(asio::any_io_executor ex, std::string node_id, std::string_view redis_url, RedisBusOptions options) {
  if (!valid_node_id(node_id))
    throw std::invalid_argument("node id '" + node_id + "' must be 1 to 32 characters of [a-z0-9-]");
  auto url = parse_redis_url(redis_url);
  if (!url) throw std::invalid_argument(url.error().message);
  core_ = std::make_shared<Core>(std::move(ex), std::move(node_id), std::move(*url), options);
}

RedisBus::~RedisBus() {
  if (core_->stopped.exchange(true)) return;
  core_->is_up = false;
  asio::post(core_->strand, [core = core_] { core->do_stop(false); });
}

const std::string& RedisBus::node_id() const noexcept { return core_->node_id; }
bool RedisBus::up() const noexcept { return core_->is_up.load(); }
std::uint64_t RedisBus::incarnation() const noexcept { return core_->incarnation; }

std::vector<std::string> RedisBus::alive_nodes() const {
  std::lock_guard lock(core_->mu);
  return core_->alive;
}

void RedisBus::on_message(MessageHandler handler) { core_->on_message = std::move(handler); }
void RedisBus::on_state(StateHandler handler) { core_->on_state = std::move(handler); }

void RedisBus::start() {
  if (core_->started.exchange(true)) return;
  asio::post(core_->strand, [core = core_] { core->do_start(); });
}

void RedisBus::stop() {
  if (core_->stopped.exchange(true)) return;
  core_->is_up = false;
  asio::post(core_->strand, [core = core_] { core->do_stop(true); });
}

RedisBusStats RedisBus::stats() const {
  const Core& c = *core_;
  return {c.messages_sent.get(),    c.frames_sent.get(),       c.messages_unheard.get(),
          c.messages_dropped.get(), c.messages_received.get(), c.frames_received.get(),
          c.own_frames.get(),       c.duplicate_frames.get(),  c.bad_frames.get()};
}

// --- sending ---------------------------------------------------------------------------------------------------------

bool RedisBus::send(std::string_view to_node, std::string message) {
  Core& c = *core_;
  if (c.is_up && !c.stopped && valid_node_id(to_node) && to_node != c.node_id) {
    std::lock_guard lock(c.mu);
    if (c.queue_locked(to_node, message)) return true;
  }
  c.messages_dropped.add();
  return false;
}

bool RedisBus::broadcast(std::string message) {
  Core& c = *core_;
  if (!c.is_up || c.stopped) {
    c.messages_dropped.add();
    return false;
  }
  bool all = true;
  std::lock_guard lock(c.mu);
  for (const auto& to : c.alive) {
    if (c.queue_locked(to, message)) continue;
    c.messages_dropped.add();
    all = false;
  }
  return all;
}

bool RedisBus::Core::queue_locked(std::string_view to, std::string_view message) {
  auto it = out.find(to);
  if (it == out.end()) it = out.try_emplace(std::string(to)).first;
  Outbox& box = it->second;
  if (box.bytes + frame_message_overhead + message.size() > options.max_queue_bytes) return false;
  const bool fresh = box.frames.empty() || !box.frames.back().fits(message.size());
  if (fresh) box.frames.push_back(writer_locked());
  FrameWriter& frame = box.frames.back();
  const std::size_t before = fresh ? 0 : frame.size();
  frame.add(message);
  box.bytes += frame.size() - before;
  if (!flush_posted) {
    flush_posted = true;
    asio::post(strand, [self = shared_from_this()] { self->flush(); });
  }
  return true;
}

FrameWriter RedisBus::Core::writer_locked() {
  if (spare.empty())
    return FrameWriter(node_id, incarnation, {publish_headroom, publish_tail.size(), options.max_frame_bytes});
  FrameWriter w = std::move(spare.back());
  spare.pop_back();
  return w;
}

void RedisBus::Core::recycle_locked(FrameWriter&& frame) {
  if (spare.size() >= max_spare_frames) return;
  frame.clear();  // a buffer a large message grew is given back here
  spare.push_back(std::move(frame));
}

void RedisBus::Core::flush() {
  // In passes of one frame per destination (none waits behind another's backlog), published outside the lock.
  struct Ready {
    std::string to;
    FrameWriter frame;
  };
  std::vector<Ready> ready;
  std::unique_lock lock(mu);
  flush_posted = false;
  for (;;) {
    for (auto& r : ready) recycle_locked(std::move(r.frame));
    ready.clear();
    const bool can_send = is_up && !stopped && pub->up();
    for (auto& [to, box] : out) {
      if (box.frames.empty()) continue;
      if (!can_send) {
        for (auto& frame : box.frames) {
          messages_dropped.add(frame.count());
          recycle_locked(std::move(frame));
        }
        box.frames.clear();
        box.bytes = 0;
        continue;
      }
      // The rest waits in its queue for answers: too many commands pending, or the socket did not take the last
      // PUBLISH whole (hiredis holds the rest; its answer comes once it is written).
      if (pub->pending() + ready.size() >= options.connection.max_pending ||
          (publishes_in_flight > 0 && pub->unsent_bytes() > 0)) {
        publish_blocked = true;
        break;
      }
      box.bytes -= box.frames.front().size();
      ready.push_back({to, std::move(box.frames.front())});
      box.frames.pop_front();
    }
    if (ready.empty()) return;
    lock.unlock();
    for (auto& r : ready) publish(r.to, r.frame);
    lock.lock();
    if (publish_blocked) {
      for (auto& r : ready) recycle_locked(std::move(r.frame));
      return;
    }
  }
}

void RedisBus::Core::publish(std::string_view to, FrameWriter& frame) {
  const std::uint32_t count = frame.count();
  const std::size_t frame_size = frame.finish(next_sequence++).size();
  publish_head(head, to, frame_size);
  const std::string_view command = frame.wrap(head, publish_tail);
  // Counted before: a write that fails inside formatted_command() answers every pending command (on_published)
  // before it returns.
  ++publishes_in_flight;
  auto sent = pub->formatted_command(
      command, [self = shared_from_this(), count](Result<RedisReply> reply) { self->on_published(count, reply); });
  if (!sent) {
    --publishes_in_flight;  // refused before it was queued: no answer will come
    messages_dropped.add(count);
  }
}

void RedisBus::Core::on_published(std::uint32_t count, const Result<RedisReply>& reply) {
  --publishes_in_flight;
  if (!reply || reply->is_error()) {
    messages_dropped.add(count);
    // Once per run of failures (a lost connection fails every PUBLISH in flight at once).
    if (!publish_failing)
      spdlog::warn("bus: a PUBLISH of {} message(s) failed: {}", count, reply ? reply->str : reply.error().message);
    publish_failing = true;
  } else {
    publish_failing = false;
    frames_sent.add();
    messages_sent.add(count);
    if (reply->type == RedisReply::Type::integer && reply->integer == 0) messages_unheard.add(count);
  }
  unblock();
}

// A command of the publishing connection was answered: frames that waited for a free slot may go now. (Every
// command's answer calls it, not only a PUBLISH's: frames blocked by the heartbeat's commands alone, with no
// PUBLISH in flight, would otherwise wait for the next send.)
void RedisBus::Core::unblock() {
  if (!publish_blocked) return;
  publish_blocked = false;
  flush();
}

// --- receiving -------------------------------------------------------------------------------------------------------

void RedisBus::Core::on_frame(std::string_view payload) {
  if (stopped) return;
  auto frame = parse_frame(payload);
  if (!frame) {
    if (bad_frames.get() % 1000 == 0) spdlog::warn("bus: dropped a bad frame: {}", frame.error().message);
    bad_frames.add();
    return;
  }
  if (frame->origin == node_id) return own_frames.add();
  auto it = seen.find(frame->origin);
  if (it != seen.end() && it->second.incarnation == frame->incarnation && frame->sequence <= it->second.sequence)
    return duplicate_frames.add();
  if (it == seen.end()) {
    if (seen.size() >= max_origins) seen.clear();
    it = seen.try_emplace(std::string(frame->origin)).first;
  }
  it->second = {frame->incarnation, frame->sequence};
  frames_received.add();
  for (auto message : frame->messages) {
    if (stopped) return;
    messages_received.add();
    if (on_message) on_message(frame->origin, message);
  }
}

// --- lifecycle -------------------------------------------------------------------------------------------------------

void RedisBus::Core::do_start() {
  if (stopped) return;
  std::weak_ptr<Core> weak = shared_from_this();
  auto state = [weak](bool) {
    if (auto self = weak.lock()) self->on_connection_state();
  };
  pub->on_state(state);
  sub->on_state(state);
  sub->subscribe(channel_of(node_id));
  sub->on_message([weak](std::string_view, std::string_view payload) {
    if (auto self = weak.lock()) self->on_frame(payload);
  });
  pub->start();
  sub->start();
  heartbeat();
}

void RedisBus::Core::on_connection_state() {
  if (stopped) return;
  const bool now_up = pub->up() && sub->up();
  if (now_up == is_up.load()) return;
  is_up = now_up;
  spdlog::info("bus: node {} {}", node_id, now_up ? "connected to Redis" : "lost Redis: cross-node messages fail");
  if (now_up) {
    heartbeat_timer.cancel();  // beat now, so the others see this node at once
    heartbeat();
  }
  if (on_state) on_state(now_up);
}

void RedisBus::Core::do_stop(bool graceful) {
  heartbeat_timer.cancel();
  sub->stop();
  if (graceful && pub->up()) {
    // Leave the set at once rather than expire; close once Redis answered (or the command timed out).
    auto sent = pub->command({"ZREM", nodes_key, node_id},
                             [self = shared_from_this()](Result<RedisReply>) { self->pub->stop(); });
    if (sent) return;
  }
  pub->stop();
}

// --- heartbeat -------------------------------------------------------------------------------------------------------

void RedisBus::Core::heartbeat() {
  if (stopped) return;
  // Redis' clock, not ours: the nodes' clocks may disagree, the expiry must not.
  if (is_up)
    (void)pub->command({"TIME"}, [self = shared_from_this()](Result<RedisReply> r) {
      self->on_time(r);
      self->unblock();
    });
  heartbeat_timer.expires_after(options.heartbeat_interval);
  heartbeat_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->heartbeat();
  });
}

void RedisBus::Core::on_time(const Result<RedisReply>& reply) {
  if (stopped || !reply) return;
  if (reply->type != RedisReply::Type::array || reply->elements.size() != 2)
    return spdlog::warn("bus: unexpected answer to TIME");
  long long now_ms = 0;
  try {
    now_ms = std::stoll(reply->elements[0].str) * 1000 + std::stoll(reply->elements[1].str) / 1000;
  } catch (const std::exception&) {
    return spdlog::warn("bus: unexpected answer to TIME");
  }
  const auto expiry = std::to_string(now_ms + options.node_ttl.count());
  std::string forget = "(";  // exclusive ("(" + std::to_string trips GCC 12's -Wrestrict false positive)
  forget += std::to_string(now_ms - options.forget_after.count());
  const auto now = std::to_string(now_ms);
  const auto answered = [self = shared_from_this()](Result<RedisReply>) { self->unblock(); };
  (void)pub->command({"ZADD", nodes_key, expiry, node_id}, answered);
  (void)pub->command({"ZREMRANGEBYSCORE", nodes_key, "-inf", forget}, answered);
  (void)pub->command({"ZRANGEBYSCORE", nodes_key, now, "+inf"}, [self = shared_from_this()](Result<RedisReply> r) {
    self->on_alive(r);
    self->unblock();
  });
}

void RedisBus::Core::on_alive(const Result<RedisReply>& reply) {
  if (stopped || !reply || reply->type != RedisReply::Type::array) return;
  std::vector<std::string> nodes;
  for (const auto& e : reply->elements)
    if (e.type == RedisReply::Type::string && e.str != node_id && valid_node_id(e.str)) nodes.push_back(e.str);
  std::lock_guard lock(mu);
  alive = std::move(nodes);
  // Forget the empty queues of nodes that are gone (sequence numbers are per process, so nothing is lost).
  std::erase_if(out, [this](const auto& kv) {
    return kv.second.frames.empty() && std::find(alive.begin(), alive.end(), kv.first) == alive.end();
  });
}

// --- commands --------------------------------------------------------------------------------------------------------

void RedisBus::command(std::vector<std::string> args, ReplyHandler on_reply) {
  asio::post(core_->strand, [core = core_, args = std::move(args), h = std::move(on_reply)]() mutable {
    if (core->stopped) return;
    std::vector<std::string_view> views(args.begin(), args.end());
    auto sent = core->pub->command(views, [core, h](Result<RedisReply> r) {
      if (!core->stopped) h(std::move(r));
      core->unblock();
    });
    if (!sent) h(sent.error());
  });
}

}  // namespace hearth::cluster
