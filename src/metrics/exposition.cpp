#include "metrics/exposition.hpp"

#include <map>

#include <fmt/format.h>

#include "webhooks/webhook_stats.hpp"

namespace hearth::metrics {

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void ExpositionWriter::family(const MetricInfo& info) {
  fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", info.name, escape_help(info.help), info.name,
                 info.type);
}

void ExpositionWriter::labels(std::initializer_list<Label> labels, const Label* extra) {
  if (labels.size() == 0 && !extra) return;
  out_ += '{';
  bool first = true;
  const auto one = [&](const Label& l) {
    if (!first) out_ += ',';
    first = false;
    out_ += l.first;
    out_ += "=\"";
    out_ += escape_label_value(l.second);
    out_ += '"';
  };
  for (const auto& l : labels) one(l);
  if (extra) one(*extra);
  out_ += '}';
}

void ExpositionWriter::sample(std::string_view name, std::string_view suffix, std::initializer_list<Label> ls,
                              double value) {
  out_ += name;
  out_ += suffix;
  labels(ls, nullptr);
  fmt::format_to(std::back_inserter(out_), " {}\n", value);
}

void ExpositionWriter::sample(std::string_view name, std::string_view suffix, std::initializer_list<Label> ls,
                              std::int64_t value) {
  out_ += name;
  out_ += suffix;
  labels(ls, nullptr);
  fmt::format_to(std::back_inserter(out_), " {}\n", value);
}

void ExpositionWriter::histogram(const MetricInfo& info, std::initializer_list<Label> ls,
                                 std::span<const double> bounds, std::span<const std::uint64_t> buckets, double sum) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds.size() && i < buckets.size(); ++i) {
    cumulative += buckets[i];
    const std::string le = fmt::format("{}", bounds[i]);
    const Label extra{"le", le};
    out_ += info.name;
    out_ += "_bucket";
    labels(ls, &extra);
    fmt::format_to(std::back_inserter(out_), " {}\n", cumulative);
  }
  if (!buckets.empty()) cumulative += buckets.back();
  const Label inf{"le", "+Inf"};
  out_ += info.name;
  out_ += "_bucket";
  labels(ls, &inf);
  fmt::format_to(std::back_inserter(out_), " {}\n", cumulative);
  // The count is the +Inf bucket: read from the same cells, so the two always agree.
  sample(info.name, "_sum", ls, sum);
  sample(info.name, "_count", ls, static_cast<std::int64_t>(cumulative));
}

