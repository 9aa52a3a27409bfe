#pragma once
// The `data` of GET /api/video-call/analytics: the store's AnalyticsReport as JSON, in the shape docs/api.md
// documents field by field (the admin dashboard reads it). Every key is always present: types, end reasons and
// quality levels all listed (0 when none), rates and shares 0 when their denominator is, and the values nothing was
// measured for (mosMean, establishment percentiles) null.
// Thread safety: stateless.
#include <string>

#include "store/analytics.hpp"

namespace hearth::http {

std::string analytics_json(const store::AnalyticsReport& report);

}  // namespace hearth::http
