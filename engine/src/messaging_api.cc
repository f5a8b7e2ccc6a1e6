// Messages API (https://www.courier.com/docs/reference/logs/list), recipient engagement, the
// Events API (https://www.courier.com/docs/1.0.0/reference/send/message/) and the admin views of
// messages.
#include <algorithm>
#include <cctype>
#include <set>

#include "json_util.h"
#include "messaging.h"
#include "messaging_internal.h"
#include "mock_courier/time_format.h"

namespace mock_courier {
namespace {

void Touch(Services& svc) { svc.version.fetch_add(1); }

Status MessageNotFound() { return Status::NotFound("Message not found"); }

// Messages per page of GET /messages. Courier's page size is undocumented.
constexpr std::size_t kMessagesPageSize = 100;

// Query values may be a string or (for repeated parameters) an array.
std::vector<std::string> QueryValues(const Json& query, const char* key) {
  std::vector<std::string> values;
  if (!query.is_object() || !query.contains(key)) return values;
  const Json& v = query[key];
  auto add = [&](const Json& item) {
    if (item.is_string())
      values.push_back(item.get<std::string>());
    else if (!item.is_null())
      values.push_back(item.dump());
  };
  if (v.is_array()) {
    for (const Json& item : v) add(item);
  } else {
    add(v);
  }
  return values;
}

std::string QueryValue(const Json& query, const char* key) {
  std::vector<std::string> values = QueryValues(query, key);
  return values.empty() ? "" : values.front();
}

// Cursors are opaque to clients: "mcm1." + hex of the creation index of the
// next (older) message to return.
std::string EncodeCursor(std::size_t index) {
  static const char* kHex = "0123456789abcdef";
  std::string digits = std::to_string(index);
  std::string out = "mcm1.";
  for (unsigned char c : digits) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

std::optional<std::size_t> DecodeCursor(const std::string& cursor) {
  if (cursor.rfind("mcm1.", 0) != 0) return std::nullopt;
  std::string hex = cursor.substr(5);
  if (hex.empty() || hex.size() % 2 != 0 || hex.size() > 38) return std::nullopt;
  std::string digits;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = nibble(hex[i]);
    int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    char c = static_cast<char>(hi * 16 + lo);
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    digits += c;
  }
  return static_cast<std::size_t>(std::stoull(digits));
}

bool MatchesFilters(const Message& m, const Json& query) {
  const SendPlan& plan = m.plan;
  // Archived requests' messages are listed only with archived=true
  // (https://www.courier.com/docs/reference/logs/list: "whether archived
  // messages should be included").
  if (m.archived && QueryValue(query, "archived") != "true") return false;
  auto any_of = [](const std::vector<std::string>& wanted, std::string_view value) {
    return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
  };
  if (!any_of(QueryValues(query, "status"), MessageStatusName(m.record.status))) return false;
  if (!any_of(QueryValues(query, "recipient"), m.plan.recipient)) return false;
  if (!any_of(QueryValues(query, "notification"), m.plan.notification)) return false;
  if (!any_of(QueryValues(query, "event"), m.plan.event)) return false;
  if (!any_of(QueryValues(query, "messageId"), m.id)) return false;
  if (!any_of(QueryValues(query, "list"), plan.list_id)) return false;
  const Json metadata = plan.metadata.is_object() ? plan.metadata : Json::object();
  if (!any_of(QueryValues(query, "traceId"), metadata.value("trace_id", ""))) return false;
  const Json& context = plan.context;
  if (!any_of(QueryValues(query, "tenant_id"),
              context.is_object() ? context.value("tenant_id", "") : "")) {
    return false;
  }
  std::vector<std::string> providers = QueryValues(query, "provider");
  if (!providers.empty()) {
    bool found = false;
    for (const ProviderAttempt& entry : m.record.providers) {
      if (any_of(providers, entry.provider)) found = true;
    }
    if (!found) return false;
  }
  std::vector<std::string> tags = QueryValues(query, "tag");
  for (const std::string& list : QueryValues(query, "tags")) {
    std::size_t start = 0;
    while (start <= list.size()) {
      std::size_t comma = list.find(',', start);
      std::string tag =
          list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!tag.empty()) tags.push_back(tag);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (!tags.empty()) {
    const Json message_tags = metadata.value("tags", Json::array());
    for (const std::string& tag : tags) {
      if (std::find(message_tags.begin(), message_tags.end(), Json(tag)) == message_tags.end()) {
        return false;
      }
    }
  }
  std::string after = QueryValue(query, "enqueued_after");
  if (!after.empty()) {
    std::optional<TimePoint> t = ParseIso8601(after);
    if (!t && std::all_of(after.begin(), after.end(), ::isdigit)) t = std::stoll(after);
    if (t && m.record.enqueued <= *t) return false;
  }
  return true;
}

// Status order for engagement: a message never moves back
// (https://www.courier.com/docs/reference/messages/get).
int Rank(MessageStatus status) {
  switch (status) {
    case MessageStatus::kSent:
      return 1;
    case MessageStatus::kDelivered:
      return 2;
    case MessageStatus::kOpened:
      return 3;
    case MessageStatus::kClicked:
      return 4;
    default:
      return 0;
  }
}

void StampProvider(Message& m, MessageStatus status,
                   std::optional<TimePoint> ProviderAttempt::*field, TimePoint now) {
  ProviderAttempt* entry = ProviderEntryOf(m, m.channel);
  if (entry == nullptr) return;
  if (Rank(status) > Rank(entry->status)) entry->status = status;
  if (!(entry->*field)) entry->*field = now;
}

// Appends an engagement history item on the message's channel.
HistoryItem& EngagementItem(std::string_view type, TimePoint now, Message& m,
                            Json extra = nullptr) {
  return RoutedItem(m.history, type, now, m.channel, m.provider, std::move(extra));
}

Status CheckEventBody(const Json& body) {
  // Courier validates the body with a closed schema
  // (https://www.courier.com/docs/1.0.0/reference/send/message/): exactly id + type.
  if (!body.is_object()) return Status::BadRequest("must be object");
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != "id" && it.key() != "type") {
      return Status::BadRequest("must NOT have additional properties");
    }
  }
  if (!body.contains("id")) return Status::BadRequest("must have required property 'id'");
  if (!body.contains("type")) return Status::BadRequest("must have required property 'type'");
  if (!body["id"].is_string()) return Status::BadRequest("/id must be string");
  if (body["type"] != "notification") {
    return Status::BadRequest("/type must be equal to one of the allowed values");
  }
  return Status::Ok();
}

}  // namespace

