#pragma once
// The call-session REST endpoints under /api/video-call: initiate, join, session details, media, end and
// history (and the caller's ICE servers). Each runs its domain rule inside one store operation (read, decide,
// write: serialized by the store thread, so concurrent requests on one session cannot interleave) and answers
// when it committed.
// Thread safety: handlers may run on any connection's shard; state is immutable or thread safe.
#include <functional>
#include <string>
#include <string_view>

#include "auth/jwt.hpp"
#include "calls/events.hpp"
#include "calls/limits.hpp"
#include "core/clock.hpp"
#include "ice/ice_servers.hpp"
#include "net/http_handler.hpp"
#include "store/store.hpp"

namespace hearth::http {

struct ApiRequest {
  net::Request req;
  std::string session_id;  // the :sessionId route parameter, if any
  std::string query;       // the raw query string
  auth::Principal principal;
  net::Responder respond;
};

class VideoCallApi {
 public:
  VideoCallApi(store::Store& store, const ice::IceServers& ice, const Clock& clock, calls::Limits limits,
               bool development);

  void initiate(ApiRequest r);
  void join(ApiRequest r);
  void get_session(ApiRequest r);
  void update_media(ApiRequest r);
  void end(ApiRequest r);
  void history(ApiRequest r);
  // GET /session/:sessionId/chat: a page of the call's chat a member may read (docs/call-controls.md, "Chat").
  void chat(ApiRequest r);
  // GET /ice-servers: fresh ICE servers (new TURN credentials) for a call that outlives its credentials.
  void ice_servers(ApiRequest r);

  bool development() const { return development_; }
  // Where committed changes are announced (signaling); not owned, may stay unset.
  void set_events(calls::CallEvents* events) { events_ = events; }

 private:
  void fail(const ApiRequest& r, const Error& e) const;
  // May refuse the session, or adjust the copy that is answered.
  using SessionCheck = std::function<Result<void>(calls::CallSession&)>;
  // A read of one session, passed through `check`: answered from the session's committed state when the store has
  // it at hand (no store round trip), else read by the store thread.
  void read_session(const ApiRequest& r, SessionCheck check, std::function<void(Result<calls::CallSession>)> answer);

  store::Store& store_;         // owned by the server
  const ice::IceServers& ice_;  // owned by the server
  const Clock& clock_;          // owned by the server
  calls::Limits limits_;
  bool development_;
  calls::CallEvents* events_ = nullptr;  // owned by the server; outlives the API
};

}  // namespace hearth::http
