#include "calls/quality.hpp"

#include <algorithm>
#include <cmath>

namespace hearth::calls {

double r_factor(double rtt_ms, double jitter_ms, double loss_pct) noexcept {
  const auto non_negative = [](double v) { return std::isfinite(v) && v > 0 ? v : 0.0; };
  const double latency = non_negative(rtt_ms) / 2 + 2 * non_negative(jitter_ms) + 10;
  double r = latency < 160 ? 93.2 - latency / 40 : 93.2 - (latency - 120) / 10;
  r -= 2.5 * std::min(non_negative(loss_pct), 100.0);
  return std::clamp(r, 0.0, 100.0);
}

double mos_from_r(double r) noexcept {
  if (!(r > 0)) return 1.0;
  if (r >= 100) return 4.5;
  return std::clamp(1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r), 1.0, 4.5);
}

std::optional<CandidateType> parse_candidate_type(std::string_view s) noexcept {
  if (s == "host") return CandidateType::host;
  if (s == "srflx") return CandidateType::srflx;
  if (s == "prflx") return CandidateType::prflx;
  if (s == "relay") return CandidateType::relay;
  return std::nullopt;
}

std::string_view to_string(CandidateType t) noexcept {
  switch (t) {
    case CandidateType::host:
      return "host";
    case CandidateType::srflx:
      return "srflx";
    case CandidateType::prflx:
      return "prflx";
    case CandidateType::relay:
      return "relay";
  }
  return "host";
}

namespace {

// Worse level = larger enum value (excellent .. lost).
bool worse(QualityLevel a, QualityLevel b) { return static_cast<int>(a) > static_cast<int>(b); }

void add_candidate(ParticipantQuality& p, std::optional<CandidateType> t) {
  if (!t) return;
  const std::string name(to_string(*t));
  const auto at = std::lower_bound(p.candidate_types.begin(), p.candidate_types.end(), name);
  if (at == p.candidate_types.end() || *at != name) p.candidate_types.insert(at, name);
  if (*t == CandidateType::relay) p.relayed = true;
}

}  // namespace

QualityTracker::Link& QualityTracker::link(std::string_view sender, std::string_view receiver, bool& created) {
  for (auto& l : links_)
    if (l.sender == sender && l.receiver == receiver) {
      created = false;
      return l;
    }
  created = true;
  auto& l = links_.emplace_back();
  l.sender = std::string(sender);
  l.receiver = std::string(receiver);
  return l;
}

// Smooths the link's R. The level changes only after `samples_to_change` raw samples in a row fall on the same side
// of the confirmed level (worse, or better), to the smoothed level if that is on that side too. The link's MOS follows
// the smoothed R while it agrees with the confirmed level, so a link's MOS and level never contradict each other.
void QualityTracker::sample(Link& l, double r) {
  l.r = options_.smoothing * r + (1 - options_.smoothing) * l.r;
  const double mos = mos_from_r(l.r);
  const QualityLevel smoothed = level_for_mos(mos);
  const QualityLevel raw = level_for_mos(mos_from_r(r));
  if (smoothed == l.level) l.mos = mos;
  if (raw == l.level) {
    l.pending = 0;
    return;
  }
  const int side = worse(raw, l.level) ? -1 : 1;
  l.pending = (l.pending * side > 0) ? l.pending + side : side;
  if (l.pending * side < options_.samples_to_change) return;
  l.pending = 0;
  if (smoothed == l.level || (worse(smoothed, l.level) ? -1 : 1) != side) return;
  l.level = smoothed;
  l.mos = mos;
}

ParticipantQuality& QualityTracker::summary_of(std::string_view user_id) {
  for (auto& p : summary_)
    if (p.user_id == user_id) return p;
  auto& p = summary_.emplace_back();
  p.user_id = std::string(user_id);
  return p;
}

QualityTracker::Scored& QualityTracker::scored(std::string_view user_id) {
  for (auto& s : scored_)
    if (s.user_id == user_id) return s;
  auto& s = scored_.emplace_back();
  s.user_id = std::string(user_id);
  return s;
}

QualityChanges QualityTracker::report(const QualityReport& r) {
  QualityChanges changes;
  if (auto& mine = summary_of(r.reporter); r.connection_established_ms && !mine.establishment_client_ms)
    mine.establishment_client_ms = r.connection_established_ms;
  scored(r.reporter).present = true;

  // The report is the reporter's whole view: links into it that it no longer reports are gone.
  std::vector<std::string> touched{r.reporter};
  std::erase_if(links_, [&](const Link& l) {
    if (l.receiver != r.reporter) return false;
    const bool reported =
        std::any_of(r.links.begin(), r.links.end(), [&](const LinkReport& lr) { return lr.sender == l.sender; });
    if (!reported) touched.push_back(l.sender);
    return !reported;
  });
  for (const auto& lr : r.links) {
    if (lr.sender == r.reporter) continue;
    // One sample per link and report: a sender listed twice counts once (the first).
    if (std::any_of(r.links.data(), &lr, [&](const LinkReport& earlier) { return earlier.sender == lr.sender; }))
      continue;
    scored(lr.sender).present = true;
    bool created = false;
    Link& l = link(lr.sender, r.reporter, created);
    const double r_now = r_factor(lr.rtt_ms, lr.jitter_ms, lr.loss_pct);
    if (created) {  // the first sample sets the level outright
      l.r = r_now;
      l.mos = mos_from_r(r_now);
      l.level = level_for_mos(l.mos);
    } else {
      sample(l, r_now);
    }
    auto& sender = summary_of(lr.sender);  // may add an entry: before taking the reporter's
    auto& mine = summary_of(r.reporter);
    const double loss = std::isfinite(lr.loss_pct) ? std::clamp(lr.loss_pct, 0.0, 100.0) : 0.0;
    mine.worst_loss_pct = std::max(mine.worst_loss_pct, loss);
    sender.worst_loss_pct = std::max(sender.worst_loss_pct, loss);
    add_candidate(mine, lr.local_candidate);
    add_candidate(sender, lr.remote_candidate);
    // A link through TURN relays both ends' media.
    if (lr.local_candidate == CandidateType::relay || lr.remote_candidate == CandidateType::relay)
      mine.relayed = sender.relayed = true;
    touched.push_back(lr.sender);
  }
  for (const auto& user : touched) rescore(user, changes);
  changes.bottleneck_changed = recompute_bottleneck();
  return changes;
}

