// Jobs: when the effects of an accepted request run, and the opt-in rate
// limits that decide whether a request is accepted at all. Internal to the
// engine; every function runs with the workspace lock held.
//
// Courier answers first and processes later (docs/fidelity.md "Realistic
// timing"): a request is validated, journaled and answered, and what it
// causes runs in its processing job, due at now + the processing latency. A
// send exists as ENQUEUED from the moment it is accepted; an inbound event's
// journal entry exists (not yet processed) and its sends and runs appear when
// the job runs; an invoked run exists in PROCESSING with no step processed.
// A job is a Scheduler timer, so jobs and delays share one order: due time on
// the mock clock, then acceptance order.
//
// The latency is paid once per request: everything a processing job does
// (the sends and runs an event causes, a run's steps, audience matching) is
// processed at once, in the job. So is the work of the engine's own timers (a
// run's delay ending, a scheduled send, a provider delivery): it continues
// accepted work. A Segment event the fake Segment API releases later (held or
// retried) is a new request and pays the latency again.
#pragma once

#include <optional>
#include <string_view>
#include <utility>

#include "mock_courier/clock.h"
#include "mock_courier/status.h"
#include "scheduler.h"
#include "workspace_state.h"

namespace mock_courier {

// Marks the workspace as processing accepted work (a processing job, or a
// timer continuing accepted work) for its lifetime: what starts meanwhile is
// processed at once instead of after another latency. `processing` false
// marks the opposite, for a timer that delivers a new request (the Segment
// relay). Restores the previous mark when destroyed.
class ProcessingScope {
 public:
  explicit ProcessingScope(WorkspaceState& ws, bool processing = true)
      : ws_(ws), previous_(ws.processing_accepted_work) {
    ws.processing_accepted_work = processing;
  }
  ~ProcessingScope() { ws_.processing_accepted_work = previous_; }
  ProcessingScope(const ProcessingScope&) = delete;
  ProcessingScope& operator=(const ProcessingScope&) = delete;

 private:
  WorkspaceState& ws_;
  bool previous_;
};

// Whether work accepted now is processed at once: the latency is 0, or the
// workspace is already processing accepted work (ProcessingScope).
bool ProcessedAtOnce(const WorkspaceState& ws, const Services& svc);

// Schedules `job` at now + latency as a TimerKind::kProcessRequest timer; it
// runs inside a ProcessingScope (RunTimer and the clock loop). Returns its
// timer.
TimerId ScheduleProcessing(WorkspaceState& ws, Services& svc, Scheduler::Callback job);

// Runs `job` (callable as job(WorkspaceState&, Services&)), the processing of
// what was accepted just now, when it is due: at once, inside a
// ProcessingScope, before this returns, when ProcessedAtOnce; else as
// ScheduleProcessing's job. Call it after the request's answer, journal entry
// and records are made, so that they come first even at latency 0. Returns
// the job's timer (invalid when it ran at once).
template <typename Job>
TimerId ProcessAccepted(WorkspaceState& ws, Services& svc, Job&& job) {
  if (!ProcessedAtOnce(ws, svc)) {
    Services captured = svc;
    return ScheduleProcessing(
        ws, svc, [captured, job = std::forward<Job>(job)](WorkspaceState& state) mutable {
          job(state, captured);
        });
  }
  ProcessingScope scope(ws);
  job(ws, svc);
  return TimerId{};
}

// The workspace's processing latency: its file's `processing_latency` when
// set, else the engine's (EngineOptions::processing_latency).
Duration ProcessingLatency(const WorkspaceState& ws, const Services& svc);

// When the processing job of a message accepted at `now` is due: nullopt when
// it runs inline (no latency, or already processing accepted work, and no
// scheduled delivery), else the later of `deliver_at` and now + latency.
std::optional<TimePoint> ProcessingDue(const WorkspaceState& ws, const Services& svc, TimePoint now,
                                       std::optional<TimePoint> deliver_at);

// The opt-in rate-limited request families (workspace `rate_limits`).
enum class RateLimited {
  kListWrites,  // PUT /lists/{id}, PUT and DELETE /lists/{id}/subscriptions/{user}
  kEventsPut,   // PUT /events/{id}
};

// Counts one request of `family` at the clock's time and returns OK, or 429
// {"message", "type":"rate_limit_error"} when the workspace's limit for the
// last 60 s of mock time is used up (a refused request is not counted and
// changes nothing). Always OK when the workspace has no rate limits.
Status CheckRateLimit(WorkspaceState& ws, const Services& svc, RateLimited family);
// Takes back the count of the last request of `family` (one that failed).
void UncountRateLimit(WorkspaceState& ws, RateLimited family);

// Runs `request` (returning Result<Reply>) under the rate limit of `family`:
// 429 without running it when the limit is used up; a request that fails
// (bad input) is not counted, so it changes nothing.
template <typename Fn>
Result<Reply> RateLimitedRequest(WorkspaceState& ws, const Services& svc, RateLimited family,
                                 Fn&& request) {
  Status allowed = CheckRateLimit(ws, svc, family);
  if (!allowed.ok()) return allowed;
  Result<Reply> reply = request();
  if (!reply.ok()) UncountRateLimit(ws, family);
  return reply;
}

}  // namespace mock_courier
