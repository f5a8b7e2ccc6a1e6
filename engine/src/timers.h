// Timers: what each kind of Scheduler timer does when it fires. Internal to
// the engine; runs with the workspace lock held.
#pragma once

#include <span>

#include "scheduler.h"
#include "workspace_state.h"

namespace mock_courier {

// Runs `timer` on `ws` (the clock already stands at its due time). A timer
// whose run or message is gone (evicted, reset) does nothing. Never throws.
void RunTimer(WorkspaceState& ws, Services& svc, Scheduler::Timer& timer);

// Asks for what the timers due next on `ws` will read (prefetch.h), one
// stage per timer, `upcoming` soonest first (Scheduler::PopDue): a delay's
// run is found by sequence, read, and taken out of the token index, each a
// miss behind a million waiting runs. Reads only what the stage before
// asked for. Call with the workspace lock held, after RunTimer.
void PrefetchUpcoming(const WorkspaceState& ws, std::span<const Scheduler::Upcoming> upcoming);

}  // namespace mock_courier