QualityChanges QualityTracker::remove(std::string_view user_id) {
  QualityChanges changes;
  std::vector<std::string> touched;
  std::erase_if(links_, [&](const Link& l) {
    if (l.sender != user_id && l.receiver != user_id) return false;
    touched.push_back(l.sender == user_id ? l.receiver : l.sender);
    return true;
  });
  for (auto& s : scored_)
    if (s.user_id == user_id) {
      s.present = false;
      s.level.reset();
    }
  for (const auto& user : touched) rescore(user, changes);
  changes.bottleneck_changed = recompute_bottleneck();
  return changes;
}

void QualityTracker::server_established(std::string_view user_id, std::int64_t ms) {
  auto& p = summary_of(user_id);
  if (!p.establishment_server_ms) p.establishment_server_ms = std::max<std::int64_t>(0, ms);
}

// The participant's level: the worst confirmed level among the links into and out of them; their MOS the lowest
// confirmed MOS among those links. Feeds the summary, and records a change of level.
void QualityTracker::rescore(std::string_view user_id, QualityChanges& changes) {
  Scored& s = scored(user_id);
  if (!s.present) return;
  std::optional<QualityLevel> level;
  double mos = 4.5;
  for (const auto& l : links_) {
    if (l.sender != user_id && l.receiver != user_id) continue;
    if (!level || worse(l.level, *level)) level = l.level;
    mos = std::min(mos, l.mos);
  }
  if (!level) {
    s.level.reset();  // nobody to be connected to: no level (and no change announced)
    return;
  }
  auto& p = summary_of(user_id);
  p.mos_min = p.samples == 0 ? mos : std::min(p.mos_min, mos);
  p.mos_mean = (p.mos_mean * p.samples + mos) / (p.samples + 1);
  ++p.samples;
  const bool changed = s.level != level;
  s.level = level;
  s.mos = mos;
  if (changed) {
    for (auto& c : changes.levels)
      if (c.user_id == user_id) {
        c = {s.user_id, *level, mos};
        return;
      }
    changes.levels.push_back({s.user_id, *level, mos});
  }
}

// The best confirmed MOS among the links out of `sender`: how well its uplink can do at all.
std::optional<double> QualityTracker::uplink(std::string_view sender) const {
  std::optional<double> best;
  for (const auto& l : links_)
    if (l.sender == sender) best = best ? std::max(*best, l.mos) : l.mos;
  return best;
}

// Evidence that a weak stream from `sender` is the sender's fault rather than its receivers' downlinks.
bool QualityTracker::suspect(std::string_view sender, double up) const {
  if (up >= options_.good_mos) return false;
  for (const auto& out : links_) {
    if (out.sender != sender) continue;
    bool others = false;
    for (const auto& in : links_) {
      if (in.receiver != out.receiver || in.sender == sender) continue;
      others = true;
      if (in.mos >= options_.good_mos) return true;  // this receiver gets someone else well
    }
    if (!others)  // a call of two, as far as this receiver reports: the other direction decides
      for (const auto& back : links_)
        if (back.sender == out.receiver && back.receiver == sender && back.mos >= options_.good_mos) return true;
  }
  return false;
}

bool QualityTracker::recompute_bottleneck() {
  std::optional<std::string> weakest;
  double weakest_up = 5;
  std::optional<double> current_up;
  for (const auto& s : scored_) {
    if (!s.present) continue;
    const auto up = uplink(s.user_id);
    if (!up || !suspect(s.user_id, *up)) continue;
    if (bottleneck_ == s.user_id) current_up = *up;
    if (*up < weakest_up) {
      weakest_up = *up;
      weakest = s.user_id;
    }
  }
  // The current bottleneck stays while it is a suspect and nobody is clearly weaker.
  if (current_up && *current_up <= weakest_up + options_.switch_margin) weakest = bottleneck_;
  if (weakest == bottleneck_) return false;
  bottleneck_ = std::move(weakest);
  return true;
}

std::vector<LevelChange> QualityTracker::levels() const {
  std::vector<LevelChange> out;
  for (const auto& s : scored_)
    if (s.present && s.level) out.push_back({s.user_id, *s.level, s.mos});
  return out;
}

QualitySummary QualityTracker::summary() const { return QualitySummary{summary_}; }

}  // namespace hearth::calls
