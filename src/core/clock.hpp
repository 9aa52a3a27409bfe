#pragma once
// Wall-clock time at millisecond precision, behind an interface so the domain is tested with a fake clock.
// Thread safety: SystemClock is stateless; FakeClock is for single-threaded tests.
#include <chrono>
#include <cstdint>

namespace hearth {

using Millis = std::chrono::milliseconds;
using TimePoint = std::chrono::sys_time<Millis>;

inline std::int64_t to_epoch_ms(TimePoint t) noexcept { return t.time_since_epoch().count(); }
inline TimePoint from_epoch_ms(std::int64_t ms) noexcept { return TimePoint{Millis{ms}}; }

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now()); }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = from_epoch_ms(1'700'000'000'000)) : now_(start) {}
  TimePoint now() const override { return now_; }
  void advance(Millis d) { now_ += d; }
  void set(TimePoint t) { now_ = t; }

 private:
  TimePoint now_;
};

}  // namespace hearth
