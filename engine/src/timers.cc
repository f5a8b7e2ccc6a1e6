#include "timers.h"

#include <exception>

#include "automations.h"
#include "messaging.h"

namespace mock_courier {

void RunTimer(WorkspaceState& ws, Services& svc, Scheduler::Timer& timer) {
  // Timers must not throw into the clock loop: what they run is built by the
  // engine's own modules, so this is only a safety net.
  try {
    switch (timer.kind) {
      case TimerKind::kCallback:
      case TimerKind::kProcessRequest:
        if (timer.callback) timer.callback(ws);
        return;
      case TimerKind::kRunDelay:
        ResumeRunAfterDelay(ws, svc, timer.target);
        return;
      case TimerKind::kProcessMessage:
      case TimerKind::kDelayedSend:
        RunMessageJob(ws, svc, timer.target);
        return;
      case TimerKind::kDeliverMessage:
        RunDeliveryJob(ws, svc, timer.target, timer.channel);
        return;
    }
  } catch (const std::exception&) {
  }
}

}  // namespace mock_courier
