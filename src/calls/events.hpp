#pragma once
// What happened to a call, for whoever must tell the clients (signaling announces these over Socket.IO).
// The REST API and the sweeper report through it after the change committed.
// Thread safety: implementations must accept calls from any thread.
#include <string>

#include "calls/call_session.hpp"

namespace hearth::calls {

class CallEvents {
 public:
  virtual ~CallEvents() = default;
  virtual void initiated(const CallSession& session) = 0;
  virtual void media_changed(const CallSession& session, const std::string& user_id) = 0;
  virtual void ended(const CallSession& session) = 0;
};

}  // namespace hearth::calls
