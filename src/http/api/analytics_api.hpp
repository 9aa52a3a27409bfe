#pragma once
// The call-quality and usage-analytics REST endpoints under /api/video-call (docs/api.md):
//  - GET /session/:sessionId/quality: a call's stored quality summary, for its members (initiator or invitees);
//  - GET /analytics?from=&to=&granularity=: the usage report of a time range, for admins (JWT role "admin").
// Both read in one store operation; the report is computed by the store (store/analytics.hpp).
// Thread safety: handlers may run on any connection's shard; state is immutable.
#include "core/clock.hpp"
#include "http/api/analytics_query.hpp"
#include "http/api/video_call_api.hpp"
#include "store/store.hpp"

namespace hearth::http {

class AnalyticsApi {
 public:
  AnalyticsApi(store::Store& store, const Clock& clock, bool development, AnalyticsLimits limits = {});

  void quality(ApiRequest r);
  void analytics(ApiRequest r);

 private:
  store::Store& store_;  // owned by the server
  const Clock& clock_;   // owned by the server
  bool development_;
  AnalyticsLimits limits_;
};

}  // namespace hearth::http
