#include "net/send_batcher.hpp"

#include <liburing.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

namespace hearth::net {
namespace asio = boost::asio;

namespace {
constexpr unsigned kRingEntries = 256;  // sends per io_uring_enter; a larger turn takes several
}

SendBatcher::SendBatcher(asio::io_context& ioc) : asio::execution_context::service(ioc), ioc_(ioc) {
  auto ring = std::make_unique<io_uring>();
  io_uring_params params{};
  // Every send completes during the submission: no kernel thread, no deferred work. (Not SINGLE_ISSUER: the ring
  // may be created on another thread than the one that runs the io_context.)
  params.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN;
  params.flags |= IORING_SETUP_CQSIZE;
  params.cq_entries = 2 * kRingEntries;
  if (const int rc = io_uring_queue_init_params(kRingEntries, ring.get(), &params); rc < 0) {
    spdlog::info("io_uring unavailable ({}): sends go one syscall per socket", std::strerror(-rc));
    return;
  }
  ring_ = std::move(ring);
}

SendBatcher::~SendBatcher() { drop_ring(); }

SendBatcher* SendBatcher::of(asio::io_context& ioc) { return &asio::use_service<SendBatcher>(ioc); }

void SendBatcher::shutdown() {
  queued_.clear();
  batch_.clear();
}

void SendBatcher::drop_ring() {
  if (!ring_) return;
  io_uring_queue_exit(ring_.get());
  ring_.reset();
}

void SendBatcher::add(std::shared_ptr<BatchedSender> c) {
  if (queued_.empty()) asio::post(ioc_, [this] { flush(); });
  queued_.push_back(std::move(c));
}

void SendBatcher::flush() {
  batch_.swap(queued_);
  for (std::size_t begin = 0; begin < batch_.size(); begin += kRingEntries) {
    const std::size_t end = std::min(batch_.size(), begin + kRingEntries);
    if (ring_) {
      submit(begin, end);
    } else {
      for (std::size_t i = begin; i < end; ++i) batch_[i]->scheduled_flush();
    }
  }
  batch_.clear();
}

void SendBatcher::submit(std::size_t begin, std::size_t end) {
  constexpr std::size_t done = SIZE_MAX;
  auto& slots = slots_;  // by user_data: the connection's index in batch_, or `done` once answered
  slots.clear();
  for (std::size_t i = begin; i < end; ++i) {
    const auto data = batch_[i]->take_batch();
    if (data.empty()) continue;
    io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());  // never null: at most kRingEntries per submission
    io_uring_prep_send(sqe, batch_[i]->native_fd(), data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, slots.size());
    slots.push_back(i);
  }
  if (slots.empty()) return;
  int submitted = 0;
  do {
    submitted = io_uring_submit(ring_.get());
  } while (submitted == -EINTR);
  const std::size_t in_flight = submitted > 0 ? static_cast<std::size_t>(submitted) : 0;
  // Every send completes during the submission (MSG_DONTWAIT), so these waits return at once.
  std::size_t delivered = 0;  // results handed to their connection
  for (std::size_t answered = 0; answered < in_flight;) {
    io_uring_cqe* cqe = nullptr;
    const int rc = io_uring_wait_cqe(ring_.get(), &cqe);
    if (rc == -EINTR) continue;
    if (rc < 0) break;
    const auto slot = static_cast<std::size_t>(io_uring_cqe_get_data64(cqe));
    const long result = cqe->res;
    io_uring_cqe_seen(ring_.get(), cqe);
    ++answered;
    if (slot >= slots.size() || slots[slot] == done) continue;
    const std::size_t i = slots[slot];
    slots[slot] = done;
    ++delivered;
    batch_[i]->batch_sent(result);
  }
  if (delivered == slots.size()) return;
  // Not expected (SUBMIT_ALL submits everything, and sends complete inline). Plain sends from now on; what the
  // ring did not take is sent that way, and a connection whose send's outcome is unknown is closed rather than
  // risk sending its bytes twice.
  spdlog::warn("io_uring submission failed ({} of {} sends taken): sends go one syscall per socket", in_flight,
               slots.size());
  drop_ring();  // discards the sends it did not take
  for (std::size_t k = 0; k < slots.size(); ++k) {
    if (slots[k] == done) continue;
    if (k < in_flight)
      batch_[slots[k]]->batch_sent(-EIO);
    else
      batch_[slots[k]]->scheduled_flush();
  }
}

}  // namespace hearth::net
