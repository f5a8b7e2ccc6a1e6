#include "segment_relay.h"

#include <exception>
#include <string>
#include <vector>

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

// One delivery of the event received as number `received`.
void DeliverOnce(WorkspaceState& ws, Services& svc, const Json& event, RelayFn relay,
                 std::uint64_t received, Duration held, bool again) {
  const std::uint64_t before = JournalCount(ws);
  relay(ws, svc, event);
  std::vector<std::string> marks;
  if (held > 0) {
    marks.push_back("segment.delivery: held " + std::to_string(held) + " ms by the reorder window");
  }
  if (received < ws.relay_latest_delivered) {
    marks.push_back("segment.delivery: delivered out of order (received #" +
                    std::to_string(received) + ", after #" +
                    std::to_string(ws.relay_latest_delivered) + ")");
  }
  if (again) {
    marks.push_back("segment.delivery: delivered again with the same messageId (at-least-once)");
  }
  if (received > ws.relay_latest_delivered) ws.relay_latest_delivered = received;
  if (marks.empty() || JournalCount(ws) == before || ws.journal.empty()) return;
  auto& diagnostics = ws.journal.back().diagnostics;
  diagnostics.insert(diagnostics.end(), marks.begin(), marks.end());
}

}  // namespace

SegmentDelivery DeliveryOf(const WorkspaceState& ws, const Services& svc) {
  return ws.def.segment.delivery.value_or(svc.options.segment_delivery);
}

void DeliverRelayed(WorkspaceState& ws, Services& svc, const Json& event, RelayFn relay) {
  const SegmentDelivery delivery = DeliveryOf(ws, svc);
  const std::uint64_t received = ++ws.relay_received;
  if (delivery.exact()) {
    DeliverOnce(ws, svc, event, relay, received, 0, false);
    return;
  }
  const bool twice = delivery.duplicate_rate > 0 && NextUnit(ws) < delivery.duplicate_rate;
  for (int copy = 0; copy < (twice ? 2 : 1); ++copy) {
    const bool again = copy == 1;
    if (delivery.reorder_window <= 0) {
      DeliverOnce(ws, svc, event, relay, received, 0, again);
      continue;
    }
    const Duration held = static_cast<Duration>(
        NextRandom(ws) % static_cast<std::uint64_t>(delivery.reorder_window + 1));
    if (held == 0) {
      DeliverOnce(ws, svc, event, relay, received, 0, again);
      continue;
    }
    Services captured = svc;
    SharedJson shared = Share(event);
    svc.scheduler.Schedule(
        svc.clock.Now() + held, ws.id, "segment relay #" + std::to_string(received),
        [captured, shared, relay, received, held, again](WorkspaceState& state) mutable {
          // Timer callbacks must not throw into the clock loop.
          try {
            DeliverOnce(state, captured, *shared, relay, received, held, again);
          } catch (const std::exception&) {
          }
        });
  }
  svc.version.fetch_add(1);
}

}  // namespace mock_courier
