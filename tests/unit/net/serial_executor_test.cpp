// serial_executor and running_in_this_thread: one I/O thread uses the io_context's executor (handlers run inline
// where they may), several use strands; running_in_this_thread is true only inside a handler that may act now.
#include "net/serial_executor.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

namespace hearth::net {
namespace {
namespace asio = boost::asio;

TEST(SerialExecutor, OneThreadUsesTheIoContextsOwnExecutor) {
  asio::io_context ioc(1);
  set_io_threads(ioc, 1);
  const auto ex = serial_executor(ioc);
  EXPECT_NE(ex.target<asio::io_context::executor_type>(), nullptr);
  EXPECT_FALSE(running_in_this_thread(ex));  // not inside run()
  bool inside = false;
  asio::post(ioc, [&] { inside = running_in_this_thread(ex); });
  ioc.run();
  EXPECT_TRUE(inside);
}

TEST(SerialExecutor, SeveralThreadsUseAStrandPerObject) {
  asio::io_context ioc(2);
  set_io_threads(ioc, 2);
  const auto a = serial_executor(ioc);
  const auto b = serial_executor(ioc);
  EXPECT_NE(a.target<asio::strand<asio::io_context::executor_type>>(), nullptr);
  bool in_own = false, in_other = true, in_plain = true;
  asio::post(a, [&] {
    in_own = running_in_this_thread(a);
    in_other = running_in_this_thread(b);  // another object's strand: must be posted to, not entered
  });
  asio::post(ioc, [&] { in_plain = running_in_this_thread(a); });
  ioc.run();
  EXPECT_TRUE(in_own);
  EXPECT_FALSE(in_other);
  EXPECT_FALSE(in_plain);
}

TEST(SerialExecutor, UnrecordedThreadCountMeansStrands) {
  asio::io_context ioc;
  EXPECT_NE(serial_executor(ioc).target<asio::strand<asio::io_context::executor_type>>(), nullptr);
}

}  // namespace
}  // namespace hearth::net
