// Outbound Segment: Courier as a Segment source
// (https://www.courier.com/docs/external-integrations/cdp/segment). Status changes and audience
// matches become Segment track calls in the workspace's outbox.
#include <optional>
#include <string_view>

#include "messaging.h"
#include "mock_courier/time_format.h"

namespace mock_courier {
namespace {

// How AppendOutboundCall begins and ends a call's text (keys in nlohmann's order).
constexpr std::string_view kCallHead = R"({"context":{"library":{"name":"mock-courier"}},"event":)";
constexpr std::string_view kCallTail = R"(,"type":"track","userId":)";

// The value of the JSON string literal starting at text[at], or nullopt when
// none starts there.
std::optional<std::string> StringLiteralAt(std::string_view text, std::size_t at,
                                           std::size_t* end) {
  if (at >= text.size() || text[at] != '"') return std::nullopt;
  bool escaped = false;
  std::size_t i = at + 1;
  for (; i < text.size() && text[i] != '"'; ++i) {
    if (text[i] == '\\') {
      escaped = true;
      ++i;
    }
  }
  if (i >= text.size()) return std::nullopt;
  *end = i + 1;
  if (!escaped) return std::string(text.substr(at + 1, i - at - 1));
  const Json value = Json::parse(text.substr(at, i + 1 - at), nullptr, false);
  if (!value.is_string()) return std::nullopt;
  return value.get<std::string>();
}

std::string ParsedField(const OutboxEntry& entry, const char* key) {
  const Json event = Json::parse(*entry.event.Text(), nullptr, false);
  const Json* value = event.is_object() ? FindPath(event, key) : nullptr;
  return value != nullptr && value->is_string() ? value->get<std::string>() : "";
}

// Keeps a call made at `entry.created_at` in the outbox, and in the fake
// Segment API when it stands in for Segment.
void Store(WorkspaceState& ws, Services& svc, OutboxEntry entry) {
  if (svc.options.deliver_outbound_to_fake_segment) {
    // Not literals: "courier-outbound" made a std::string on the heap per call.
    static const std::string kPath = "/v1/batch";
    static const std::string kOrigin = "courier-outbound";
    svc.fake_segment.Record(ws.def.segment.write_key, entry.event, kPath, kOrigin,
                            entry.created_at);
    entry.state = DeliveryState::kDelivered;
    entry.attempts = 1;
    ws.outbox.AddFinished(std::move(entry));
  } else {
    const OutboxEntry& stored = ws.outbox.Add(std::move(entry));
    ws.outbox_pending.emplace_back(stored.id);
  }
  svc.version.fetch_add(1);
}

}  // namespace

std::string OutboundEventName(const OutboxEntry& entry) {
  if (const CallText::Source* typed = entry.event.source()) return std::string(typed->EventName());
  const SharedText shared = entry.event.Text();
  const std::string_view text = *shared;
  std::size_t end = 0;
  if (text.starts_with(kCallHead)) {
    if (auto name = StringLiteralAt(text, kCallHead.size(), &end)) return *name;
  }
  return ParsedField(entry, "event");
}

std::string OutboundUserId(const OutboxEntry& entry) {
  if (const CallText::Source* typed = entry.event.source()) return std::string(typed->UserId());
  const SharedText shared = entry.event.Text();
  const std::string_view text = *shared;
  // The last key: a string value cannot hold the tail unescaped.
  const std::size_t tail = text.rfind(kCallTail);
  std::size_t end = 0;
  if (tail != std::string_view::npos) {
    auto user = StringLiteralAt(text, tail + kCallTail.size(), &end);
    if (user && end + 1 == text.size() && text.back() == '}') return *user;
  }
  return ParsedField(entry, "userId");
}

std::string OutboundMessageId(const OutboxEntry& entry) {
  if (const CallText::Source* typed = entry.event.source()) return std::string(typed->MessageId());
  return ParsedField(entry, "properties.messageId");
}

void EmitOutbound(WorkspaceState& ws, Services& svc, const std::string& event_name,
                  const std::string& user_id, Json properties) {
  if (!EmitsOutbound(ws)) return;
  EmitOutboundWith(ws, svc, event_name, user_id,
                   [&properties](std::string& out) { AppendJson(out, properties); });
}

std::size_t AppendOutboundCall(std::string& text, std::string_view event_name,
                               std::string_view call_id, TimePoint at, std::string_view user_id,
                               const std::function<void(std::string&)>& write_properties) {
  // Property names are undocumented: the call mirrors the message record
  // (or the audience webhook data) and uses the recipient as userId
  // (https://www.courier.com/docs/external-integrations/cdp/segment/). Keys in the order
  // nlohmann would dump them.
  text += kCallHead;
  AppendJsonString(text, event_name);
  text += R"(,"messageId":")";
  const std::size_t id_at = text.size();
  text += call_id;  // Hex digits and dashes: nothing to escape.
  text += '"';
  text += R"(,"properties":)";
  write_properties(text);
  text += R"(,"timestamp":")";
  char timestamp[kIso8601Capacity];
  text.append(timestamp, FormatIso8601To(at, timestamp));
  text += '"';
  text += kCallTail;
  AppendJsonString(text, user_id);
  text += '}';
  return id_at;
}

void EmitOutboundWith(WorkspaceState& ws, Services& svc, std::string_view event_name,
                      const std::string& user_id,
                      const std::function<void(std::string&)>& write_properties) {
  if (!EmitsOutbound(ws)) return;  // No Segment source configured in Courier.
  const TimePoint now = svc.clock.Now();
  char id[IdGenerator::kIdLength];
  ws.ids.NextInto(now, id);
  std::size_t id_at = 0;
  const SharedText shared = SharedText::Written([&](std::string& text) {
    id_at = AppendOutboundCall(text, event_name, std::string_view(id, sizeof id), now, user_id,
                               write_properties);
  });
  OutboxEntry entry;
  entry.created_at = now;
  entry.event = CallText(shared);
  entry.id = shared.view().substr(id_at, sizeof id);  // `entry.event` holds the same bytes.
  Store(ws, svc, std::move(entry));
}

void EmitOutboundCall(
    WorkspaceState& ws, Services& svc,
    const std::function<std::shared_ptr<const CallText::Source>(std::string_view, TimePoint)>&
        make) {
  if (!EmitsOutbound(ws)) return;
  const TimePoint now = svc.clock.Now();
  char id[IdGenerator::kIdLength];
  ws.ids.NextInto(now, id);
  std::shared_ptr<const CallText::Source> source = make(std::string_view(id, sizeof id), now);
  OutboxEntry entry;
  entry.created_at = now;
  entry.id = source->CallId();
  entry.event = CallText(std::move(source));
  Store(ws, svc, std::move(entry));
}

Json OutboxEntryForAdmin(const OutboxEntry& entry) {
  return {{"id", entry.id},
          {"state", DeliveryStateName(entry.state)},
          {"attempts", entry.attempts},
          {"last_error", entry.last_error},
          {"created_at", FormatIso8601(entry.created_at)},
          {"event", Json::parse(*entry.event.Text())}};
}

Json OutboxForAdmin(const WorkspaceState& ws) {
  Json results = Json::array();
  ws.outbox.ForEach([&](std::uint64_t, const OutboxEntry& entry) {
    results.push_back(OutboxEntryForAdmin(entry));
  });
  return {{"results", std::move(results)}, {"evicted", ws.outbox.evicted()}};
}

}  // namespace mock_courier
