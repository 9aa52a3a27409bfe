#pragma once
// Connection quality of one call, from the members' call_quality_report samples (docs/protocol.md).
//
// Scoring: each directed link (sender -> receiver, reported by the receiver) gets an E-model R-factor from latency,
// jitter and loss (ITU-T G.107 in the simplified form WebRTC monitoring tools use), mapped to MOS 1..4.5 and to a
// level (quality_summary.hpp). Smoothing: the link's R is an exponentially weighted average of its samples, and its
// level only changes when two raw samples in a row fall on the same side of it, so one bad sample does not flap it.
// A participant's level is the worse of how they are received and how they receive: the worst level among the links
// into and out of them.
//
// Bottleneck: in a mesh every sender uploads one stream per peer, so a weak uplink hurts everyone who watches that
// sender. A sender's uplink is as good as the BEST link out of it (a receiver's weak downlink only spoils its own
// link); a sender is a suspect when even that best link is below `good`, with evidence that the receivers are not
// to blame (a receiver of theirs receives someone else well, or, in a call of two, the other direction is fine).
// The bottleneck is the suspect with the weakest uplink; it stays while it remains a suspect within `switch_margin`.
//
// The tracker is the call's quality state: pure (time comes in as arguments), owned by whoever hosts the call's
// room, copyable; a summary (quality_summary.hpp) is what is stored.
// Thread safety: none; the call's shard serialises access.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calls/quality_summary.hpp"
#include "core/clock.hpp"

namespace hearth::calls {

// R-factor (0..100) of a link: effective latency = rtt/2 + 2 * jitter + 10 ms; R = 93.2 - latency/40 below 160 ms,
// 93.2 - (latency - 120)/10 above; minus 2.5 per percent of packet loss. Negative inputs count as 0.
double r_factor(double rtt_ms, double jitter_ms, double loss_pct) noexcept;
// G.107's MOS of an R-factor: 1 + 0.035 R + 7e-6 R (R - 60) (100 - R), clamped to 1..4.5.
double mos_from_r(double r) noexcept;

enum class CandidateType { host, srflx, prflx, relay };
std::optional<CandidateType> parse_candidate_type(std::string_view s) noexcept;
std::string_view to_string(CandidateType t) noexcept;

struct QualityOptions {
  double smoothing = 0.5;      // weight of a new sample in the link's average R
  int samples_to_change = 2;   // samples in a row that must agree before a link's level changes
  double good_mos = 3.60;      // below this a link is weak (level fair or worse)
  double switch_margin = 0.2;  // MOS by which another suspect must be weaker to take the bottleneck over
};

// One link of a report: what the reporter receives from `sender` (a user id of the call).
struct LinkReport {
  std::string sender;
  double rtt_ms = 0;
  double jitter_ms = 0;
  double loss_pct = 0;
  std::optional<CandidateType> local_candidate;   // the reporter's end of the selected pair
  std::optional<CandidateType> remote_candidate;  // the sender's end
};

struct QualityReport {
  std::string reporter;                                   // user id
  std::optional<std::int64_t> connection_established_ms;  // the client's own measure
  std::vector<LinkReport> links;                          // the reporter's whole current view
};

struct LevelChange {
  std::string user_id;
  QualityLevel level;
  double mos;
  friend bool operator==(const LevelChange&, const LevelChange&) = default;
};

struct QualityChanges {
  std::vector<LevelChange> levels;  // participants whose level changed
  bool bottleneck_changed = false;  // see QualityTracker::bottleneck()
};

class QualityTracker {
 public:
  explicit QualityTracker(QualityOptions options = {}) : options_(options) {}

  // Applies a report. Links not in it whose receiver is the reporter are dropped (its peer connection is gone),
  // as are links from the reporter to itself.
  QualityChanges report(const QualityReport& r);
  // The member left the call: their links are dropped and they are not scored any more (their summary stays).
  QualityChanges remove(std::string_view user_id);
  // The server's measure of a member's connection set-up (join to the first relayed answer); the first one counts.
  void server_established(std::string_view user_id, std::int64_t ms);

  // Current levels of the scored participants (for a member who joins now).
  std::vector<LevelChange> levels() const;
  const std::optional<std::string>& bottleneck() const noexcept { return bottleneck_; }
  QualitySummary summary() const;

 private:
  struct Link {
    std::string sender, receiver;
    double r = 0;  // smoothed
    QualityLevel level = QualityLevel::good;
    double mos = 0;   // the smoothed MOS when the level was last confirmed
    int pending = 0;  // samples in a row below (< 0) or above (> 0) the confirmed level
  };
  struct Scored {
    std::string user_id;
    bool present = true;
    std::optional<QualityLevel> level;  // nullopt while no link touches them
    double mos = 0;
  };

  Link& link(std::string_view sender, std::string_view receiver, bool& created);
  void sample(Link& l, double r);
  ParticipantQuality& summary_of(std::string_view user_id);
  Scored& scored(std::string_view user_id);
  void rescore(std::string_view user_id, QualityChanges& changes);
  bool recompute_bottleneck();
  std::optional<double> uplink(std::string_view sender) const;
  bool suspect(std::string_view sender, double up) const;

  QualityOptions options_;
  std::vector<Link> links_;  // at most n * (n - 1) for n members
  std::vector<Scored> scored_;
  std::vector<ParticipantQuality> summary_;
  std::optional<std::string> bottleneck_;
};

}  // namespace hearth::calls
