// Fuzz target for call_quality_report (signaling/payloads parse_quality_report, calls/quality). Each input is a
// sequence of reports separated by "\n"; the first byte of each picks the reporter (one of four members). Properties:
//  - what parse_quality_report() accepts is within its rules (a session id, at most 32 links, every figure finite
//    and in range, a socket id per link); what it refuses is refused with invalid_argument and a message;
//  - fed to a QualityTracker, every level agrees with its MOS (1..4.5), the bottleneck is a scored member, and the
//    summary holds 1 <= min <= mean <= 4.5 for every scored participant, sorted unique candidate types, losses 0..100.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "calls/quality.hpp"
#include "core/ids.hpp"
#include "fuzz_check.hpp"
#include "signaling/payloads.hpp"

namespace {

using namespace hearth;

constexpr std::string_view kMembers[] = {"a", "b", "c", "d"};

bool in_range(double v, double max) { return std::isfinite(v) && v >= 0 && v <= max; }

void check_tracker(const calls::QualityTracker& t) {
  bool bottleneck_scored = !t.bottleneck().has_value();
  for (const auto& l : t.levels()) {
    HEARTH_FUZZ_CHECK(l.mos >= 1.0 && l.mos <= 4.5);
    HEARTH_FUZZ_CHECK(calls::level_for_mos(l.mos) == l.level);
    if (t.bottleneck() == l.user_id) bottleneck_scored = true;
  }
  HEARTH_FUZZ_CHECK(bottleneck_scored);
  for (const auto& p : t.summary().participants) {
    if (p.samples > 0) HEARTH_FUZZ_CHECK(p.mos_min >= 1.0 && p.mos_min <= p.mos_mean + 1e-9 && p.mos_mean <= 4.5);
    HEARTH_FUZZ_CHECK(p.worst_loss_pct >= 0 && p.worst_loss_pct <= 100);
    HEARTH_FUZZ_CHECK(std::is_sorted(p.candidate_types.begin(), p.candidate_types.end()));
    HEARTH_FUZZ_CHECK(std::adjacent_find(p.candidate_types.begin(), p.candidate_types.end()) ==
                      p.candidate_types.end());
  }
}

}  // namespace

extern "C" int HEARTH_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  calls::QualityTracker tracker;
  std::size_t pos = 0;
  while (pos < input.size()) {
    auto end = input.find('\n', pos);
    if (end == std::string_view::npos) end = input.size();
    const auto line = input.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    const std::string_view reporter = kMembers[static_cast<unsigned char>(line[0]) % 4];
    auto req = signaling::parse_quality_report(line.substr(1));
    if (!req) {
      HEARTH_FUZZ_CHECK(req.error().code == errc::invalid_argument && !req.error().message.empty());
      continue;
    }
    HEARTH_FUZZ_CHECK(is_valid_id(req->session_id));
    HEARTH_FUZZ_CHECK(req->links.size() <= signaling::kMaxQualityLinks);
    if (req->connection_established_ms) HEARTH_FUZZ_CHECK(*req->connection_established_ms >= 0);
    calls::QualityReport report{std::string(reporter), req->connection_established_ms, {}};
    for (auto& link : req->links) {
      HEARTH_FUZZ_CHECK(is_valid_id(link.socket_id));
      HEARTH_FUZZ_CHECK(in_range(link.report.rtt_ms, 60'000) && in_range(link.report.jitter_ms, 60'000));
      HEARTH_FUZZ_CHECK(in_range(link.report.loss_pct, 100));
      // The room maps socket ids to members; here the id's first byte does.
      link.report.sender = std::string(kMembers[static_cast<unsigned char>(link.socket_id[0]) % 4]);
      report.links.push_back(link.report);
    }
    tracker.report(report);
    check_tracker(tracker);
    if (line.size() > 1 && line[1] == 'x') {  // now and then a member leaves
      tracker.remove(reporter);
      check_tracker(tracker);
    }
  }
  return 0;
}
