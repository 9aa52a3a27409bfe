#pragma once
// What a call's connection quality was, per participant: kept by the call's quality tracker (quality.hpp) while the
// call runs, stored with the session (store: call_quality), answered by GET /session/:id/quality and read by usage
// analytics when the call is recorded. Pure data.
// Thread safety: a value type.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::calls {

// Levels by MOS (quality.hpp scores links with the E-model): excellent >= 4.00 (R >= 79), good >= 3.60 (R >= 70),
// fair >= 3.10 (R >= 60), poor >= 1.50, lost below (about R < 18: a third of the packets lost, or no media at all).
enum class QualityLevel { excellent, good, fair, poor, lost };
QualityLevel level_for_mos(double mos) noexcept;
std::string_view to_string(QualityLevel level) noexcept;

struct ParticipantQuality {
  std::string user_id;
  int samples = 0;     // times this participant's level was scored (0: nothing reported about them)
  double mos_min = 0;  // of the participant's own (smoothed) MOS; meaningful when samples > 0
  double mos_mean = 0;
  double worst_loss_pct = 0;                            // worst packet loss reported on any link to or from them
  std::optional<std::int64_t> establishment_client_ms;  // the client's: join to first ICE connected
  std::optional<std::int64_t> establishment_server_ms;  // the server's: join to the first relayed answer
  // ICE candidate types seen on their links, local and remote ("host", "srflx", "prflx", "relay"), sorted, unique.
  std::vector<std::string> candidate_types;
  bool relayed = false;  // some link of theirs went through TURN (a relay candidate on either end)
  friend bool operator==(const ParticipantQuality&, const ParticipantQuality&) = default;
};

struct QualitySummary {
  std::vector<ParticipantQuality> participants;  // in the order they were first scored or measured
  friend bool operator==(const QualitySummary&, const QualitySummary&) = default;

  // Per call, for analytics: the mean of the participants' mean MOS and the lowest MOS, over participants with
  // samples (nullopt when none); whether any participant was relayed; the slowest establishment time of each kind.
  std::optional<double> mos_mean() const;
  std::optional<double> mos_min() const;
  bool relayed() const;
  std::optional<std::int64_t> establishment_client_ms() const;
  std::optional<std::int64_t> establishment_server_ms() const;
};

}  // namespace hearth::calls
