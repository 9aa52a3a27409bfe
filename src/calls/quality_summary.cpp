#include "calls/quality_summary.hpp"

#include <algorithm>

namespace hearth::calls {

QualityLevel level_for_mos(double mos) noexcept {
  if (mos >= 4.00) return QualityLevel::excellent;
  if (mos >= 3.60) return QualityLevel::good;
  if (mos >= 3.10) return QualityLevel::fair;
  if (mos >= 1.50) return QualityLevel::poor;
  return QualityLevel::lost;
}

std::string_view to_string(QualityLevel level) noexcept {
  switch (level) {
    case QualityLevel::excellent:
      return "excellent";
    case QualityLevel::good:
      return "good";
    case QualityLevel::fair:
      return "fair";
    case QualityLevel::poor:
      return "poor";
    case QualityLevel::lost:
      return "lost";
  }
  return "lost";
}

std::optional<double> QualitySummary::mos_mean() const {
  double sum = 0;
  int n = 0;
  for (const auto& p : participants) {
    if (p.samples == 0) continue;
    sum += p.mos_mean;
    ++n;
  }
  if (n == 0) return std::nullopt;
  return sum / n;
}

std::optional<double> QualitySummary::mos_min() const {
  std::optional<double> out;
  for (const auto& p : participants)
    if (p.samples > 0) out = out ? std::min(*out, p.mos_min) : p.mos_min;
  return out;
}

bool QualitySummary::relayed() const {
  return std::any_of(participants.begin(), participants.end(), [](const auto& p) { return p.relayed; });
}

namespace {
template <class Field>
std::optional<std::int64_t> slowest(const std::vector<ParticipantQuality>& ps, Field field) {
  std::optional<std::int64_t> out;
  for (const auto& p : ps)
    if (const auto& v = p.*field) out = out ? std::max(*out, *v) : *v;
  return out;
}
}  // namespace

std::optional<std::int64_t> QualitySummary::establishment_client_ms() const {
  return slowest(participants, &ParticipantQuality::establishment_client_ms);
}
std::optional<std::int64_t> QualitySummary::establishment_server_ms() const {
  return slowest(participants, &ParticipantQuality::establishment_server_ms);
}

}  // namespace hearth::calls
