// Segment relay: how events the fake Segment Tracking API received reach a
// workspace, with Segment's delivery semantics when the workspace (or the
// engine) asks for them: at least once (duplicates with the same messageId)
// and in no guaranteed order (events held within a reorder window and
// released shuffled). Internal to the engine; runs with the workspace lock
// held.
#pragma once

#include "workspace_state.h"

namespace mock_courier {

// Applies the workspace's destination rules (Actions or classic) to one event
// and returns the HTTP status the workspace answered (200 when the rules
// forward nothing).
using RelayFn = int (*)(WorkspaceState& ws, Services& svc, const Json& event);

// Whether Segment retries a delivery the destination answered `status`:
// 408, 429 and 5xx other than 501 and 505, the outbound delivery worker's set
// (docs/fidelity.md "Segment retries"). Segment retries failed destination
// calls:
// https://segment.com/docs/connections/destinations/#retries-between-segment-and-destinations
bool IsRetryableRelayStatus(int status);

// The backoff before retry `attempt` (1 for the first retry) before its
// seeded jitter: 1 s doubling per attempt, at most an hour.
Duration RelayRetryBackoff(int attempt);

// The delivery semantics in force for `ws`: its file's segment.delivery, else
// the engine's (EngineOptions::segment_delivery).
SegmentDelivery DeliveryOf(const WorkspaceState& ws, const Services& svc);

// Relays `event` to `ws` through `relay`: at once and once by default; with
// a reorder window, at a seeded random time within it (a Scheduler timer);
// with a duplicate rate, possibly twice. The journal entry a delivery adds
// carries a diagnostic when it was held, delivered out of order (after an
// event received later) or delivered again.
//
// An attempt fails when the failure rate picks it (a journal entry with
// outcome "failed" and a simulated 500, 408 or 429; the workspace is not
// reached) or when the workspace answers a retryable status. A failed attempt
// is retried, same event and messageId, after a jittered RelayRetryBackoff (a
// Scheduler timer) while the retry is due within the retry window of the first
// attempt; otherwise the event is dropped (the last simulated failure's
// outcome is "dropped"; a diagnostic says so in either case).
void DeliverRelayed(WorkspaceState& ws, Services& svc, const Json& event, RelayFn relay);

}  // namespace mock_courier
