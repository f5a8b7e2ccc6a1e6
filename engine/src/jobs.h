// Jobs: when the effects of an accepted request run, and the opt-in rate
// limits that decide whether a request is accepted at all. Internal to the
// engine; every function runs with the workspace lock held.
//
// Courier answers first and processes later: a send exists as ENQUEUED from
// the moment it is accepted and moves on when its processing job runs
// (docs/fidelity.md "Realistic timing"). A job is a Scheduler timer, so jobs
// and delays share one order: due time on the mock clock, then acceptance
// order.
#pragma once

#include <optional>
#include <string_view>

#include "mock_courier/clock.h"
#include "mock_courier/status.h"
#include "workspace_state.h"

namespace mock_courier {

// The workspace's processing latency: its file's `processing_latency` when
// set, else the engine's (EngineOptions::processing_latency).
Duration ProcessingLatency(const WorkspaceState& ws, const Services& svc);

// When the processing job of a message accepted at `now` is due: nullopt when
// it runs inline (no latency and no scheduled delivery), else the later of
// `deliver_at` and now + latency.
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
