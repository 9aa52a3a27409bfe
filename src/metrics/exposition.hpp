#pragma once
// GET /metrics' body: the Prometheus text exposition format (version 0.0.4): for every metric of names.hpp a
// # HELP and a # TYPE line, then its samples; histograms as cumulative _bucket{le=...} series ending with +Inf,
// then _sum and _count. Label values are escaped (\\, \" and \n), as are help texts (\\ and \n).
// Values that are not counted (queue depths, registry sizes, webhook counters) are read at scrape time by the caller
// and passed in ScrapeInputs.
// Thread safety: pure functions.
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "metrics/metrics.hpp"

namespace hearth::webhooks {
struct WebhookStats;
}

namespace hearth::metrics {

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

struct ScrapeInputs {
  std::int64_t engineio_sessions = 0;
  std::int64_t authenticated_users = 0;
  std::int64_t store_queue_depth = 0;
  std::int64_t store_queue_capacity = 0;
  const webhooks::WebhookStats* webhooks = nullptr;  // null: the webhook metrics are left out
  // Per shard (net/shards.hpp), by index: what it handed to the others. Empty: the shard metrics are left out.
  struct Shard {
    std::uint64_t handoffs = 0, batches = 0, wakeups = 0;
  };
  std::vector<Shard> shards;
  // Names an errc as call_error does (signaling::error_code); several codes may share a name (summed).
  using CodeName = std::string_view (*)(errc) noexcept;
  CodeName signaling_code = nullptr;  // null: core's to_string(errc)
};

std::string render(const Snapshot& snapshot, const ScrapeInputs& inputs);

// The text format's escaping, for tests and the writer: label values escape backslash, double quote and newline;
// help texts backslash and newline.
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);

// One metric family being written: the HELP/TYPE header, then samples.
class ExpositionWriter {
 public:
  explicit ExpositionWriter(std::string& out) : out_(out) {}
  using Label = std::pair<std::string_view, std::string_view>;

  void family(const MetricInfo& info);
  // name + suffix{labels} value
  void sample(std::string_view name, std::string_view suffix, std::initializer_list<Label> labels, double value);
  void sample(std::string_view name, std::string_view suffix, std::initializer_list<Label> labels, std::int64_t value);
  // One histogram series: `buckets` per bucket (not cumulative), the last one past every bound.
  void histogram(const MetricInfo& info, std::initializer_list<Label> labels, std::span<const double> bounds,
                 std::span<const std::uint64_t> buckets, double sum);

 private:
  void labels(std::initializer_list<Label> labels, const Label* extra);
  std::string& out_;
};

}  // namespace hearth::metrics
