#include "jobs.h"

#include <algorithm>
#include <string>
#include <utility>

namespace mock_courier {

Duration ProcessingLatency(const WorkspaceState& ws, const Services& svc) {
  return ws.def.processing_latency.value_or(svc.options.processing_latency);
}

std::optional<TimePoint> ProcessingDue(const WorkspaceState& ws, const Services& svc, TimePoint now,
                                       std::optional<TimePoint> deliver_at) {
  const Duration latency = ProcessingLatency(ws, svc);
  if (latency <= 0 || ws.processing_accepted_work) return deliver_at;
  const TimePoint processed = now + latency;
  return deliver_at ? std::max(*deliver_at, processed) : processed;
}

bool ProcessedAtOnce(const WorkspaceState& ws, const Services& svc) {
  return ws.processing_accepted_work || ProcessingLatency(ws, svc) <= 0;
}

TimerId ScheduleProcessing(WorkspaceState& ws, Services& svc, Scheduler::Callback job) {
  Scheduler::Timer timer;
  timer.workspace = ws.serial;
  timer.kind = TimerKind::kProcessRequest;
  timer.callback = std::move(job);
  return svc.scheduler.Schedule(svc.clock.Now() + ProcessingLatency(ws, svc), std::move(timer));
}

Status CheckRateLimit(WorkspaceState& ws, const Services& svc, RateLimited family) {
  const int limit = family == RateLimited::kListWrites ? ws.def.rate_limits.list_writes
                                                       : ws.def.rate_limits.events_put;
  if (limit <= 0) return Status::Ok();
  // A sliding minute of mock time: what was counted more than 60 s ago no
  // longer counts.
  const TimePoint now = svc.clock.Now();
  auto& hits = ws.rate_limit_hits[static_cast<std::size_t>(family)];
  while (!hits.empty() && hits.front() <= now - kMinute) hits.pop_front();
  if (static_cast<int>(hits.size()) >= limit) {
    // Courier answers 429 with type rate_limit_error; the message text is the
    // mock's (docs/fidelity.md "Rate limits").
    const char* what = family == RateLimited::kListWrites ? "list writes" : "Events API PUT";
    return Status::Error(
        429, "Rate limit exceeded: " + std::to_string(limit) + " " + what + " per minute");
  }
  hits.push_back(now);
  return Status::Ok();
}

void UncountRateLimit(WorkspaceState& ws, RateLimited family) {
  auto& hits = ws.rate_limit_hits[static_cast<std::size_t>(family)];
  if (!hits.empty()) hits.pop_back();
}

}  // namespace mock_courier
