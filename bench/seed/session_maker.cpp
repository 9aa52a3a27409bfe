#include "seed/session_maker.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "calls/policy.hpp"
#include "core/ids.hpp"

namespace hearth::seed {

using calls::CallSession;
using calls::SessionType;

namespace {

template <class T>
T checked(Result<T> r, const char* what) {
  if (!r) throw std::logic_error(std::string("hearth-seed: ") + what + ": " + r.error().message);
  if constexpr (!std::is_void_v<T>) return std::move(r).value();
}

constexpr std::string_view kTitles[] = {"Weekly check-in", "Project sync",   "Family call",
                                        "Follow-up",       "Intake session", "Stand-up"};

}  // namespace

SessionMaker::SessionMaker(Population population, calls::Limits limits, std::uint64_t seed)
    : population_(std::move(population)), limits_(limits), rng_(seed) {}

std::string SessionMaker::heavy_user(int i) const {
  return population_.prefix + "-h" + std::to_string(i / 16) + "-" + std::to_string(i % 16);
}

// Regular users look like a typical application's ids (24 hex digits), spread by a multiplicative hash.
std::string SessionMaker::user() {
  const auto n = static_cast<std::uint64_t>(rng_() % static_cast<std::uint64_t>(population_.regular));
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(24, '0');
  std::uint64_t h = n * 0x9E3779B97F4A7C15ULL + 0x64f1c2;
  for (int i = 23; i >= 8; --i, h >>= 4) id[static_cast<std::size_t>(i)] = hex[h & 15];
  for (int i = 7; i >= 0; --i, h >>= 4) id[static_cast<std::size_t>(i)] = hex[(n >> (4 * (7 - i))) & 15];
  return id;
}

std::string SessionMaker::token(std::size_t length) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out(length, 'x');
  for (auto& c : out) c = alphabet[rng_() % 64];
  return out;
}

CallSession SessionMaker::initiated(std::int64_t created_ms) {
  const double kind = unit_(rng_);
  calls::InitiateRequest req;
  req.session_type = kind < 0.6 ? SessionType::one_to_one : kind < 0.85 ? SessionType::group : SessionType::therapy;
  const int invitees = req.session_type == SessionType::group ? 2 + static_cast<int>(rng_() % 4) : 1;
  req.call_settings.is_video_enabled = !chance(0.1);
  if (req.session_type != SessionType::one_to_one) {
    req.metadata.title = std::string(kTitles[rng_() % std::size(kTitles)]) + " " + std::to_string(rng_() % 1000);
    if (chance(0.3)) req.metadata.description = "Agenda: review the last week and plan the next steps.";
    if (chance(0.3)) req.metadata.tags = {"weekly", "team"};
  }
  if (req.session_type == SessionType::therapy) req.therapy_session_id = "ts-" + std::to_string(++therapy_sessions_);
  calls::Caller caller;
  caller.user_id = chance(population_.heavy_share) ? heavy_user(static_cast<int>(rng_() % population_.heavy)) : user();
  caller.name = "Member " + caller.user_id.substr(0, 6);
  while (static_cast<int>(req.participants.size()) < invitees) {  // distinct members, as the API requires
    auto id = user();
    if (id != caller.user_id &&
        std::find(req.participants.begin(), req.participants.end(), id) == req.participants.end())
      req.participants.push_back(std::move(id));
  }
  // The server's id format (core/ids.hpp), from the seeded generator.
  std::string id = "call_" + std::to_string(created_ms) + "_";
  static constexpr char base36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  for (int i = 0; i < 9; ++i) id += base36[rng_() % 36];
  return checked(calls::initiate(req, caller, std::move(id), from_epoch_ms(created_ms), limits_), "initiate");
}

void SessionMaker::answer(CallSession& s, std::int64_t created_ms, std::int64_t answer_ms) {
  for (std::size_t i = 0; i < s.participants.size(); ++i) {
    const auto& member = s.participants[i];
    calls::Caller caller{member.user_id, member.name};
    const std::int64_t at = i == 0 ? created_ms + 800 : created_ms + answer_ms + static_cast<std::int64_t>(i) * 900;
    checked(calls::activate(s, caller, token(20), token(36), from_epoch_ms(at), limits_), "activate");
  }
  if (chance(0.3)) {
    auto& p = s.participants[rng_() % s.participants.size()];
    checked(calls::update_media(s, p.user_id, {false, true, false}), "camera off");
  }
  if (s.call_settings.allow_screen_share && chance(0.15))
    checked(calls::update_media(s, s.initiator_id, {true, true, true}), "screen share");
}

