#include "scheduler.h"

namespace mock_courier {

TimerId Scheduler::Schedule(TimePoint due, Timer timer) {
  std::lock_guard lock(mutex_);
  const TimerId id{due, next_seq_++};
  Stored stored;
  stored.workspace = timer.workspace;
  const bool target_fits = timer.target < (std::uint64_t{1} << (64 - Stored::kKindBits));
  stored.kind_and_target = (target_fits ? timer.target << Stored::kKindBits : 0) |
                           static_cast<std::uint64_t>(timer.kind);
  if (!timer.channel.empty() || timer.callback || !target_fits) {
    stored.extra = std::make_unique<Stored::Extra>(
        Stored::Extra{std::move(timer.channel), std::move(timer.callback),
                      target_fits ? std::nullopt : std::optional<std::uint64_t>(timer.target)});
  }
  timers_.emplace_hint(timers_.end(), id, std::move(stored));
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
  std::array<Upcoming, kUpcoming> upcoming;
  std::size_t count = 0;
  return PopDue(limit, upcoming, count);
}

std::optional<Scheduler::Timer> Scheduler::PopDue(TimePoint limit,
                                                  std::array<Upcoming, kUpcoming>& upcoming,
                                                  std::size_t& upcoming_count) {
  std::lock_guard lock(mutex_);
  upcoming_count = 0;
  auto it = timers_.begin();
  if (it == timers_.end() || it->first.due > limit) return std::nullopt;
  Stored& stored = it->second;
  Timer timer;
  timer.id = it->first;
  timer.workspace = stored.workspace;
  timer.kind = static_cast<TimerKind>(stored.kind_and_target & ((1u << Stored::kKindBits) - 1));
  timer.target = stored.kind_and_target >> Stored::kKindBits;
  if (stored.extra) {
    timer.channel = std::move(stored.extra->channel);
    timer.callback = std::move(stored.extra->callback);
    if (stored.extra->target) timer.target = *stored.extra->target;
  }
  it = timers_.erase(it);
  for (; it != timers_.end() && it->first.due <= limit && upcoming_count < kUpcoming; ++it) {
    const Stored& next = it->second;
    Upcoming& out = upcoming[upcoming_count++];
    out.workspace = next.workspace;
    out.kind = static_cast<TimerKind>(next.kind_and_target & ((1u << Stored::kKindBits) - 1));
    out.target = next.extra && next.extra->target ? *next.extra->target
                                                  : next.kind_and_target >> Stored::kKindBits;
  }
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