namespace {

std::int64_t as_int(std::uint64_t v) { return static_cast<std::int64_t>(v); }

void write_counters(ExpositionWriter& w, const Snapshot& s, const ScrapeInputs& in) {
  w.family(kCallsInitiated);
  for (std::size_t t = 0; t < kCallTypes.size(); ++t)
    w.sample(kCallsInitiated.name, "", {{"type", kCallTypes[t]}}, as_int(s.calls_initiated[t]));

  w.family(kCallsEnded);
  for (std::size_t t = 0; t < kCallTypes.size(); ++t)
    for (std::size_t r = 1; r < kEndReasons.size(); ++r)  // "none" is not an end reason of an ended call
      w.sample(kCallsEnded.name, "", {{"type", kCallTypes[t]}, {"reason", kEndReasons[r]}},
               as_int(s.calls_ended[t][r]));

  w.family(kSignalingEventsTotal);
  for (std::size_t e = 0; e < kSignalingEvents.size(); ++e)
    w.sample(kSignalingEventsTotal.name, "", {{"event", kSignalingEvents[e]}}, as_int(s.signaling_events[e]));

  w.family(kRelays);
  for (std::size_t k = 0; k < kRelayKinds.size(); ++k)
    w.sample(kRelays.name, "", {{"kind", kRelayKinds[k]}}, as_int(s.relays[k]));

  // Errors: only the codes that happened (statuses are many), signaling codes merged by their wire name.
  w.family(kErrors);
  for (std::size_t i = 0; i < kErrorStatuses; ++i)
    if (s.rest_errors[i])
      w.sample(kErrors.name, "",
               {{"source", "rest"}, {"code", std::to_string(kFirstErrorStatus + static_cast<int>(i))}},
               as_int(s.rest_errors[i]));
  std::map<std::string_view, std::uint64_t> by_name;
  for (std::size_t c = 1; c < kErrorCodes; ++c)
    if (s.signaling_errors[c]) {
      const auto code = static_cast<errc>(c);
      by_name[in.signaling_code ? in.signaling_code(code) : to_string(code)] += s.signaling_errors[c];
    }
  for (const auto& [code, n] : by_name)
    w.sample(kErrors.name, "", {{"source", "signaling"}, {"code", code}}, as_int(n));

  w.family(kRateLimited);
  for (std::size_t i = 0; i < kRateLimits.size(); ++i)
    w.sample(kRateLimited.name, "", {{"limit", kRateLimits[i]}}, as_int(s.rate_limited[i]));

  w.family(kAuthFailures);
  for (std::size_t i = 0; i < kAuthTransports.size(); ++i)
    w.sample(kAuthFailures.name, "", {{"transport", kAuthTransports[i]}}, as_int(s.auth_failures[i]));

  w.family(kCallSetups);
  for (std::size_t i = 0; i < kSetupOutcomes.size(); ++i)
    w.sample(kCallSetups.name, "", {{"outcome", kSetupOutcomes[i]}}, as_int(s.call_setups[i]));

  w.family(kSocketMoves);
  w.sample(kSocketMoves.name, "", {}, as_int(s.socket_moves[0]));

  w.family(kQualityLinks);
  for (std::size_t i = 0; i < kCandidateTypes.size(); ++i)
    w.sample(kQualityLinks.name, "", {{"candidate", kCandidateTypes[i]}}, as_int(s.quality_links[i]));

  if (in.webhooks) {
    const std::uint64_t values[] = {in.webhooks->delivered.load(std::memory_order_relaxed),
                                    in.webhooks->failed.load(std::memory_order_relaxed),
                                    in.webhooks->dropped.load(std::memory_order_relaxed)};
    w.family(kWebhookDeliveries);
    for (std::size_t i = 0; i < kWebhookOutcomes.size(); ++i)
      w.sample(kWebhookDeliveries.name, "", {{"outcome", kWebhookOutcomes[i]}}, as_int(values[i]));
  }
}

void write_gauges(ExpositionWriter& w, const Snapshot& s, const ScrapeInputs& in) {
  w.family(kConnectedSockets);
  for (std::size_t t = 0; t < kTransports.size(); ++t)
    w.sample(kConnectedSockets.name, "", {{"transport", kTransports[t]}}, s.connected_sockets[t]);
  w.family(kEngineioSessions);
  w.sample(kEngineioSessions.name, "", {}, in.engineio_sessions);
  w.family(kAuthenticatedUsers);
  w.sample(kAuthenticatedUsers.name, "", {}, in.authenticated_users);
  w.family(kCallsActive);
  for (std::size_t t = 0; t < kCallTypes.size(); ++t)
    w.sample(kCallsActive.name, "", {{"type", kCallTypes[t]}}, s.calls_active[t]);
  w.family(kParticipantsActive);
  w.sample(kParticipantsActive.name, "", {}, s.participants_active);
  w.family(kStoreQueueDepth);
  w.sample(kStoreQueueDepth.name, "", {}, in.store_queue_depth);
  w.family(kStoreQueueCapacity);
  w.sample(kStoreQueueCapacity.name, "", {}, in.store_queue_capacity);
  if (in.webhooks) {
    w.family(kWebhookOutboxPending);
    w.sample(kWebhookOutboxPending.name, "", {}, in.webhooks->pending.load(std::memory_order_relaxed));
  }
  if (!in.shards.empty()) {
    w.family(kShards);
    w.sample(kShards.name, "", {}, static_cast<std::int64_t>(in.shards.size()));
  }
}

void write_shards(ExpositionWriter& w, const ScrapeInputs& in) {
  if (in.shards.empty()) return;
  std::vector<std::string> index;
  for (std::size_t i = 0; i < in.shards.size(); ++i) index.push_back(std::to_string(i));
  const auto counter = [&](const MetricInfo& info, std::uint64_t ScrapeInputs::Shard::*field) {
    w.family(info);
    for (std::size_t i = 0; i < in.shards.size(); ++i)
      w.sample(info.name, "", {{"shard", index[i]}}, static_cast<std::int64_t>(in.shards[i].*field));
  };
  counter(kShardHandoffs, &ScrapeInputs::Shard::handoffs);
  counter(kShardHandoffBatches, &ScrapeInputs::Shard::batches);
  counter(kShardWakeups, &ScrapeInputs::Shard::wakeups);
}

void write_histogram(ExpositionWriter& w, const Snapshot& s, const MetricInfo& info, Histogram h) {
  w.family(info);
  const auto& v = s.histograms[series_of(h, 0)];
  w.histogram(info, {}, bounds_of(h), v.buckets, v.sum);
}

void write_histograms(ExpositionWriter& w, const Snapshot& s) {
  w.family(kHttpDuration);
  for (std::size_t r = 0; r < kRoutes.size(); ++r) {
    const auto& v = s.histograms[series_of(Histogram::http, r)];
    w.histogram(kHttpDuration, {{"route", kRoutes[r]}}, kHttpBuckets, v.buckets, v.sum);
  }
  write_histogram(w, s, kCallSetupDuration, Histogram::setup);
  write_histogram(w, s, kRelayDuration, Histogram::relay);
  write_histogram(w, s, kStoreBatchSize, Histogram::batch_size);
  write_histogram(w, s, kStoreCommitDuration, Histogram::commit);
  write_histogram(w, s, kQualityMos, Histogram::mos);
}

}  // namespace

std::string render(const Snapshot& snapshot, const ScrapeInputs& inputs) {
  std::string out;
  out.reserve(32 * 1024);
  ExpositionWriter w(out);
  write_counters(w, snapshot, inputs);
  write_gauges(w, snapshot, inputs);
  write_shards(w, inputs);
  write_histograms(w, snapshot);
  return out;
}

}  // namespace hearth::metrics
