#pragma once
// hearth-seed's sessions: call sessions shaped like the server's own, built by the same domain functions the
// server runs (calls::initiate, activate, update_media, deactivate, end_by_user, expire), so every document, column
// and member row is what a real call leaves behind. Deterministic for a given seed (session ids are in the server's
// format, "call_<ms>_<9 base36>", but drawn from the seeded generator, not the CSPRNG).
//
// The population: `heavy` users (named "<prefix>-h<c>-<u>", c = i / 16, u = i % 16: the users hearth-bench's rest
// scenario reads the history of with --user-prefix <prefix>) each initiate one call in `heavy_share` of the calls,
// so their histories grow with the data (many pages); everyone else is one of `regular` users, whose histories stay
// about the same length whatever the size.
// Thread safety: none; one seeding thread.
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "calls/call_session.hpp"
#include "calls/limits.hpp"
#include "calls/quality_summary.hpp"

namespace hearth::seed {

struct Population {
  std::string prefix = "grow";  // of the heavy users' ids
  int heavy = 128;              // heavy users
  double heavy_share = 0.2;     // calls initiated by a heavy user
  std::int64_t regular = 50'000;
};

struct Made {
  calls::CallSession session;
  std::optional<calls::QualitySummary> quality;  // the summary a finished call's room saves (most answered calls)
};

class SessionMaker {
 public:
  SessionMaker(Population population, calls::Limits limits, std::uint64_t seed);

  // The heavy user with index i (0 <= i < population.heavy).
  std::string heavy_user(int i) const;

  // A call created at `created_ms` and over (ended_by_user, all_left, timeout, missed or declined) well before
  // `created_ms` + 5 h.
  Made ended(std::int64_t created_ms);
  // A live call created at `created_ms`: answered (active, due at its start + the call timeout) unless `ringing`
  // (waiting, due at `created_ms` + the ring timeout).
  calls::CallSession live(std::int64_t created_ms, bool ringing);

 private:
  calls::CallSession initiated(std::int64_t created_ms);
  // Every member joins (the initiator at once, the others after `answer_ms`); some turn their camera off or share.
  void answer(calls::CallSession& s, std::int64_t created_ms, std::int64_t answer_ms);
  calls::QualitySummary quality_of(const calls::CallSession& s, std::int64_t duration_s);
  std::string user();
  std::string token(std::size_t length);
  bool chance(double p) { return unit_(rng_) < p; }
  std::int64_t lognormal(double median, double sigma) {
    return static_cast<std::int64_t>(median * std::exp(sigma * normal_(rng_)));
  }

  Population population_;
  calls::Limits limits_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0, 1};
  std::normal_distribution<double> normal_{0, 1};
  std::int64_t therapy_sessions_ = 0;
};

}  // namespace hearth::seed
