#include "scheduler.h"

namespace mock_courier {

TimerId Scheduler::Schedule(TimePoint due, std::string workspace_id, std::string description,
                            Callback callback) {
  std::lock_guard lock(mutex_);
  TimerId id{due, next_seq_++};
  timers_.emplace(id,
                  Timer{id, std::move(workspace_id), std::move(description), std::move(callback)});
  return id;
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

void Scheduler::RemoveWorkspace(const std::string& workspace_id) {
  std::lock_guard lock(mutex_);
  std::erase_if(timers_,
                [&](const auto& entry) { return entry.second.workspace_id == workspace_id; });
}

std::size_t Scheduler::size() const {
  std::lock_guard lock(mutex_);
  return timers_.size();
}

}  // namespace mock_courier
