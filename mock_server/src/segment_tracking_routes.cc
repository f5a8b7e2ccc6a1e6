// The fake Segment Tracking API under /v1/
// (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/): write-key
// auth, size limits, batch splitting, and the fields Segment's edge adds (messageId, receivedAt,
// sentAt, originalTimestamp, timestamp) before the engine records and relays the events.
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "api_internal.h"
#include "mock_courier/time_format.h"
#include "request_body.h"

namespace mock_courier::server {
namespace {

// https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/.
constexpr std::size_t kMaxEventBytes = 32 * 1024;
constexpr std::size_t kMaxBatchBytes = 500 * 1024;

// Path -> event type; "batch" for the batch endpoints. The one-letter paths
// are analytics.js's
// (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/).
std::optional<std::string> TypeForPath(const std::string& name) {
  static const std::map<std::string, std::string> kTypes = {
      {"identify", "identify"}, {"track", "track"}, {"page", "page"},   {"screen", "screen"},
      {"group", "group"},       {"alias", "alias"}, {"batch", "batch"}, {"import", "batch"},
      {"i", "identify"},        {"t", "track"},     {"p", "page"},      {"s", "screen"},
      {"g", "group"},           {"a", "alias"},     {"b", "batch"}};
  auto it = kTypes.find(name);
  if (it == kTypes.end()) return std::nullopt;
  return it->second;
}

bool ValidType(const Json& type) {
  static const std::set<std::string> kValid = {"identify", "track", "page",
                                               "screen",   "group", "alias"};
  return type.is_string() && kValid.count(type.get<std::string>()) > 0;
}

// Segment's edge answers 400 for size and JSON errors; the body format is not
// documented, so this mirrors the success body's shape.
ApiResponse SegmentError(std::string message) {
  return JsonResponse(400, {{"success", false}, {"message", std::move(message)}});
}

// Fills the fields Segment adds on arrival (https://segment.com/docs/connections/spec/common/,
// https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/): receivedAt =
// now; a client `timestamp` becomes originalTimestamp and timestamp is corrected for clock skew
// with sentAt; no timestamp -> now.
void StampEvent(Json& event, TimePoint now, const Json& batch_sent_at, const std::string& id) {
  const std::string received = FormatIso8601(now);
  if (!event.contains("messageId") || !event["messageId"].is_string() ||
      event["messageId"].get_ref<const std::string&>().empty()) {
    event["messageId"] = id;
  }
  if (!event.contains("sentAt") && batch_sent_at.is_string()) event["sentAt"] = batch_sent_at;
  event["receivedAt"] = received;
  std::optional<TimePoint> sent_at;
  if (event.contains("sentAt") && event["sentAt"].is_string()) {
    sent_at = ParseIso8601(event["sentAt"].get_ref<const std::string&>());
  }
  std::optional<TimePoint> original;
  if (event.contains("timestamp") && event["timestamp"].is_string()) {
    original = ParseIso8601(event["timestamp"].get_ref<const std::string&>());
  }
  if (original) {
    event["originalTimestamp"] = event["timestamp"];
    if (sent_at) event["timestamp"] = FormatIso8601(now - (*sent_at - *original));
  } else {
    event["timestamp"] = received;
  }
  if (!event.contains("sentAt")) event["sentAt"] = received;
}

// Items win over the batch's context/integrations
// (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/: merged into
// each item).
void MergeBatchField(Json& item, const Json& batch, const char* field) {
  if (!batch.contains(field) || !batch[field].is_object()) return;
  Json merged = batch[field];
  if (item.contains(field) && item[field].is_object()) merged.merge_patch(item[field]);
  item[field] = merged;
}

}  // namespace

ApiResponse HandleSegmentTracking(Engine& engine, const ApiRequest& request,
                                  std::atomic<std::uint64_t>& sequence) {
  const std::vector<std::string_view> parts = PathSegments(request.path);  // {"v1", name}
  std::optional<std::string> type =
      parts.size() == 2 ? TypeForPath(std::string(parts[1])) : std::nullopt;
  if (!type) return JsonResponse(404, {{"success", false}, {"message", "Not Found"}});
  if (request.method != "POST") {
    return JsonResponse(405, {{"success", false}, {"message", "Method Not Allowed"}});
  }
  const bool batch = *type == "batch";
  if (request.body.size() > (batch ? kMaxBatchBytes : kMaxEventBytes)) {
    return SegmentError(batch ? "Batch exceeds 500 KB" : "Event exceeds 32 KB");
  }
  Result<Json> parsed = ParseJsonBody(request.body);
  if (!parsed.ok()) return SegmentError("Invalid JSON: " + parsed.status().message());
  Json body = std::move(parsed).value();
  if (!body.is_object()) return SegmentError("The body must be a JSON object");

  // Write key (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/): in
  // the body, else HTTP Basic "<key>:". Bearer (OAuth) needs the key in the body too.
  std::string write_key;
  if (body.contains("writeKey") && body["writeKey"].is_string()) {
    write_key = body["writeKey"].get<std::string>();
  } else if (auto auth = request.headers.find("Authorization"); auth != request.headers.end()) {
    write_key = WriteKeyFromBasic(auth->second).value_or("");
  }
  // Only an empty key is refused; any other key gets 200
  // (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/).
  if (write_key.empty()) return SegmentError("Missing write key");

  Json events = Json::array();
  Json batch_sent_at = body.value("sentAt", Json());
  if (batch) {
    if (!body.contains("batch") || !body["batch"].is_array()) {
      return SegmentError("The batch field must be an array of events");
    }
    for (Json item : body["batch"]) {
      if (!item.is_object() || !ValidType(item.value("type", Json()))) {
        return SegmentError("Every batch item needs a valid type");
      }
      if (item.dump().size() > kMaxEventBytes) return SegmentError("Event exceeds 32 KB");
      MergeBatchField(item, body, "context");
      MergeBatchField(item, body, "integrations");
      item.erase("writeKey");
      events.push_back(std::move(item));
    }
  } else {
    body["type"] = *type;
    body.erase("writeKey");
    events.push_back(std::move(body));
  }
  const TimePoint now = engine.clock().Now();
  for (Json& event : events) {
    char id[48];
    std::snprintf(id, sizeof id, "api-%013lld-%08llx", static_cast<long long>(now),
                  static_cast<unsigned long long>(sequence.fetch_add(1) + 1));
    StampEvent(event, now, batch_sent_at, id);
  }
  return ReplyResponse(engine.SegmentTrackingReceive(write_key, events, request.path));
}

}  // namespace mock_courier::server
