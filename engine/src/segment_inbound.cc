#include "segment_inbound.h"

#include "automations.h"
#include "id_text.h"
#include "jobs.h"
#include "json_util.h"
#include "messaging.h"
#include "mock_courier/json_parse.h"
#include "mock_courier/time_format.h"
#include "profiles.h"

namespace mock_courier {
namespace {

// Segment's Event Tester ids skip idempotency
// (https://www.courier.com/docs/external-integrations/cdp/segment step 2).
constexpr std::string_view kEventTesterPrefix = "segment-test-message-";

// Errors of /inbound/segment carry only a message
// (https://www.courier.com/docs/external-integrations/cdp/segment/).
Status SegmentError(int status, std::string message) {
  return Status::Error(status, std::move(message), ErrorShape::kMessageOnly);
}

using Type = Json::value_t;

// What validation and the effects read of an inbound event, read once: the
// event's members in one scan (Payload::ReadFields), then those of
// `properties`, `properties.courier` and `traits` when they are objects.
class EventFields {
 public:
  enum Root {
    kType,
    kEvent,
    kMessageId,
    kUserId,
    kAnonymousId,
    kProperties,
    kTraits,
    kGroupId,
    kEmail,
    kRootCount
  };

  explicit EventFields(const Payload& event) {
    static constexpr std::string_view kRoots[kRootCount] = {"type",   "event",       "messageId",
                                                            "userId", "anonymousId", "properties",
                                                            "traits", "groupId",     "email"};
    event.ReadFields("", kRoots, roots_);
    if (roots_[kProperties].type == Type::object) {
      static constexpr std::string_view kProperties[] = {"courier", "email"};
      JsonField read[2];
      event.ReadFields("properties", kProperties, read);
      courier_type_ = read[0].type;
      has_property_email_ = read[1].present();
    }
    if (courier_type_ == Type::object) {
      static constexpr std::string_view kCourier[] = {"list", "pattern"};
      JsonField read[2];
      event.ReadFields("properties.courier", kCourier, read);
      has_list_ = read[0].present();
      // A list id is a string; any other value names a list by its JSON
      // text (`5` is list "5").
      if (has_list_) {
        list_ = read[0].is_string()
                    ? std::move(read[0].text)
                    : event.ValueAt("properties.courier.list").value_or(Json()).dump();
      }
      has_pattern_ = read[1].present();
      pattern_ = std::move(read[1].text);  // "" unless a string.
    }
    if (roots_[kTraits].type == Type::object && roots_[kEmail].present()) {
      static constexpr std::string_view kTraitsEmail[] = {"email"};
      JsonField read[1];
      event.ReadFields("traits", kTraitsEmail, read);
      has_traits_email_ = read[0].present();
    }
  }

  Type type(Root root) const { return roots_[root].type; }
  bool has(Root root) const { return roots_[root].present(); }
  // The member's text when it is a string, else "".
  const std::string& text(Root root) const { return roots_[root].text; }
  // userId ?? anonymousId: the recipient and profile id.
  const std::string& recipient() const {
    return text(kUserId).empty() ? text(kAnonymousId) : text(kUserId);
  }
  // properties.courier is an object.
  bool has_courier() const { return courier_type_ == Type::object; }
  // properties.courier.list / .pattern (when properties.courier is an object).
  bool has_list() const { return has_list_; }
  const std::string& list() const { return list_; }
  bool has_pattern() const { return has_pattern_; }
  const std::string& pattern() const { return pattern_; }
  bool has_property_email() const { return has_property_email_; }
  bool has_traits_email() const { return has_traits_email_; }

