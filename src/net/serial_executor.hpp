#pragma once
// The executor that serialises one object's handlers (a connection, an Engine.IO session, a call room): a strand
// when several threads run the io_context, and the io_context's own executor when only one does. One thread is
// serial already; there a strand only costs a lock and a queue hop, and dispatch() from one object to another
// (a relayed message crosses a room, a session and a connection) runs inline instead of being queued.
// The code that runs the io_context records how many threads do (set_io_threads); until it has, strands.
// Thread safety: set_io_threads before the threads start; serial_executor from any thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

namespace hearth::net {

void set_io_threads(boost::asio::io_context& ioc, unsigned threads);
// What set_io_threads recorded; 0 if nothing was.
unsigned io_threads(boost::asio::io_context& ioc);
boost::asio::any_io_executor serial_executor(boost::asio::io_context& ioc);
// True if the calling thread may run `ex`'s handlers now, in order with what `ex` already ran: inside a handler of
// the io_context (one thread) or of that very strand. Hot paths then act inline instead of building a handler.
bool running_in_this_thread(const boost::asio::any_io_executor& ex) noexcept;

}  // namespace hearth::net
