// Segment relay: how events the fake Segment Tracking API received reach a
// workspace, with Segment's delivery semantics when the workspace (or the
// engine) asks for them: at least once (duplicates with the same messageId)
// and in no guaranteed order (events held within a reorder window and
// released shuffled). Internal to the engine; runs with the workspace lock
// held.
#pragma once

#include "workspace_state.h"

namespace mock_courier {

// Applies the workspace's destination rules (Actions or classic) to one event.
using RelayFn = void (*)(WorkspaceState& ws, Services& svc, const Json& event);

// The delivery semantics in force for `ws`: its file's segment.delivery, else
// the engine's (EngineOptions::segment_delivery).
SegmentDelivery DeliveryOf(const WorkspaceState& ws, const Services& svc);

// Relays `event` to `ws` through `relay`: at once and once by default; with
// a reorder window, at a seeded random time within it (a Scheduler timer);
// with a duplicate rate, possibly twice. The journal entry a delivery adds
// carries a diagnostic when it was held, delivered out of order (after an
// event received later) or delivered again.
void DeliverRelayed(WorkspaceState& ws, Services& svc, const Json& event, RelayFn relay);

}  // namespace mock_courier
