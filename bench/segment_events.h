// Realistic Segment events for the benchmarks, as Segment's Courier
// destination would POST them to /inbound/segment: each has a distinct
// messageId, a user from a bounded pool, context, timestamps and properties.
//
// Deterministic: the same (kind, sequence, stream) always gives the same event.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http_load.h"

namespace mock_courier::bench {

// What an event does in bench/workspace.json.
enum class EventKind {
  kUnmappedTrack,    // track "Product Viewed": journal + catalogue only.
  kAutomationTrack,  // track "Checkout Page Visited": one run (delay 2 h + send).
  kEventMapTrack,    // track "Order Completed": a send through the legacy event map.
  kIdentify,         // identify: deep merge of traits into the profile.
};

// The API key of bench/workspace.json.
inline constexpr const char* kBenchApiKey = "bench-key";

// The kind of the n-th event of the HTTP load's mix (a quarter of each).
EventKind MixedKind(std::uint64_t sequence);

// "user-<n>" with n < user_pool.
std::string BenchUserId(std::uint64_t n, std::uint64_t user_pool);

// The event number `sequence` of load stream `stream`: messageId
// "bench-<stream>-<sequence>", user chosen from `user_pool` users.
nlohmann::json MakeSegmentEvent(EventKind kind, std::uint64_t sequence, std::uint64_t stream = 0,
                                std::uint64_t user_pool = 10000);

// Serialized /inbound/segment bodies for the HTTP load: the MixedKind mix,
// messageId "bench-<stream>-<sequence>" (fixed width, so distinct per
// connection and request) and users spread over `user_pool` (at most 100000).
// Fill() patches digits into prepared templates: cheap next to the server's
// work, so the load generator leaves the CPU to the server.
class SegmentBodySource final : public BodySource {
 public:
  explicit SegmentBodySource(std::uint64_t user_pool = 10000);
  void Fill(std::uint32_t stream, std::uint64_t sequence, std::string& body) const override;

 private:
  struct Template {
    std::string text;
    std::size_t message_id_at = 0;         // Where the 6 + 12 id digits go.
    std::vector<std::size_t> user_digits;  // Where each 5-digit user number goes.
  };
  std::uint64_t user_pool_;
  std::vector<Template> templates_;
};

}  // namespace mock_courier::bench
