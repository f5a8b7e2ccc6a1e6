#include "scheduler.h"

namespace mock_courier {

TimerId Scheduler::Schedule(TimePoint due, Timer timer) {
  std::lock_guard lock(mutex_);
  timer.id = TimerId{due, next_seq_++};
  const TimerId id = timer.id;
  timers_.emplace_hint(timers_.end(), id, std::move(timer));
  return id;
}

TimerId Scheduler::Schedule(TimePoint due, std::uint64_t workspace, Callback callback) {
  Timer timer;
  timer.workspace = workspace;
  timer.callback = std::move(callback);
  return Schedule(due, std::move(timer));
}

bool Scheduler::Cancel(TimerId id) {
  std::lock_guard lock(mutex_);
  return timers_.erase(id) > 0;
}

std::optional<Scheduler::Timer> Scheduler::PopDue(TimePoint limit) {
  std::lock_guard lock(mutex_);
  auto it = timers_.begin();
  if (it == timers_.end() || it->first.due > limit) return std::nullopt;
  Timer timer = std::move(it->second);
  timers_.erase(it);
  return timer;
}

std::optional<TimePoint> Scheduler::NextDue() const {
  std::lock_guard lock(mutex_);
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first.due;
}

void Scheduler::RemoveWorkspace(std::uint64_t workspace) {
  std::lock_guard lock(mutex_);
  std::erase_if(timers_, [&](const auto& entry) { return entry.second.workspace == workspace; });
}

std::size_t Scheduler::size() const {
  std::lock_guard lock(mutex_);
  return timers_.size();
}

}  // namespace mock_courier