calls::QualitySummary SessionMaker::quality_of(const CallSession& s, std::int64_t duration_s) {
  calls::QualitySummary quality;
  for (const auto& member : s.participants) {
    calls::ParticipantQuality q;
    q.user_id = member.user_id;
    q.samples = 1 + static_cast<int>(duration_s / 10);
    q.mos_mean = std::clamp(4.1 + 0.35 * normal_(rng_), 1.0, 4.5);
    q.mos_min = std::max(1.0, q.mos_mean - std::abs(0.5 * normal_(rng_)));
    q.worst_loss_pct = std::abs(2 * normal_(rng_));
    q.establishment_client_ms = lognormal(900, 0.6);
    q.establishment_server_ms = lognormal(350, 0.5);
    q.relayed = chance(0.08);
    q.candidate_types =
        q.relayed ? std::vector<std::string>{"host", "relay", "srflx"} : std::vector<std::string>{"host", "srflx"};
    quality.participants.push_back(std::move(q));
  }
  return quality;
}

Made SessionMaker::ended(std::int64_t created_ms) {
  Made made{initiated(created_ms), std::nullopt};
  CallSession& s = made.session;
  const auto at = [&](std::int64_t ms) { return from_epoch_ms(ms); };
  if (chance(0.2)) {  // never answered: the initiator rang until the timeout, or the callee declined
    checked(calls::activate(s, {s.initiator_id, s.participants[0].name}, token(20), token(36), at(created_ms + 800),
                            limits_),
            "activate");
    const std::int64_t ring_ms = std::chrono::duration_cast<Millis>(limits_.ring_timeout).count();
    if (s.session_type == SessionType::one_to_one && chance(0.3))
      calls::end(s, calls::EndReason::declined, s.invitees[0], at(created_ms + 1000 + lognormal(6000, 0.5) % ring_ms));
    else
      calls::expire(s, at(created_ms + ring_ms), limits_);
    return made;
  }
  const std::int64_t answer_ms = 2000 + static_cast<std::int64_t>(rng_() % 20'000);
  answer(s, created_ms, answer_ms);
  const std::int64_t start_ms = to_epoch_ms(*s.start_time);
  const std::int64_t timeout_s = std::chrono::duration_cast<std::chrono::seconds>(limits_.call_timeout).count();
  const double roll = unit_(rng_);
  if (roll < 0.05) {
    calls::expire(s, at(start_ms + timeout_s * 1000), limits_);
  } else {
    const double median = s.session_type == SessionType::therapy ? 2700 : 420;
    const std::int64_t duration_s = std::clamp<std::int64_t>(lognormal(median, 0.8), 5, timeout_s - 60);
    const std::int64_t end_ms = start_ms + duration_s * 1000;
    if (s.participants.size() > 2 && chance(0.5)) {  // someone leaves a group call early
      calls::deactivate(s, s.participants.back().user_id, at(start_ms + duration_s * 500), calls::LeaveReason::left);
    }
    if (roll < 0.8) {
      const auto& by = chance(0.7) ? s.initiator_id : s.participants[1].user_id;
      if (!calls::end_by_user(s, by, at(end_ms))) (void)calls::end_by_user(s, s.initiator_id, at(end_ms));
    } else {  // everyone leaves: the last one out ends it (all_left)
      for (std::size_t i = 0; i < s.participants.size(); ++i) {
        const auto& p = s.participants[i];
        if (!p.is_active) continue;
        const auto why = chance(0.1) ? calls::LeaveReason::disconnected : calls::LeaveReason::left;
        calls::deactivate(s, p.user_id, at(end_ms + static_cast<std::int64_t>(i) * 1500), why);
      }
    }
  }
  if (s.status != calls::Status::ended) throw std::logic_error("hearth-seed: a call did not end");
  if (chance(0.7)) made.quality = quality_of(s, s.duration_seconds);
  return made;
}

CallSession SessionMaker::live(std::int64_t created_ms, bool ringing) {
  CallSession s = initiated(created_ms);
  if (ringing) {
    checked(calls::activate(s, {s.initiator_id, s.participants[0].name}, token(20), token(36),
                            from_epoch_ms(created_ms + 800), limits_),
            "activate");
  } else {
    answer(s, created_ms, 2000 + static_cast<std::int64_t>(rng_() % 20'000));
  }
  return s;
}

}  // namespace hearth::seed
