#include "net/serial_executor.hpp"

#include <atomic>

#include <boost/asio/strand.hpp>

namespace hearth::net {
namespace asio = boost::asio;

namespace {
// The thread count, kept by the io_context itself (an Asio service), so no global state is involved.
class IoThreads final : public asio::execution_context::service {
 public:
  using key_type = IoThreads;
  static inline asio::execution_context::id id;
  explicit IoThreads(asio::execution_context& ctx) : asio::execution_context::service(ctx) {}
  std::atomic<unsigned> threads{0};  // 0: not recorded

 private:
  void shutdown() override {}
};
}  // namespace

void set_io_threads(asio::io_context& ioc, unsigned threads) {
  asio::use_service<IoThreads>(ioc).threads.store(threads, std::memory_order_relaxed);
}

unsigned io_threads(asio::io_context& ioc) {
  return asio::use_service<IoThreads>(ioc).threads.load(std::memory_order_relaxed);
}

bool running_in_this_thread(const asio::any_io_executor& ex) noexcept {
  if (const auto* io = ex.target<asio::io_context::executor_type>()) return io->running_in_this_thread();
  if (const auto* strand = ex.target<asio::strand<asio::io_context::executor_type>>())
    return strand->running_in_this_thread();
  return false;
}

asio::any_io_executor serial_executor(asio::io_context& ioc) {
  if (io_threads(ioc) == 1) return ioc.get_executor();
  return asio::make_strand(ioc);
}

}  // namespace hearth::net