Result<Reply> ListMessagesReply(WorkspaceState& ws, const Json& query) {
  return GuardInput([&]() -> Result<Reply> {
    // Cursors are creation sequence numbers: an exclusive upper bound, newest first.
    std::uint64_t start = ws.messages.end_seq();
    std::string cursor = QueryValue(query, "cursor");
    if (!cursor.empty()) {
      std::optional<std::size_t> decoded = DecodeCursor(cursor);
      if (!decoded || *decoded > start) return Status::BadRequest("Invalid cursor");
      start = *decoded;
    }
    Json results = Json::array();
    std::uint64_t i = start;  // The last record looked at.
    bool more = false;
    ws.messages.ForEachNewestFirstBefore(start, [&](std::uint64_t seq, const Message& m) {
      if (results.size() == kMessagesPageSize) {
        more = MatchesFilters(m, query);
        return !more;
      }
      i = seq;
      if (MatchesFilters(m, query)) results.push_back(MessageRecordJson(m));
      return true;
    });
    Json paging = {{"cursor", more ? Json(EncodeCursor(i)) : Json()}, {"more", more}};
    return Reply{200, {{"paging", paging}, {"results", results}}};
  });
}

Result<Reply> GetMessageReply(WorkspaceState& ws, const std::string& message_id) {
  Message* m = ws.messages.Find(message_id);
  if (m == nullptr) return MessageNotFound();
  return Reply{200, MessageRecordJson(*m)};
}

