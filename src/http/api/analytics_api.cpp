#include "http/api/analytics_api.hpp"

#include "calls/policy.hpp"
#include "http/api/analytics_json.hpp"
#include "http/response.hpp"
#include "store/quality_json.hpp"

namespace hearth::http {
using store::Repository;

AnalyticsApi::AnalyticsApi(store::Store& store, const Clock& clock, bool development, AnalyticsLimits limits)
    : store_(store), clock_(clock), development_(development), limits_(limits) {}

void AnalyticsApi::quality(ApiRequest r) {
  // The membership check and the summary come from one store operation: the session's committed state and its
  // summary as of the same transaction.
  store_.execute<std::string>(
      [id = r.session_id, user = r.principal.user_id](Repository& repo) -> Result<std::string> {
        const auto s = repo.find(id, false);
        if (!s) return make_error(errc::not_found, "Call session not found");
        if (auto ok = calls::check_can_view(*s, user); !ok) return ok.error();
        // No summary until someone in the call reported stats: the empty one (no participants, nulls).
        return store::quality_answer_json(s->session_id, repo.load_quality(id).value_or(calls::QualitySummary{}));
      },
      [respond = r.respond, dev = development_](Result<std::string> res) {
        if (!res) return respond(error_response(res.error(), dev));
        respond(ok_text("Call quality retrieved", *res));
      });
}

void AnalyticsApi::analytics(ApiRequest r) {
  if (r.principal.role != "admin")
    return r.respond(error_response(make_error(errc::forbidden, "Analytics are for administrators"), development_));
  auto query = parse_analytics_query(r.query, clock_.now(), limits_);
  if (!query) return r.respond(error_response(query.error(), development_));
  store_.execute<store::AnalyticsReport>(
      [q = *query](Repository& repo) -> Result<store::AnalyticsReport> { return repo.analytics(q); },
      [respond = r.respond, dev = development_](Result<store::AnalyticsReport> res) {
        if (!res) return respond(error_response(res.error(), dev));
        respond(ok_text("Call analytics retrieved", analytics_json(*res)));
      });
}

}  // namespace hearth::http
