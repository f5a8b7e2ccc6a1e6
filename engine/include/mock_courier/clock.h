// Clock: the only source of time in the engine.
//
// Nothing in the engine reads the wall clock directly; it asks a Clock. Tests
// use ManualClock (virtual time that moves only when told); the server can
// also use ScaledSystemClock (wall time, optionally sped up, e.g. one hour per
// second). Both can be moved forward by the engine when a user advances time.
//
// Time is Unix epoch milliseconds throughout (Courier's message timestamps are
// epoch ms too).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

namespace mock_courier {

using TimePoint = std::int64_t;  // Unix epoch milliseconds.
using Duration = std::int64_t;   // Milliseconds.

inline constexpr Duration kSecond = 1000;
inline constexpr Duration kMinute = 60 * kSecond;
inline constexpr Duration kHour = 60 * kMinute;
inline constexpr Duration kDay = 24 * kHour;

class Clock {
 public:
  virtual ~Clock() = default;
  // The current time. Thread-safe.
  virtual TimePoint Now() const = 0;
  // Moves the clock forward so that Now() >= t. Never moves it backwards.
  // Thread-safe.
  virtual void AdvanceTo(TimePoint t) = 0;
  // "virtual" or "real": how the clock moves on its own.
  virtual const char* Mode() const = 0;
};

// Virtual time: stands still until AdvanceTo/Advance/Set is called.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = 0) : now_(start) {}
  TimePoint Now() const override { return now_.load(); }
  void AdvanceTo(TimePoint t) override;
  const char* Mode() const override { return "virtual"; }
  void Advance(Duration d) { AdvanceTo(Now() + d); }
  // Sets the time, also backwards. Only for tests' setup.
  void Set(TimePoint t) { now_.store(t); }

 private:
  std::atomic<TimePoint> now_;
};

// Wall time, scaled: starts at `start` and moves `scale` times as fast as the
// system's steady clock. AdvanceTo adds an offset (skips ahead).
class ScaledSystemClock final : public Clock {
 public:
  // REQUIRES: scale > 0.
  ScaledSystemClock(TimePoint start, double scale);
  TimePoint Now() const override;
  void AdvanceTo(TimePoint t) override;
  const char* Mode() const override { return "real"; }

  // The current Unix time of the machine, in epoch ms.
  static TimePoint WallNow();

 private:
  TimePoint start_;
  double scale_;
  std::chrono::steady_clock::time_point origin_;
  std::atomic<Duration> offset_{0};
};

}  // namespace mock_courier
