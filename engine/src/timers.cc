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

void PrefetchUpcoming(const WorkspaceState& ws, std::span<const Scheduler::Upcoming> upcoming) {
  for (std::size_t i = 0; i < upcoming.size(); ++i) {
    const Scheduler::Upcoming& next = upcoming[i];
    if (next.workspace != ws.serial || next.kind != TimerKind::kRunDelay) continue;
    if (i == 0) {
      // Cached since the last timer: the run, so its token can be hashed.
      const AutomationRun* run = ws.runs.FindBySeq(next.target);
      if (run != nullptr && !run->cancelation_token.empty()) {
        ws.runs.by_token.PrefetchKey(run->cancelation_token);
      }
    } else if (i == 1) {
      ws.runs.PrefetchSeqRecord(next.target);
    } else {
      ws.runs.PrefetchSeqEntry(next.target);
    }
  }
}

}  // namespace mock_courier
