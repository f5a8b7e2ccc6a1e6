// Scheduler: the engine's timer queue.
//
// Timers are ordered by (due time, sequence number); the sequence number is
// the order of creation, so timers due at the same instant fire in the order
// they were scheduled and the same inputs always give the same order.
// Schedule, Cancel and PopDue are O(log n). Thread-safe (a leaf lock: no
// callback runs under it).
//
// A timer is typed: the engine's own jobs (a run's delay, a send's
// processing, a delivery) name their kind and target record, so a million
// waiting runs hold a million small records, not a million closures and
// description strings. Anything else is a kCallback timer with a closure.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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

// What a timer does when it fires (RunTimer, timers.h).
enum class TimerKind : std::uint8_t {
  kCallback,        // Runs Timer::callback.
  kRunDelay,        // A run's delay step is over: the run continues.
  kProcessMessage,  // A send's processing job (the workspace's processing latency).
  kProcessRequest,  // Another request's processing job (jobs.h): runs Timer::callback.
  kDelayedSend,     // A send's `delay` is over: the message is processed.
  kDeliverMessage,  // A message's simulated delivery on Timer::channel.
};

// Whether a timer of `kind` is a processing job: clock advances count those
// as "processed", apart from the timers they "fired".
inline bool IsProcessingJob(TimerKind kind) {
  return kind == TimerKind::kProcessMessage || kind == TimerKind::kProcessRequest;
}

class Scheduler {
 public:
  // Runs with the owning workspace's lock held.
  using Callback = std::function<void(WorkspaceState&)>;

  struct Timer {
    TimerId id;                   // Set by Schedule.
    std::uint64_t workspace = 0;  // WorkspaceState::serial.
    TimerKind kind = TimerKind::kCallback;
    std::uint64_t target = 0;  // The run's or message's RecordStore sequence number.
    std::string channel;       // kDeliverMessage: the channel delivered on.
    Callback callback;         // kCallback and kProcessRequest only.
  };

  // Schedules `timer` at `due`.
  TimerId Schedule(TimePoint due, Timer timer);
  // Schedules `callback` on workspace `workspace` at `due`.
  TimerId Schedule(TimePoint due, std::uint64_t workspace, Callback callback);
  // Removes a pending timer. Returns false when it already fired or was canceled.
  bool Cancel(TimerId id);
  // What a timer will run, for preparing it ahead (prefetch.h).
  struct Upcoming {
    std::uint64_t workspace = 0;
    TimerKind kind = TimerKind::kCallback;
    std::uint64_t target = 0;
  };
  static constexpr std::size_t kUpcoming = 3;
  // Removes and returns the earliest timer due at or before `limit`. With
  // `upcoming`, also fills it with the timers due next at or before `limit`,
  // soonest first (a timer scheduled or canceled before they fire changes
  // them); returns how many through `upcoming_count`.
  std::optional<Timer> PopDue(TimePoint limit);
  std::optional<Timer> PopDue(TimePoint limit, std::array<Upcoming, kUpcoming>& upcoming,
                              std::size_t& upcoming_count);
  std::optional<TimePoint> NextDue() const;
  // Drops every timer of a workspace (on reset or replacement).
  void RemoveWorkspace(std::uint64_t workspace);
  std::size_t size() const;

 private:
  // A timer as held: 24 bytes (with its key, a 72-byte map node); the kind
  // shares a word with the target, and the channel and closure are out of
  // line, only when a timer has them. A waiting run's timer is one of a
  // million.
  struct Stored {
    struct Extra {
      std::string channel;
      Callback callback;
      std::optional<std::uint64_t> target;  // A target too large to share its word.
    };
    static constexpr int kKindBits = 8;
    std::uint64_t workspace = 0;
    std::uint64_t kind_and_target = 0;  // target << kKindBits | kind.
    std::unique_ptr<Extra> extra;
  };

  mutable std::mutex mutex_;
  std::uint64_t next_seq_ = 1;
  std::map<TimerId, Stored> timers_;
};

}  // namespace mock_courier
