// Scheduler: the engine's timer queue.
//
// Timers are ordered by (due time, sequence number); the sequence number is
// the order of creation, so timers due at the same instant fire in the order
// they were scheduled and the same inputs always give the same order.
// Schedule, Cancel and PopDue are O(log n). Thread-safe (a leaf lock: no
// callback runs under it).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "mock_courier/clock.h"

namespace mock_courier {

struct WorkspaceState;

// Identifies a scheduled timer. A default TimerId is "no timer".
struct TimerId {
  TimePoint due = 0;
  std::uint64_t seq = 0;
  bool valid() const { return seq != 0; }
  friend auto operator<=>(const TimerId&, const TimerId&) = default;
};

class Scheduler {
 public:
  // Runs with the owning workspace's lock held.
  using Callback = std::function<void(WorkspaceState&)>;

  struct Timer {
    TimerId id;
    std::string workspace_id;
    std::string description;  // For diagnostics: "delay run 1-...", ...
    Callback callback;
  };

  // Schedules `callback` on workspace `workspace_id` at `due`.
  TimerId Schedule(TimePoint due, std::string workspace_id, std::string description,
                   Callback callback);
  // Removes a pending timer. Returns false when it already fired or was canceled.
  bool Cancel(TimerId id);
  // Removes and returns the earliest timer due at or before `limit`.
  std::optional<Timer> PopDue(TimePoint limit);
  std::optional<TimePoint> NextDue() const;
  // Drops every timer of a workspace (on reset or replacement).
  void RemoveWorkspace(const std::string& workspace_id);
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::uint64_t next_seq_ = 1;
  std::map<TimerId, Timer> timers_;
};

}  // namespace mock_courier