Result<Reply> GetMessageHistoryReply(WorkspaceState& ws, const std::string& message_id,
                                     const Json& query) {
  Message* m = ws.messages.Find(message_id);
  if (m == nullptr) return MessageNotFound();
  std::vector<std::string> types = QueryValues(query, "type");
  Json results = Json::array();
  for (const HistoryItem& item : m->history) {
    if (!types.empty() && std::find(types.begin(), types.end(), item.type) == types.end()) {
      continue;
    }
    // As the API returns them: without the mock's send plan.
    results.push_back(HistoryItemJson(ws.def, *m, item, /*with_request=*/false));
  }
  return Reply{200, {{"results", results}}};
}

Result<Reply> CancelMessageReply(WorkspaceState& ws, Services& svc, const std::string& message_id) {
  Message* m = ws.messages.Find(message_id);
  if (m == nullptr) return MessageNotFound();
  // Only a message not yet processed (waiting on its delay) can be canceled;
  // otherwise Courier answers 409 with the record
  // (https://www.courier.com/docs/reference/messages/get).
  if (m->canceled || m->record.status != MessageStatus::kEnqueued) {
    return Reply{409, MessageRecordJson(*m)};
  }
  if (m->pending_timer.valid()) svc.scheduler.Cancel(m->pending_timer);
  m->pending_timer = TimerId{};
  m->canceled = true;
  m->record.status = MessageStatus::kCanceled;
  m->record.canceled_at = svc.clock.Now();
  ws.messages.MarkFinishedAt(m->seq);
  Touch(svc);
  NotifyMessageUpdated(ws, svc, *m);
  return Reply{200, MessageRecordJson(*m)};
}

Result<Reply> ResendMessageReply(WorkspaceState& ws, Services& svc, const std::string& message_id) {
  const Message* original = ws.messages.Find(message_id);
  if (original == nullptr) return MessageNotFound();
  // "Resends a previously sent message to the same recipient and content,
  // returning a new messageId. The original send request is not modified."
  // (Courier's SDKs, messages.resend). The plan is the original's as it was
  // accepted; the new message is a send accepted now: no delay, the profile
  // read again, the processing latency as for any send.
  SendPlan plan = original->plan;
  plan.origin = SendOrigin{"api", "", ""};
  const std::string id = CreateMessage(ws, svc, std::move(plan), "", std::nullopt);
  // Found again: creating a message may move the stored ones.
  if (Message* resent = ws.messages.Find(id)) {
    resent->diagnostics.push_back("resent from message " + message_id);
  }
  if (Message* again = ws.messages.Find(message_id)) {
    again->diagnostics.push_back("resent as message " + id);
  }
  return Reply{200, OneKey("messageId", id)};
}

