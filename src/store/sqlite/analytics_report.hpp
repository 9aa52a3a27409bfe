#pragma once
// Builds an AnalyticsReport (store/analytics.hpp) from the analytics tables, exactly for any [from, to) in ms:
// - recorded calls: the full hours of the range from the hourly roll-ups, the partial first and last hours from
//   the raw facts (by created_at);
// - calls not recorded yet (live, or ended and not reached by record_ended yet): counted as ongoing;
// - percentiles (nearest rank) of durations and establishment times: the bucket holding the rank from the daily
//   histograms (full days) plus the raw facts (partial days), then the exact value by walking the metric's index
//   inside that one bucket, filtered to the range;
// - concurrency peaks and usage counts: per hour only, so the hours the range touches.
// Reads only; the caller provides the transaction (one snapshot). Throws StoreError(errc::invalid_argument) for
// an empty or reversed range or one of more than kMaxAnalyticsBuckets points.
// Thread safety: none; the connection's thread.
#include "store/analytics.hpp"

namespace hearth::store::analytics {

// Db: SqliteConnection or PgConnection (instantiated for both in analytics_report.cpp).
template <class Db>
AnalyticsReport build_report(Db& db, const AnalyticsQuery& query);

}  // namespace hearth::store::analytics
