#include "segment_relay.h"

#include <algorithm>
#include <exception>
#include <string>
#include <vector>

#include "jobs.h"

namespace mock_courier {
namespace {

// splitmix64: small, fast and the same on every platform, so a seed gives the
// same deliveries everywhere (std:: distributions may differ between
// standard libraries).
std::uint64_t NextRandom(WorkspaceState& ws) {
  std::uint64_t z = (ws.relay_random += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform in [0, 1).
double NextUnit(WorkspaceState& ws) {
  return static_cast<double>(NextRandom(ws) >> 11) * (1.0 / 9007199254740992.0);
}

// A journal position that only grows (entries evicted count too).
std::uint64_t JournalCount(const WorkspaceState& ws) {
  return ws.journal.size() + ws.journal_evicted;
}

// One attempt to deliver one copy of the event received as number
// `received`.
struct RelayAttempt {
  std::uint64_t received = 0;
  Duration held = 0;       // How long the reorder window held it (first attempt only).
  bool again = false;      // The duplicate copy.
  int number = 1;          // 1 for the first attempt.
  TimePoint first_at = 0;  // When the first attempt ran: the retry window starts there.
};

// `shared` is `event` when a caller already shares it, else null (shared on
// demand, so the default path does not copy the event).
void Attempt(WorkspaceState& ws, Services& svc, const Json& event, SharedJson shared, RelayFn relay,
             RelayAttempt attempt);

// Runs `attempt` at `due` on the mock clock (a Scheduler timer).
void ScheduleAttempt(WorkspaceState& ws, Services& svc, const SharedJson& event, RelayFn relay,
                     const RelayAttempt& attempt, TimePoint due) {
  Services captured = svc;
  svc.scheduler.Schedule(due, ws.serial,
                         [captured, event, relay, attempt](WorkspaceState& state) mutable {
                           // A held or retried event reaches Courier as a new
                           // request: it is processed after the latency (jobs.h).
                           ProcessingScope request(state, /*processing=*/false);
                           // Timer callbacks must not throw into the clock loop.
                           try {
                             Attempt(state, captured, *event, event, relay, attempt);
                           } catch (const std::exception&) {
                           }
                         });
}

// After `attempt` failed with `status`: schedules the next attempt when it is
// due within the retry window, else sets `dropped`. Returns the journal mark.
std::string PlanRetry(WorkspaceState& ws, Services& svc, const Json& event, SharedJson shared,
                      RelayFn relay, const RelayAttempt& attempt, int status, bool& dropped) {
  const SegmentDelivery delivery = DeliveryOf(ws, svc);
  const std::string failed = "segment.delivery: attempt " + std::to_string(attempt.number) +
                             " failed with " + std::to_string(status);
  dropped = true;
  if (delivery.retry_window <= 0) return failed + "; dropped (retries are off)";
  // Segment retries "with a randomized exponential backoff": half the
  // backoff, plus a seeded random part of the other half.
  const Duration backoff = RelayRetryBackoff(attempt.number);
  const Duration wait =
      backoff / 2 +
      static_cast<Duration>(NextRandom(ws) % static_cast<std::uint64_t>(backoff - backoff / 2 + 1));
  const TimePoint due = svc.clock.Now() + wait;
  if (due > attempt.first_at + delivery.retry_window) {
    return failed + "; dropped: the next retry would fall after the retry window of " +
           std::to_string(delivery.retry_window) + " ms from the first attempt";
  }
  dropped = false;
  RelayAttempt next = attempt;
  next.number = attempt.number + 1;
  next.held = 0;
  if (shared == nullptr) shared = Share(event);
  ScheduleAttempt(ws, svc, shared, relay, next, due);
  return failed + "; retrying in " + std::to_string(wait) + " ms with the same messageId";
}

// Journals an attempt the failure rate picked: answered `status` without
// reaching the workspace.
void JournalSimulatedFailure(WorkspaceState& ws, Services& svc, const Json& event, int status,
                             std::string mark, bool dropped) {
  JournalEntry entry;
  entry.source = InboundSource::kSegmentRelay;
  entry.outcome = dropped ? InboundOutcome::kDropped : InboundOutcome::kFailed;
  entry.http_status = status;
  entry.received_at = svc.clock.Now();
  entry.payload_text = std::make_shared<const std::string>(JsonText(event));
  if (const Json* type = FindPath(event, "type"); type != nullptr && type->is_string()) {
    entry.type = type->get<std::string>();
  }
  if (const Json* name = FindPath(event, "event"); name != nullptr && name->is_string()) {
    entry.event = name->get<std::string>();
  }
  entry.diagnostics.push_back(
      "segment.delivery: simulated failure (failure_rate); the workspace was not reached");
  entry.diagnostics.push_back(std::move(mark));
  ws.AddToJournal(std::move(entry));
}

void Attempt(WorkspaceState& ws, Services& svc, const Json& event, SharedJson shared, RelayFn relay,
             RelayAttempt attempt) {
  if (attempt.number == 1) attempt.first_at = svc.clock.Now();
  const SegmentDelivery delivery = DeliveryOf(ws, svc);
  if (delivery.failure_rate > 0 && NextUnit(ws) < delivery.failure_rate) {
    // The statuses Segment retries (5xx, 408, 429), one picked per failure.
    static constexpr int kSimulated[] = {500, 408, 429};
    const int status = kSimulated[NextRandom(ws) % 3];
    bool dropped = false;
    std::string mark = PlanRetry(ws, svc, event, shared, relay, attempt, status, dropped);
    JournalSimulatedFailure(ws, svc, event, status, std::move(mark), dropped);
    return;
  }
  const std::uint64_t before = JournalCount(ws);
  const int status = relay(ws, svc, event);
  std::vector<std::string> marks;
  if (attempt.held > 0) {
    marks.push_back("segment.delivery: held " + std::to_string(attempt.held) +
                    " ms by the reorder window");
  }
  if (attempt.received < ws.relay_latest_delivered) {
    marks.push_back("segment.delivery: delivered out of order (received #" +
                    std::to_string(attempt.received) + ", after #" +
                    std::to_string(ws.relay_latest_delivered) + ")");
  }
  if (attempt.again) {
    marks.push_back("segment.delivery: delivered again with the same messageId (at-least-once)");
  }
  if (attempt.number > 1) {
    marks.push_back("segment.delivery: retry, attempt " + std::to_string(attempt.number));
  }
  if (attempt.received > ws.relay_latest_delivered) ws.relay_latest_delivered = attempt.received;
  if (IsRetryableRelayStatus(status)) {
    bool dropped = false;
    marks.push_back(PlanRetry(ws, svc, event, shared, relay, attempt, status, dropped));
  }
  if (marks.empty() || JournalCount(ws) == before || ws.journal.empty()) return;
  auto& diagnostics = ws.journal.back().diagnostics;
  diagnostics.insert(diagnostics.end(), marks.begin(), marks.end());
}

}  // namespace

bool IsRetryableRelayStatus(int status) {
  return status == 408 || status == 429 ||
         (status >= 500 && status <= 599 && status != 501 && status != 505);
}

Duration RelayRetryBackoff(int attempt) {
  Duration backoff = kSecond;
  for (int i = 1; i < attempt && backoff < kHour; ++i) backoff *= 2;
  return std::min(backoff, kHour);
}

SegmentDelivery DeliveryOf(const WorkspaceState& ws, const Services& svc) {
  return ws.def.segment.delivery.value_or(svc.options.segment_delivery);
}

void DeliverRelayed(WorkspaceState& ws, Services& svc, const Json& event, RelayFn relay) {
  const SegmentDelivery delivery = DeliveryOf(ws, svc);
  const std::uint64_t received = ++ws.relay_received;
  if (delivery.exact()) {
    Attempt(ws, svc, event, nullptr, relay, RelayAttempt{received, 0, false, 1, 0});
    return;
  }
  const bool twice = delivery.duplicate_rate > 0 && NextUnit(ws) < delivery.duplicate_rate;
  for (int copy = 0; copy < (twice ? 2 : 1); ++copy) {
    const bool again = copy == 1;
    const Duration held =
        delivery.reorder_window <= 0
            ? 0
            : static_cast<Duration>(NextRandom(ws) %
                                    static_cast<std::uint64_t>(delivery.reorder_window + 1));
    const RelayAttempt attempt{received, held, again, 1, 0};
    if (held == 0) {
      Attempt(ws, svc, event, nullptr, relay, attempt);
      continue;
    }
    ScheduleAttempt(ws, svc, Share(event), relay, attempt, svc.clock.Now() + held);
  }
  svc.version.fetch_add(1);
}

}  // namespace mock_courier