Result<Reply> EngageMessage(WorkspaceState& ws, Services& svc, const std::string& message_id,
                            const Json& body) {
  return GuardInput([&]() -> Result<Reply> {
    Message* found = ws.messages.Find(message_id);
    if (found == nullptr) return MessageNotFound();
    static const std::set<std::string> kEvents = {"opened", "clicked", "delivered",
                                                  "undeliverable"};
    std::string event = body.is_object() && body.contains("event") && body["event"].is_string()
                            ? body["event"].get<std::string>()
                            : "";
    if (!kEvents.count(event)) {
      return Status::BadRequest("Invalid engagement event '" + event +
                                "'. Expected one of: opened, clicked, delivered, undeliverable");
    }
    Message& m = *found;
    const MessageStatus status = m.record.status;
    const std::string status_name = MessageStatusName(status);
    const TimePoint now = svc.clock.Now();
    if (Rank(status) == 0) {
      return Status::Conflict("Message " + message_id + " is " + status_name +
                              ": only a sent message can be engaged");
    }
    if (event == "undeliverable") {
      // A bounce can only follow a send that was not yet confirmed delivered.
      if (status != MessageStatus::kSent) {
        return Status::Conflict("Message " + message_id + " is " + status_name +
                                ": only a SENT message can become UNDELIVERABLE");
      }
      std::string reason = body.value("reason", "BOUNCED");
      std::string error = body.value("error", "Simulated bounce");
      if (ProviderAttempt* entry = ProviderEntryOf(m, m.channel)) {
        entry->status = MessageStatus::kUndeliverable;
        entry->error = error;
      }
      EngagementItem("UNDELIVERABLE", now, m, {{"error_message", error}});
      m.record.reason = reason;
      m.record.error = error;
      SetMessageStatus(ws, svc, m, MessageStatus::kUndeliverable);
      return Reply{200, MessageRecordJson(m)};
    }
    // Engagement implies the earlier steps: a click means opened, an open
    // means delivered. Each missing step is recorded (and emitted) in order.
    int target = event == "delivered" ? 2 : event == "opened" ? 3 : 4;
    if (target >= 2 && !m.record.delivered) {
      if (!DeliverChannel(ws, svc, m, m.channel)) {
        StampProvider(m, MessageStatus::kDelivered, &ProviderAttempt::delivered, now);
        EngagementItem("DELIVERED", now, m);
        SetMessageStatus(ws, svc, m, Rank(status) < 2 ? MessageStatus::kDelivered : status,
                         &MessageRecord::delivered);
      }
    }
    if (target >= 3 && !m.record.opened) {
      StampProvider(m, MessageStatus::kOpened, &ProviderAttempt::opened, now);
      EngagementItem("OPENED", now, m);
      SetMessageStatus(ws, svc, m, MessageStatus::kOpened, &MessageRecord::opened);
    }
    if (target >= 4 && !m.record.clicked) {
      StampProvider(m, MessageStatus::kClicked, &ProviderAttempt::clicked, now);
      EngagementItem("CLICKED", now, m);
      SetMessageStatus(ws, svc, m, MessageStatus::kClicked, &MessageRecord::clicked);
    }
    return Reply{200, MessageRecordJson(m)};
  });
}

Json MessageForAdmin(const WorkspaceDefinition& def, const Message& m) {
  Json entry = MessageRecordJson(m);
  entry["channel"] = m.channel;
  entry["provider"] = m.provider;
  entry["rendered"] = RenderedJson(def, m);
  Json history = Json::array();
  for (const HistoryItem& item : m.history) history.push_back(HistoryItemJson(def, m, item, true));
  entry["history"] = std::move(history);
  entry["request_id"] = m.RequestId();
  entry["origin"] = OriginJson(m.plan.origin);
  entry["pending_timer"] = m.pending_timer.valid();
  if (!m.diagnostics.empty()) entry["diagnostics"] = m.diagnostics;
  return entry;
}

Json MessagesForAdmin(const WorkspaceState& ws) {
  Json results = Json::array();
  ws.messages.ForEach(
      [&](std::uint64_t, const Message& m) { results.push_back(MessageForAdmin(ws.def, m)); });
  return {{"results", std::move(results)}, {"evicted", ws.messages.evicted()}};
}

// ---- Events API (https://www.courier.com/docs/1.0.0/reference/send/message/)
// -----------------------------------------------------

Result<Reply> ListEventsReply(WorkspaceState& ws) {
  Json results = Json::array();
  for (const auto& [event, notification] : ws.event_maps) {
    results.push_back({{"event", event}, {"id", notification}, {"type", "notification"}});
  }
  return Reply{200, {{"results", results}}};
}

Result<Reply> GetEventReply(WorkspaceState& ws, const std::string& event_id) {
  auto it = ws.event_maps.find(event_id);
  if (it == ws.event_maps.end()) return Status::NotFound("Event not found");
  return Reply{200, {{"id", it->second}, {"type", "notification"}}};
}

Result<Reply> PutEventReply(WorkspaceState& ws, Services& svc, const std::string& event_id,
                            const Json& body) {
  return GuardInput([&]() -> Result<Reply> {
    MC_RETURN_IF_ERROR(CheckEventBody(body));
    ws.event_maps[event_id] = body["id"].get<std::string>();
    Touch(svc);
    return Reply{200, body};
  });
}

Result<Reply> DeleteEventReply(WorkspaceState& ws, Services& svc, const std::string& event_id) {
  if (ws.event_maps.erase(event_id) > 0) Touch(svc);
  return Reply{204, nullptr};
}

}  // namespace mock_courier
