#include "segment_events.h"

#include <string_view>

namespace mock_courier::bench {
namespace {

// A fixed time base: events look like they were sent on the bench's date.
constexpr const char* kTimestamp = "2026-11-23T08:00:00.000Z";

const char* ItemFor(std::uint64_t n) {
  static constexpr const char* kItems[] = {"Shoes", "Jacket", "Backpack", "Scarf", "Lamp"};
  return kItems[n % 5];
}

}  // namespace

EventKind MixedKind(std::uint64_t sequence) {
  switch (sequence % 4) {
    case 0:
      return EventKind::kUnmappedTrack;
    case 1:
      return EventKind::kAutomationTrack;
    case 2:
      return EventKind::kEventMapTrack;
    default:
      return EventKind::kIdentify;
  }
}

std::string BenchUserId(std::uint64_t n, std::uint64_t user_pool) {
  return "user-" + std::to_string(user_pool == 0 ? n : n % user_pool);
}

nlohmann::json MakeSegmentEvent(EventKind kind, std::uint64_t sequence, std::uint64_t stream,
                                std::uint64_t user_pool) {
  // Spread users so that neighbouring requests touch different profiles.
  const std::uint64_t mixed = sequence * 2654435761u + stream * 40503u;
  const std::string user = BenchUserId(mixed, user_pool);
  nlohmann::json event = {
      {"messageId", "bench-" + std::to_string(stream) + "-" + std::to_string(sequence)},
      {"userId", user},
      {"anonymousId", "anon-" + std::to_string(mixed % 100000)},
      {"timestamp", kTimestamp},
      {"sentAt", kTimestamp},
      {"receivedAt", kTimestamp},
      {"context",
       {{"library", {{"name", "analytics.js"}, {"version", "4.1.0"}}},
        {"ip", "203.0.113.7"},
        {"locale", "en-US"},
        {"page", {{"path", "/cart"}, {"url", "https://shop.example.com/cart"}}},
        {"userAgent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}}},
      {"integrations", nlohmann::json::object()},
      {"version", 2}};
  const std::string item = ItemFor(sequence);
  switch (kind) {
    case EventKind::kUnmappedTrack:
      event["type"] = "track";
      event["event"] = "Product Viewed";
      event["properties"] = {{"item", item}, {"price", 49.5}, {"currency", "USD"}};
      break;
    case EventKind::kAutomationTrack:
      event["type"] = "track";
      event["event"] = "Checkout Page Visited";
      event["properties"] = {
          {"item", item}, {"cart_id", "cart-" + std::to_string(sequence)}, {"total", 99.0}};
      break;
    case EventKind::kEventMapTrack:
      event["type"] = "track";
      event["event"] = "Order Completed";
      event["properties"] = {
          {"order_id", "order-" + std::to_string(sequence)}, {"item", item}, {"total", 129.0}};
      break;
    case EventKind::kIdentify:
      event["type"] = "identify";
      event["traits"] = {{"email", user + "@example.com"},
                         {"name", "Customer " + user},
                         {"plan", sequence % 2 == 0 ? "pro" : "free"},
                         {"address", {{"city", "Lisbon"}, {"country", "PT"}}},
                         {"visits", sequence % 100}};
      break;
  }
  return event;
}

namespace {

constexpr std::string_view kIdPlaceholder = "bench-SSSSSS-QQQQQQQQQQQQ";
constexpr std::string_view kUserPlaceholder = "user-UUUUU";

// Writes `value` as `width` decimal digits (zero-padded, wrapping) at `at`.
void PutDigits(std::string& text, std::size_t at, std::size_t width, std::uint64_t value) {
  for (std::size_t i = width; i > 0; --i) {
    text[at + i - 1] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

SegmentBodySource::SegmentBodySource(std::uint64_t user_pool)
    : user_pool_(user_pool == 0 || user_pool > 100000 ? 100000 : user_pool) {
  const std::string user(kUserPlaceholder);
  for (std::uint64_t i = 0; i < 256; ++i) {
    EventKind kind = MixedKind(i);
    nlohmann::json event = MakeSegmentEvent(kind, i, 0, user_pool_);
    event["messageId"] = kIdPlaceholder;
    event["userId"] = user;
    if (kind == EventKind::kIdentify) {
      event["traits"]["email"] = user + "@example.com";
      event["traits"]["name"] = "Customer " + user;
    }
    Template t;
    t.text = event.dump();
    t.message_id_at = t.text.find(kIdPlaceholder) + std::string_view("bench-").size();
    for (std::size_t at = t.text.find(user); at != std::string::npos;
         at = t.text.find(user, at + 1)) {
      t.user_digits.push_back(at + std::string_view("user-").size());
    }
    templates_.push_back(std::move(t));
  }
}

void SegmentBodySource::Fill(std::uint32_t stream, std::uint64_t sequence,
                             std::string& body) const {
  const Template& t = templates_[sequence % templates_.size()];
  body.assign(t.text);
  body[t.message_id_at + 6] = '-';
  PutDigits(body, t.message_id_at, 6, stream);
  PutDigits(body, t.message_id_at + 7, 12, sequence);
  const std::uint64_t user = (sequence * 2654435761u + stream * 40503u) % user_pool_;
  for (std::size_t at : t.user_digits) PutDigits(body, at, 5, user);
}

}  // namespace mock_courier::bench
