#include "mock_courier/clock.h"

namespace mock_courier {

void ManualClock::AdvanceTo(TimePoint t) {
  TimePoint current = now_.load();
  while (t > current && !now_.compare_exchange_weak(current, t)) {
  }
}

ScaledSystemClock::ScaledSystemClock(TimePoint start, double scale)
    : start_(start), scale_(scale), origin_(std::chrono::steady_clock::now()) {}

TimePoint ScaledSystemClock::Now() const {
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
                     std::chrono::steady_clock::now() - origin_)
                     .count();
  return start_ + static_cast<Duration>(static_cast<double>(elapsed) * scale_ / 1000.0) +
         offset_.load();
}

void ScaledSystemClock::AdvanceTo(TimePoint t) {
  TimePoint now = Now();
  if (t > now) offset_.fetch_add(t - now);
}

TimePoint ScaledSystemClock::WallNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mock_courier
