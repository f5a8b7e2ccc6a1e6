// Timers: what each kind of Scheduler timer does when it fires. Internal to
// the engine; runs with the workspace lock held.
#pragma once

#include "scheduler.h"
#include "workspace_state.h"

namespace mock_courier {

// Runs `timer` on `ws` (the clock already stands at its due time). A timer
// whose run or message is gone (evicted, reset) does nothing. Never throws.
void RunTimer(WorkspaceState& ws, Services& svc, Scheduler::Timer& timer);

}  // namespace mock_courier