 private:
  JsonField roots_[kRootCount];
  Type courier_type_ = Type::discarded;
  bool has_property_email_ = false;
  bool has_list_ = false;
  bool has_pattern_ = false;
  bool has_traits_email_ = false;
  std::string list_;
  std::string pattern_;
};

Status ValidateIdentity(const EventFields& event, const std::string& type) {
  for (auto [root, key] : {std::pair{EventFields::kUserId, "userId"},
                           std::pair{EventFields::kAnonymousId, "anonymousId"}}) {
    const Type found = event.type(root);
    if (found != Type::discarded && found != Type::string && found != Type::null) {
      return SegmentError(400,
                          "Invalid " + type + " event: '" + key + "' must be a string or null");
    }
  }
  if (event.recipient().empty()) {
    return SegmentError(
        400, "Invalid " + type + " event: must have required property 'userId' or 'anonymousId'");
  }
  return Status::Ok();
}

Status RequireField(const EventFields& event, const std::string& type, EventFields::Root root,
                    const char* key, bool object) {
  const Type found = event.type(root);
  if (found == Type::discarded) {
    return SegmentError(400,
                        "Invalid " + type + " event: must have required property '" + key + "'");
  }
  if (found != (object ? Type::object : Type::string)) {
    return SegmentError(400, "Invalid " + type + " event: '" + key + "' must be " +
                                 (object ? "an object" : "a string"));
  }
  return Status::Ok();
}

// Per-type validation (https://www.courier.com/docs/external-integrations/cdp/segment/).
// Unsupported types answer 501.
Status ValidateSegmentEvent(WorkspaceState& ws, const EventFields& event) {
  const std::string type =
      event.type(EventFields::kType) == Type::string ? event.text(EventFields::kType) : "undefined";
  if (type != "track" && type != "identify" && type != "group") {
    return SegmentError(501, "Event Type Unsupported: " + type);
  }
  MC_RETURN_IF_ERROR(ValidateIdentity(event, type));
  if (type == "identify") return RequireField(event, type, EventFields::kTraits, "traits", true);
  if (type == "group") {
    MC_RETURN_IF_ERROR(RequireField(event, type, EventFields::kGroupId, "groupId", false));
    return RequireField(event, type, EventFields::kTraits, "traits", true);
  }
  MC_RETURN_IF_ERROR(RequireField(event, type, EventFields::kEvent, "event", false));
  const Type properties = event.type(EventFields::kProperties);
  if (properties != Type::discarded && properties != Type::object && properties != Type::null) {
    return SegmentError(400, "Invalid track event: 'properties' must be an object");
  }
  if (event.has_courier()) {
    if (event.has_list() && event.has_pattern()) {
      return SegmentError(
          400, "Only one of the following courier properties allowed: 'list', 'pattern'");
    }
    if (event.has_list() && !ws.lists.count(event.list())) {
      return SegmentError(400, "List " + event.list() + " not found");
    }
    if (event.has_pattern() && event.pattern().empty()) {
      return SegmentError(400,
                          "Invalid list pattern: 'properties.courier.pattern' must be a "
                          "non-empty string");
    }
  }
  return Status::Ok();
}

}  // namespace

bool IsEventTesterMessageId(const std::string& message_id) {
  return message_id.starts_with(kEventTesterPrefix);
}

namespace {

// The position the next journal entry gets: it only grows (evicted entries
// count), so a job can find its entry again after older ones were dropped.
std::uint64_t NextJournalPosition(const WorkspaceState& ws) {
  return ws.journal_evicted + ws.journal.size();
}

// The journal entry of accepted event `id` at `position`, or null when
// retention has dropped it (its effects still run, unrecorded).
JournalEntry* AcceptedEntryAt(WorkspaceState& ws, std::uint64_t position, std::string_view id) {
  if (position < ws.journal_evicted) return nullptr;
  const std::uint64_t index = position - ws.journal_evicted;
  if (index >= ws.journal.size() || ws.journal[index].id != id) return nullptr;
  return &ws.journal[index];
}

// Journals an accepted event as awaiting its processing job, then hands
// `process` (which fills the entry's effects; it is given the event's id) to
// ProcessAccepted: at once at
// latency 0, else at now + latency. The answer and the journal entry come
// first either way (docs/fidelity.md "Realistic timing").
template <typename Process>
void JournalAndProcess(WorkspaceState& ws, Services& svc, JournalEntry entry, Process&& process) {
  const std::uint64_t position = NextJournalPosition(ws);
  entry.awaiting_processing = true;
  // The id inline (an accepted id is 35 bytes): no allocation for the copy
  // a later job needs.
  IdText id = ws.AddToJournal(std::move(entry)).id;
  svc.version.fetch_add(1);
  ProcessAccepted(ws, svc,
                  [id = std::move(id), position, process = std::forward<Process>(process)](
                      WorkspaceState& w, Services& s) {
                    JournalEntry dropped;  // Stands in for an entry retention dropped.
                    JournalEntry* kept = AcceptedEntryAt(w, position, id);
                    JournalEntry& entry = kept != nullptr ? *kept : dropped;
                    process(w, s, entry, id);
                    entry.awaiting_processing = false;
                    entry.processed_at = s.clock.Now();
                    s.version.fetch_add(1);
                  });
}

// Keeps the runs TriggerAutomations started in the entry's effects; returns
// whether any started.
bool RecordRuns(JournalEntry& entry, std::vector<IdText> runs) {
  if (runs.empty()) return false;
  entry.effects.runs = std::move(runs);
  return true;
}

// The Studio event catalogue (https://www.courier.com/docs/external-integrations/cdp/segment/): one
// entry per event id, one sample per 24 h.
void RecordCatalogue(WorkspaceState& ws, std::string_view id, const Payload& event, TimePoint now) {
  auto found = ws.catalogue.find(id);
  if (found == ws.catalogue.end())
    found = ws.catalogue.emplace(std::string(id), CatalogueEntry{}).first;
  CatalogueEntry& entry = found->second;
  if (entry.count == 0) {
    entry.id = id;
    entry.first_seen = now;
  }
  if (entry.count == 0 || now - entry.last_seen >= kDay) entry.sample = event;
  entry.count++;
  entry.last_seen = now;
}

// Effects of an accepted track (https://www.courier.com/docs/external-integrations/cdp/segment/):
// event-map or list send, then automation triggers. Returns whether anything was mapped.
bool ApplyTrack(WorkspaceState& ws, Services& svc, const Payload& event, const EventFields& fields,
                std::string_view inbound_id, InboundSource source, JournalEntry& entry) {
  // Validated: a track's event is a string, its messageId a non-empty one.
  const std::string& name = fields.text(EventFields::kEvent);
  const std::string& message_id = fields.text(EventFields::kMessageId);
  const std::string& recipient = fields.recipient();
  const JoinedText event_id("Segment-TrackEvent:", name);
  bool mapped = false;
  if (fields.has_courier() && (fields.has_list() || fields.has_pattern())) {
    const std::string list = fields.has_list() ? fields.list() : "";
    const std::string pattern = fields.has_pattern() ? fields.pattern() : "";
    auto sent = SendMappedEventToList(ws, svc, event_id, list, pattern, event,
                                      SendOrigin{InboundSourceName(source), "", message_id});
    if (sent.ok()) {
      for (const auto& id : *sent) {
        entry.effects.messages.push_back(id);
        KeepFinalDataAsText(ws, id, event, entry.payload_text);
      }
      mapped = !sent->empty() || ws.event_maps.count(event_id.view()) > 0;
      if (sent->empty()) {
        entry.diagnostics.push_back("list send of '" + std::string(event_id.view()) +
                                    "' reached no subscriber");
      }
    } else {
      entry.diagnostics.push_back("list send failed: " + sent.status().message());
    }
  } else if (auto sent_id = SendMappedEvent(ws, svc, event_id, recipient, event,
                                            InboundSourceName(source), message_id)) {
    entry.effects.messages.push_back(*sent_id);
    KeepFinalDataAsText(ws, *sent_id, event, entry.payload_text);
    mapped = true;
  }
  auto runs =
      TriggerAutomations(ws, svc, JoinedText("track/", name), event, recipient, name, inbound_id);
  const bool started = RecordRuns(entry, std::move(runs));
  if (!mapped && !started) entry.unmapped_note = JournalEntry::UnmappedNote::kSegmentTrack;
  return mapped || started;
}

void ApplyIdentify(WorkspaceState& ws, Services& svc, const Payload& event,
                   const EventFields& fields, std::string_view inbound_id, JournalEntry& entry) {
  const std::string& user = fields.recipient();
  // Only traits reach the profile
  // (https://www.courier.com/docs/external-integrations/cdp/segment/); a top-level email is not
  // copied.
  if (fields.has(EventFields::kEmail) && !fields.has_traits_email()) {
    entry.diagnostics.push_back(
        "'email' at the top level of an identify is ignored; put it in traits (Courier's "
        "troubleshooting guide)");
  }
  if (const Json* tree = event.tree()) {
    MergeProfileData(ws, svc, user, (*tree)["traits"]);  // Validated: an object.
  } else {
    MergeProfileData(ws, svc, user, event.ValueAt("traits").value_or(Json::object()));
  }
  entry.effects.profile = user;
  RecordRuns(entry, TriggerAutomations(ws, svc, "identify", event, user, "identify", inbound_id));
}

void ApplyGroup(WorkspaceState& ws, Services& svc, const Payload& event, const EventFields& fields,
                std::string_view inbound_id, JournalEntry& entry) {
  // Courier records group calls and triggers automations; tenant membership is
  // UNCONFIRMED (https://www.courier.com/docs/external-integrations/cdp/segment/ "Group calls") and
  // not modelled.
  auto runs = TriggerAutomations(ws, svc, "group", event, fields.recipient(), "group", inbound_id);
  RecordRuns(entry, std::move(runs));
}

}  // namespace

Result<Reply> HandleSegmentInbound(WorkspaceState& ws, Services& svc, Payload event,
                                   std::string payload_text, InboundSource source) {
  TimePoint now = svc.clock.Now();
  const bool is_object = event.is_object();
  EventFields fields(event);  // All absent unless an object.
  // The dedupe record's slot loads while the entry is made.
  const std::string& message_id = fields.text(EventFields::kMessageId);
  if (!message_id.empty()) ws.segment_replies.Prefetch(message_id);
  JournalEntry entry;
  entry.source = source;
  entry.received_at = now;
  entry.payload_text = std::make_shared<const std::string>(std::move(payload_text));
  entry.type = fields.text(EventFields::kType);
  entry.event = fields.text(EventFields::kEvent);
  auto reject = [&](Status status) -> Result<Reply> {
    entry.outcome = InboundOutcome::kRejected;
    entry.http_status = status.http_status();
    entry.diagnostics.push_back(status.message());
    ws.AddToJournal(std::move(entry));
    svc.version.fetch_add(1);
    return status;
  };
  if (!is_object) {
    return reject(SegmentError(400, "Invalid Segment event: the body must be a JSON object"));
  }
  // Courier crashes on a missing messageId (500); Segment always sets one, so
  // the mock answers a clear 400 instead (docs/fidelity.md).
  if (message_id.empty()) {
    return reject(SegmentError(400,
                               "Invalid Segment event: 'messageId' is required (Segment sets "
                               "it on every event; Courier itself answers 500 without it)"));
  }
  bool event_tester = IsEventTesterMessageId(message_id);
  if (!event_tester) {
    if (std::optional<SegmentReply> stored = ws.segment_replies.Find(message_id, now)) {
      // Courier replays the stored response for a repeated messageId
      // (https://www.courier.com/docs/external-integrations/cdp/segment/).
      entry.outcome = InboundOutcome::kDuplicate;
      const SegmentReply& first = *stored;
      entry.http_status = first.status;
      entry.diagnostics.push_back("repeated messageId '" + message_id +
                                  "': the first response is replayed and nothing runs again");
      std::string first_text = first.text;
      if (first.status < 400) entry.id = first_text;
      ws.AddToJournal(std::move(entry));
      svc.version.fetch_add(1);
      if (first.status >= 400) return SegmentError(first.status, first_text);
      return Reply{first.status, OneKey("messageId", std::move(first_text))};
    }
  }
  Status valid = ValidateSegmentEvent(ws, fields);
  if (!valid.ok()) {
    // Rejections are stored under the messageId too
    // (https://www.courier.com/docs/external-integrations/cdp/segment/).
    if (!event_tester)
      RememberSegmentReply(ws, message_id, valid.http_status(), valid.message(), now);
    return reject(valid);
  }
  std::string id = ws.ids.Next(now);
  Reply reply{202, OneKey("messageId", id)};
  if (!event_tester) RememberSegmentReply(ws, message_id, 202, id, now);
  entry.id = std::move(id);  // The processing job is handed the entry's id.
  entry.http_status = 202;
  entry.outcome = InboundOutcome::kAccepted;
  if (event_tester) {
    entry.diagnostics.push_back("Segment Event Tester messageId: not deduplicated");
  }
  const std::string type = entry.type;
  if (type == "track") {
    RecordCatalogue(ws, JoinedText("track/", entry.event), event, now);
  } else {
    RecordCatalogue(ws, type, event, now);
  }
  if (type == "track" && fields.has(EventFields::kEmail) && !fields.has_property_email()) {
    entry.diagnostics.push_back(
        "'email' at the top level of a track is not used; event data is the event itself, so "
        "templates see it as data.email only through the whole-event data");
  }
  // Answered and journaled; the profile merge, sends and runs are its
  // processing job's (jobs.h).
  JournalAndProcess(
      ws, svc, std::move(entry),
      [event = std::move(event), fields = std::move(fields), type, source](
          WorkspaceState& w, Services& s, JournalEntry& processed, std::string_view id) {
        if (type == "track") {
          if (!ApplyTrack(w, s, event, fields, id, source, processed)) {
            processed.outcome = InboundOutcome::kUnmapped;
          }
        } else if (type == "identify") {
          ApplyIdentify(w, s, event, fields, id, processed);
        } else {
          ApplyGroup(w, s, event, fields, id, processed);
        }
      });
  return reply;
}

Result<Reply> HandleSegmentInboundText(WorkspaceState& ws, Services& svc, std::string text,
                                       InboundSource source) {
  if (std::optional<PackedJson> packed = PackedJson::PackText(text, ws.run_data_keys)) {
    return HandleSegmentInbound(ws, svc, Payload(std::move(*packed), ws.run_data_keys),
                                std::move(text), source);
  }
  // Not plain JSON text (IsPlainJsonText): ParseJson's answer, tree or error.
  Result<Json> parsed = ParseJson(text);
  if (!parsed.ok()) return SegmentError(400, parsed.status().message());
  return HandleSegmentInbound(ws, svc, Share(std::move(parsed).value()), std::move(text), source);
}

Result<Reply> HandleCourierInbound(WorkspaceState& ws, Services& svc, const Json& body) {
  // POST /inbound/courier (https://www.courier.com/docs/api-reference/inbound/courier-track-event):
  // {event, messageId, properties, type:"track", userId?}.
  if (!body.is_object()) return Status::BadRequest("No Body Provided");
  for (const char* key : {"event", "messageId", "type"}) {
    if (!body.contains(key)) return Status::BadRequest("'" + std::string(key) + "' is required");
    if (!body[key].is_string()) {
      return Status::BadRequest("'" + std::string(key) + "' must be a string");
    }
  }
  if (!body.contains("properties")) return Status::BadRequest("'properties' is required");
  if (!body["properties"].is_object()) {
    return Status::BadRequest("'properties' must be an object");
  }
  if (body["type"] != "track") return Status::BadRequest("'type' must be \"track\"");
  if (body.contains("userId") && !body["userId"].is_string() && !body["userId"].is_null()) {
    return Status::BadRequest("'userId' must be a string or null");
  }
  std::string message_id = body["messageId"].get<std::string>();
  TimePoint now = svc.clock.Now();
  JournalEntry entry;
  entry.source = InboundSource::kCourier;
  entry.type = "track";
  entry.event = body["event"].get<std::string>();
  entry.received_at = now;
  entry.payload_text = std::make_shared<const std::string>(JsonText(body));
  if (auto seen = ws.courier_inbound_ids.find(message_id); seen != ws.courier_inbound_ids.end()) {
    // A repeated messageId is a conflict here, unlike /inbound/segment
    // (https://www.courier.com/docs/api-reference/inbound/courier-track-event).
    entry.outcome = InboundOutcome::kDuplicate;
    entry.http_status = 409;
    entry.id = seen->second.first;
    entry.diagnostics.push_back("repeated messageId '" + message_id + "': 409 Conflict");
    ws.AddToJournal(std::move(entry));
    svc.version.fetch_add(1);
    return Status::Conflict("Message with id '" + message_id + "' already exists");
  }
  std::string id = ws.ids.Next(now);
  // Kept as long as an idempotency record (24 h,
  // https://www.courier.com/docs/reference/idempotent-requests), then forgotten.
  auto stored = ws.courier_inbound_ids.insert_or_assign(message_id, std::pair{id, now + kDay});
  ws.expiries.courier_inbound.emplace_back(now + kDay, &stored.first->first);
  entry.id = id;
  entry.http_status = 202;
  entry.outcome = InboundOutcome::kAccepted;
  const Payload shared_body(Share(body));  // The catalogue and the runs keep it.
  RecordCatalogue(ws, JoinedText("track/", entry.event), shared_body, now);
  // The body has a Segment track's shape; it triggers automations the same way
  // (UNCONFIRMED in https://www.courier.com/docs/api-reference/inbound/courier-track-event;
  // docs/fidelity.md), in its processing job (jobs.h).
  const std::string name = entry.event;
  // Validated: a string or null (no recipient).
  const std::string user = body.contains("userId") && body["userId"].is_string()
                               ? body["userId"].get<std::string>()
                               : "";
  JournalAndProcess(ws, svc, std::move(entry),
                    [shared_body, name, user](WorkspaceState& w, Services& s,
                                              JournalEntry& processed, std::string_view id) {
                      auto runs = TriggerAutomations(w, s, JoinedText("track/", name), shared_body,
                                                     user, name, id);
                      if (!RecordRuns(processed, std::move(runs))) {
                        processed.outcome = InboundOutcome::kUnmapped;
                        processed.unmapped_note = JournalEntry::UnmappedNote::kCourierTrack;
                      }
                    });
  return Reply{202, OneKey("messageId", id)};
}

Json EffectsJson(const JournalEntry::Effects& effects) {
  Json out = Json::object();
  if (!effects.messages.empty()) out["messages"] = effects.messages;
  if (effects.profile) out["profile"] = *effects.profile;
  if (!effects.runs.empty()) {
    Json& runs = out["runs"] = Json::array();
    for (const IdText& run : effects.runs) runs.push_back(run.str());
  }
  return out;
}

namespace {

// The entry's diagnostics, the unmapped note last (it is written when the
// event's processing ends, after any other).
Json JournalDiagnostics(const JournalEntry& e) {
  Json out = e.diagnostics;
  switch (e.unmapped_note) {
    case JournalEntry::UnmappedNote::kNone:
      break;
    case JournalEntry::UnmappedNote::kSegmentTrack:
      out.push_back("no event map 'Segment-TrackEvent:" + e.event +
                    "' and no automation triggered by 'track/" + e.event +
                    "': the event is unmapped");
      break;
    case JournalEntry::UnmappedNote::kCourierTrack:
      out.push_back("no automation triggered by 'track/" + e.event + "'");
      break;
  }
  return out;
}

}  // namespace

Json JournalEntryForAdmin(const JournalEntry& e) {
  return {{"id", e.id.empty() ? Json(nullptr) : Json(e.id)},
          {"source", InboundSourceName(e.source)},
          {"type", e.type},
          {"event", e.event.empty() ? Json(nullptr) : Json(e.event)},
          {"outcome", InboundOutcomeName(e.outcome)},
          {"status", e.http_status},
          {"received_at", FormatIso8601(e.received_at)},
          // null while the processing job is pending (jobs.h); the receipt
          // time for an entry with nothing to process.
          {"processed_at",
           e.awaiting_processing ? Json(nullptr) : Json(FormatIso8601(e.processed_or_received()))},
          {"diagnostics", JournalDiagnostics(e)},
          {"effects", EffectsJson(e.effects)},
          {"payload", Json::parse(e.payload(), nullptr, /*allow_exceptions=*/false)}};
}

Json JournalForAdmin(const WorkspaceState& ws) {
  Json results = Json::array();
  for (const JournalEntry& e : ws.journal) results.push_back(JournalEntryForAdmin(e));
  return {{"results", std::move(results)},
          {"catalogue", CatalogueForAdmin(ws)},
          {"evicted", ws.journal_evicted}};
}

Json CatalogueForAdmin(const WorkspaceState& ws) {
  Json catalogue = Json::array();
  for (const auto& [id, c] : ws.catalogue) {
    catalogue.push_back({{"id", id},
                         {"count", c.count},
                         {"first_seen", FormatIso8601(c.first_seen)},
                         {"last_seen", FormatIso8601(c.last_seen)},
                         {"sample", c.sample.ToJson()}});
  }
  return catalogue;
}

}  // namespace mock_courier
