// WorkspaceState: everything one Courier workspace holds, and the services the
// engine's modules share. Internal to the engine.
//
// Ownership and locking: the Engine owns one WorkspaceState per workspace and
// holds its `mutex` while any module runs on it. Modules are free functions
// taking (WorkspaceState&, Services&); they never lock anything but the leaf
// locks inside Services (scheduler, fake Segment store).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "accessors.h"
#include "call_text.h"
#include "fake_segment.h"
#include "id_text.h"
#include "json_util.h"
#include "mock_courier/clock.h"
#include "mock_courier/engine.h"
#include "mock_courier/ids.h"
#include "packed_json.h"
#include "record_store.h"
#include "scheduler.h"
#include "segment_reply_store.h"
#include "shared_text.h"
#include "string_index.h"
#include "workspace_definition.h"

namespace mock_courier {

// Shared engine services. All members are thread-safe or immutable.
struct Services {
  Clock& clock;
  Scheduler& scheduler;
  FakeSegment& fake_segment;
  const EngineOptions& options;
  std::atomic<std::uint64_t>& version;
};

// ---- Messages ------------------------------------------------------------

// One item of a message's history (GET /messages/{id}/history,
// https://www.courier.com/docs/reference/messages/get), kept compact: the common fields as members,
// anything else in `extra`. HistoryItemJson (messaging_internal.h) renders it.
struct HistoryItem {
  // ENQUEUED, MAPPED, PROFILE_LOADED, RENDERED, SENT, ...: a string literal
  // (every item type is one), so that an item costs no string of its own.
  std::string_view type;
  TimePoint ts = 0;
  bool has_channel = false;      // "channel": {"id": channel}
  bool has_integration = false;  // "integration": {"id": provider, "provider": provider}
  // The item's usual fields come from the message, not `extra`: MAPPED and
  // UNMAPPED get "event_id" (and MAPPED "notification_id") from the plan, a
  // DELIVERED item the provider "reference" of its channel.
  bool from_message = false;
  std::string channel;
  std::string provider;
  Json extra;  // Further fields (an object), or null.
};

// A stored profile, shared with the messages that loaded it (a message keeps
// the profile as it was when it was processed): copied only when it is
// written while a message holds it, not for every message. The workspace
// lock guards it, as everything here.
class StoredProfile {
 public:
  StoredProfile() : value_(std::make_shared<Json>()) {}
  StoredProfile(Json value)  // NOLINT(google-explicit-constructor): a profile is a value.
      : value_(std::make_shared<Json>(std::move(value))) {}
  const Json& get() const { return *value_; }
  // For writing: a copy of its own first when a message shares it.
  Json& Mutable() {
    if (value_.use_count() > 1) value_ = std::make_shared<Json>(*value_);
    return *value_;
  }
  // The profile as it is now, shared (later writes do not change it).
  SharedJson Snapshot() const { return value_; }

 private:
  std::shared_ptr<Json> value_;
};

// Where a send came from, for the message record and diagnostics.
struct SendOrigin {
  std::string source;           // "api", "automation", "segment"
  std::string run_id;           // Automation run, if any.
  std::string idempotency_key;  // Segment messageId for event-map sends.
};

// The mock's send plan of a message: everything needed to process it later
// (after a delay). Typed rather than a JSON object: every message has one.
// Views show it as the ENQUEUED history item's "request" (PlanJson in
// messaging_internal.h).
struct SendPlan {
  bool v2 = false;
  std::string event;  // The event or template id sent (v2: metadata.event wins).
  bool mapped = false;
  std::string notification;  // The notification it resolved to ("" for none or inline content).
  Json content;              // v2 inline content, or null.
  Json routing;              // v2 routing, or null.
  Json to;  // v2: the recipient object; v1: null (shown as {"user_id": recipient}).
  std::string recipient;
  Json brand;  // null when absent.
  // "override": v1 `override`, v2 `providers`; null when absent. Shared: an
  // automation's send step has {} (the shared empty object).
  SharedJson override_providers;
  Json preferences;  // null when absent.
  Json metadata;     // v2 metadata; v1: null (shown as {}).
  Json context;      // v2 context; v1: null (shown as {}).
  std::string list_id;
  std::string list_pattern;
  std::string audience_id;
  SendOrigin origin;
  std::optional<TimePoint> deliver_at;
  // The send's data: for a Segment-mapped send, the inbound event itself
  // (shared, not copied); for an automation's send, the run's data (packed
  // when the run waited).
  Payload data;
  // The profile the request brought (v1 `profile`, v2 `to` fields).
  SharedJson received_profile = SharedEmptyObject();

  // The user the message goes to ("" when only an address was given).
  std::string UserId() const {
    if (!v2) return recipient;
    return to.is_object() ? to.value("user_id", "") : "";
  }
};

// A message's status (GET /messages/{id}, https://www.courier.com/docs/reference/messages/get).
enum class MessageStatus : std::uint8_t {
  kEnqueued,
  kSent,
  kDelivered,
  kOpened,
  kClicked,
  kUndeliverable,
  kUnroutable,
  kUnmapped,
  kCanceled,
};
// "ENQUEUED", "SENT", ... as Courier writes them.
const char* MessageStatusName(MessageStatus status);
// The status named `name`, or nullopt.
std::optional<MessageStatus> ParseMessageStatus(std::string_view name);

class MessageCallIdentity;  // messaging_internal.h

// One entry of a message record's `providers` (a channel tried), typed.
// ProvidersJson (messaging_internal.h) renders it with the message's id and
// notification: {"channel": {"key", "name", "template"}, "provider", "status",
// and once set "sent", "delivered", "opened", "clicked", "error",
// "reference": {"id": "<message id>/<channel>"}}.
struct ProviderAttempt {
  std::string channel;
  std::string provider;
  MessageStatus status = MessageStatus::kSent;
  std::optional<std::string> error;
  std::optional<TimePoint> sent;
  std::optional<TimePoint> delivered;
  std::optional<TimePoint> opened;
  std::optional<TimePoint> clicked;
  bool referenced = false;  // Delivered: the provider's reference is set.
};

// The fields of the GET /messages/{id} record
// (https://www.courier.com/docs/reference/messages/get), typed; MessageRecordJson
// (messaging_internal.h) renders them with the message id. Timestamps are
// epoch ms and appear in the record once set. All but the providers, which a
// snapshot of the record (an outbound call's) copies apart: see MessageRecord.
struct MessageRecordFields {
  MessageStatus status = MessageStatus::kEnqueued;
  TimePoint enqueued = 0;
  std::optional<TimePoint> sent;
  std::optional<TimePoint> delivered;
  std::optional<TimePoint> opened;
  std::optional<TimePoint> clicked;
  std::optional<TimePoint> canceled_at;  // "canceledAt"
  // The record's recipient, event and notification are the send plan's
  // (Message::plan: recipient, event, notification, "" = absent).
  std::optional<std::string> reason;
  std::optional<std::string> error;
};

struct MessageRecord : MessageRecordFields {
  std::vector<ProviderAttempt> providers;  // One entry per channel tried.
};

struct Message {
  Message() = default;
  explicit Message(SendPlan&& send_plan) : plan(std::move(send_plan)) {}

  IdText id;
  // Its sequence number in ws.messages (RecordStore::Seq), set as it is
  // added: its timers and its finishing find it by this, not by a lookup of
  // its id in the index of every message (as AutomationRun::seq).
  std::uint64_t seq = 0;
  MessageRecord record;
  // GET /messages/{id}/history items, oldest first, as stored: the parts a
  // message would otherwise repeat (send data, profiles) are held once below
  // and put back by HistoryItemJson (messaging_internal.h), which renders a
  // RENDERED item's output when asked (RenderedJson).
  std::vector<HistoryItem> history;
  SendPlan plan;  // Holds the send data and received profile.
  // The stored profile when the message was processed (PROFILE_LOADED); the
  // merged profile is derived from it and received_profile.
  SharedJson stored_profile = SharedEmptyObject();
  std::string channel;   // Channel chosen by routing ("" before routing).
  std::string provider;  // Simulated provider key.
  // The request it belongs to: RequestId(); "" when the message is its own
  // request (a v1 send, an automation's), which is most messages.
  std::string request_id;
  std::string_view RequestId() const { return request_id.empty() ? id.view() : request_id; }
  TimerId pending_timer;  // Delayed send / delivery step, if any.
  bool canceled = false;
  // PUT /requests/{request_id}/archive: left out of GET /messages unless the
  // query asks for archived messages.
  bool archived = false;
  // What the mock noticed about this message that Courier would not show
  // (e.g. "accepted here; Courier may reject"); admin views only.
  std::vector<std::string> diagnostics;
  // Its id, event, notification and recipient as its outbound Segment calls
  // keep them (messaging_internal.h), shared by those calls; made by the first.
  std::shared_ptr<const MessageCallIdentity> call_identity;
};

// Messages in creation order; final ones are evictable (MarkFinished).
using MessageStore = RecordStore<Message>;

// ---- Automation runs -------------------------------------------------------

// A run's status, as Courier reports it (GET /automations/runs/{id}). The
// names in workspace_state.cc follow the enumerators' order.
enum class RunStatus : std::uint8_t { kProcessing, kWaiting, kProcessed, kCanceled, kError };
// "PROCESSING", "WAITING", "PROCESSED", "CANCELED", "ERROR".
const char* RunStatusName(RunStatus status);
// A step's status in a run.
enum class StepStatus : std::uint8_t { kNotProcessed, kProcessed, kWaiting, kSkipped, kError };
// "NOT PROCESSED", "PROCESSED", "WAITING", "SKIPPED", "ERROR".
const char* StepStatusName(StepStatus status);

// 48 bytes: a waiting run holds one per step.
struct StepState {
  Json definition;  // The step as invoked (after context defaults); null for a template's.
  // What the step gave: its output (e.g. {"messageId"}) once processed, or,
  // when it is in ERROR, its error message (a string, or null). A step has
  // one or the other, so they share a member; read them by result() and error().
  // Two common outputs are held typed and written by result() when read, not
  // per fired run (form).
  Json outcome;
  TimePoint processed_at_ms = 0;
  StepStatus status = StepStatus::kNotProcessed;
  bool processed = false;
  enum class Form : std::uint8_t {
    kJson,  // `outcome` is the output.
    // `outcome` is the due time (epoch ms) of a delay that waited and was
    // processed at processed_at_ms: {expectedDelayValue, actualDelayValue},
    // the two values Courier records (triggers/sqs/step/delay.ts).
    kDelayValues,
    kMessageId,  // `outcome` is the id a send step created: {"messageId": id}.
  };
  Form form = Form::kJson;

  // The step's output (null in ERROR): a copy, since a typed one is written
  // when it is read.
  Json result() const;
  const Json& error() const { return status == StepStatus::kError ? outcome : NullJson(); }
  // Puts the step in ERROR with `message` ("" = none) at `at`.
  void Fail(std::string message, TimePoint at) {
    status = StepStatus::kError;
    set_outcome(message.empty() ? Json() : Json(std::move(message)));
    set_processed_at(at);
  }
  void set_outcome(Json value, Form value_form = Form::kJson) {
    outcome = std::move(value);
    form = value_form;
  }
  // PROCESSED: the delay that was due at `due` ended at `at`.
  void FinishDelay(TimePoint due, TimePoint at) {
    status = StepStatus::kProcessed;
    set_outcome(due, Form::kDelayValues);
    set_processed_at(at);
  }
  void set_processed_at(TimePoint at) {
    processed_at_ms = at;
    processed = true;
  }
};

struct AutomationRun {
  IdText id;
  // Its sequence number in ws.runs (RecordStore::Seq), set as it is added:
  // finishing a run and indexing its timer and token find it by this, not by
  // a lookup of its id in an index of every run (a cache miss or two each,
  // over a million waiting runs).
  std::uint64_t seq = 0;
  // The automation template: its id in the workspace definition (which never
  // changes while the workspace's runs exist), "" for ad hoc runs.
  std::string_view template_id;
  // What started a run an event triggered (Source(): "<trigger>/<inbound
  // id>", "track/<event>/<id>"): the automation's trigger that matched, a
  // view of the definition's string, and the inbound event's Courier id,
  // packed. Both empty for an invoked run, whose source is derived.
  std::string_view trigger;
  PackedReplyId inbound;
  std::string cancelation_token;  // Resolved; "" when none.
  RunContext context;             // {brand, data, profile, recipient, template}
  std::vector<StepState> steps;
  TimerId pending_timer;
  TimePoint created_at = 0;
  TimePoint updated_at = 0;
  // What most runs never have, held apart in one block made when the first
  // is set (a waiting run costs 16 bytes less than with three pointers).
  struct Extras {
    // Any other source (an invoke by alias, an inbound id of another form).
    std::string other_source;
    bool has_other_source = false;
    // Step outputs by `ref` name: {} until a step with a `ref` runs.
    Json step_refs;
    // What the mock noticed about the run that Courier would not show
    // (admin views only).
    std::vector<std::string> notes;
  };
  std::unique_ptr<Extras> extras;
  // Last, so that what follows the run in its store (RecordStore::Slot's
  // flag) can use the padding after them.
  std::uint32_t next_step = 0;
  RunStatus status = RunStatus::kProcessing;

  Extras& mutable_extras() {
    if (!extras) extras = std::make_unique<Extras>();
    return *extras;
  }
  void AddDiagnostic(std::string diagnostic) {
    mutable_extras().notes.push_back(std::move(diagnostic));
  }
  const std::vector<std::string>& diagnostics() const {
    static const std::vector<std::string> kNone;
    return extras ? extras->notes : kNone;
  }

  const Json& refs() const {
    static const Json kEmpty = Json::object();
    return extras && extras->step_refs.is_object() ? extras->step_refs : kEmpty;
  }
  Json& mutable_refs() {
    Json& refs = mutable_extras().step_refs;
    if (!refs.is_object()) refs = Json::object();
    return refs;
  }
  void set_other_source(std::string source) {
    Extras& more = mutable_extras();
    more.other_source = std::move(source);
    more.has_other_source = true;
  }

  // "invoke" (ad hoc), "invoke/<template>", "<trigger>/<inbound id>" or
  // the other source.
  std::string Source() const {
    if (extras && extras->has_other_source) return extras->other_source;
    if (!trigger.empty()) return std::string(trigger) + "/" + inbound.Text();
    return template_id.empty() ? std::string("invoke") : "invoke/" + std::string(template_id);
  }
  // The Courier id of the inbound event that started the run, or "".
  std::string InboundId() const { return trigger.empty() ? std::string() : inbound.Text(); }
};

// The sequence numbers of the runs that share a cancelation token, oldest
// first. Most tokens (an order id, a user id) name one waiting run: that one
// is held inline, and only a second spills the list to the heap, so indexing
// a run costs no allocation of its own (and finishing it no cold free). 16
// bytes, so that the index's node stays in an 80-byte chunk; a spilled list
// is one array, as a std::vector's, with its size inline and its capacity
// the size rounded up to a power of two (or more, after removals).
class RunSeqs {
 public:
  using Seq = std::uint64_t;

  RunSeqs() = default;
  RunSeqs(RunSeqs&& other) noexcept
      : one_or_size_(std::exchange(other.one_or_size_, kNone)), many_(std::move(other.many_)) {}
  RunSeqs& operator=(RunSeqs&& other) noexcept {
    one_or_size_ = std::exchange(other.one_or_size_, kNone);
    many_ = std::move(other.many_);
    return *this;
  }

  bool empty() const { return size() == 0; }
  std::size_t size() const { return many_ ? one_or_size_ : (one_or_size_ == kNone ? 0 : 1); }
  const Seq* begin() const { return many_ ? many_.get() : &one_or_size_; }
  const Seq* end() const { return begin() + size(); }
  Seq back() const { return many_ ? many_[one_or_size_ - 1] : one_or_size_; }

  void push_back(Seq seq) {
    if (!many_ && one_or_size_ == kNone) {
      one_or_size_ = seq;
      return;
    }
    const std::size_t size = this->size();
    if (!many_ || std::has_single_bit(size)) {  // Full (a power of two): double it.
      auto grown = std::make_unique_for_overwrite<Seq[]>(std::max<std::size_t>(2, 2 * size));
      std::copy(begin(), end(), grown.get());
      many_ = std::move(grown);
    }
    many_[size] = seq;
    one_or_size_ = size + 1;
  }
  void pop_back() {
    if (!many_) {
      one_or_size_ = kNone;
      return;
    }
    --one_or_size_;
    Unspill();
  }
  // Removes every sequence number `drop` accepts, keeping the others' order.
  template <typename Drop>
  void erase_if(Drop&& drop) {
    if (!many_) {
      if (one_or_size_ != kNone && drop(one_or_size_)) one_or_size_ = kNone;
      return;
    }
    one_or_size_ = static_cast<Seq>(std::remove_if(many_.get(), many_.get() + one_or_size_, drop) -
                                    many_.get());
    Unspill();
  }

 private:
  static constexpr Seq kNone = ~Seq{0};  // No run (a sequence never reaches it).

  // Back inline once a spilled list is down to one (or none).
  void Unspill() {
    if (one_or_size_ > 1) return;
    one_or_size_ = one_or_size_ == 0 ? kNone : many_[0];
    many_.reset();
  }

  // Not spilled: the one run (kNone for none). Spilled: how many there are.
  Seq one_or_size_ = kNone;
  std::unique_ptr<Seq[]> many_;  // The runs once there are two or more.
};

// Runs in creation order; finished ones are evictable (MarkFinished).
struct RunStore : RecordStore<AutomationRun> {
  // Resolved cancelation token -> the runs' sequence numbers, oldest first
  // (https://www.courier.com/docs/platform/automations/cancel): 8 bytes a
  // run, not a copy of its id.
  StringMap<RunSeqs> by_token;
};

// ---- Inbound journal, catalogue -----------------------------------------

// Where an inbound journal entry came from, and what became of it (the admin
// views' "source" and "outcome"; the names in workspace_state.cc follow the
// enumerators' order).
enum class InboundSource : std::uint8_t { kSegment, kSegmentRelay, kCourier };
enum class InboundOutcome : std::uint8_t {
  kNone,  // Not set: shown as "".
  kAccepted,
  kDuplicate,
  kRejected,
  kUnmapped,
  kDropped,  // A relayed event the fake Segment API gave up on.
  kFailed,
};
// "segment", "segment-relay", "courier".
const char* InboundSourceName(InboundSource source);
// "", "accepted", "duplicate", "rejected", "unmapped", "dropped", "failed".
const char* InboundOutcomeName(InboundOutcome outcome);

// At most 256 bytes, so that the journal's deque holds two per block (one
// allocation per two entries).
struct JournalEntry {
  std::string id;     // Courier id answered (or "" when rejected).
  std::string type;   // track / identify / group / page ...
  std::string event;  // Track event name.
  int http_status = 0;
  InboundSource source = InboundSource::kSegment;
  InboundOutcome outcome = InboundOutcome::kNone;
  // An accepted event's effects run in its processing job (jobs.h): until
  // then `awaiting_processing` is set and `effects` is empty; `processed_at`
  // is when the job ran. Entries with nothing to process (rejected,
  // duplicate, failed relays) have neither.
  bool awaiting_processing = false;
  // The diagnostic of an event that mapped to nothing, which views write
  // last from `event` (JournalDiagnostics): most events of a load test are
  // unmapped, and the text was two allocations and ~150 bytes held each.
  enum class UnmappedNote : std::uint8_t { kNone, kSegmentTrack, kCourierTrack };
  UnmappedNote unmapped_note = UnmappedNote::kNone;
  TimePoint received_at = 0;
  // The request body as JSON text: the journal keeps up to the workspace's
  // Retention::journal of them, and text is a few hundred
  // bytes in one allocation where the parsed tree takes several KB. Shared
  // with the final messages the request sent (KeepFinalDataAsText); null
  // for an entry that stands in for one retention dropped.
  std::shared_ptr<const std::string> payload_text;
  const std::string& payload() const {
    static const std::string kNone;
    return payload_text ? *payload_text : kNone;
  }
  std::vector<std::string> diagnostics;
  // What the event caused, typed; shown as {"messages":[...], "profile":...,
  // "runs":[...]}, each key only when there is something (EffectsJson).
  struct Effects {
    std::vector<std::string> messages;   // Sends, in order.
    std::vector<IdText> runs;            // Automation runs started, in template order.
    std::optional<std::string> profile;  // The profile an identify wrote.
  };
  Effects effects;
  // When the processing job ran (see awaiting_processing), else kNotYet (an
  // optional took 16 bytes).
  static constexpr TimePoint kNotYet = std::numeric_limits<TimePoint>::min();
  TimePoint processed_at = kNotYet;
  // processed_at once processed, else received_at.
  TimePoint processed_or_received() const {
    return processed_at == kNotYet ? received_at : processed_at;
  }

  // What the journal's byte bound (kJournalBytes) counts of this entry.
  std::size_t text_bytes() const { return payload().size() + event.size(); }
  // text_bytes() when journaled (WorkspaceState::AddToJournal), which eviction
  // subtracts without reading the payload's string, long out of the cache.
  std::size_t counted_bytes = 0;
};
static_assert(sizeof(JournalEntry) <= 256,
              "a JournalEntry past 256 bytes takes a deque block of its own");

struct CatalogueEntry {
  std::string id;  // track/<event>, identify, group
  std::uint64_t count = 0;
  TimePoint first_seen = 0;
  TimePoint last_seen = 0;
  Payload sample;  // The empty object until an event is kept.
};

// ---- Outbound to Segment ---------------------------------------------------

struct OutboxEntry {
  // The Segment track call, as JSON text or typed (a message's status
  // change); immutable, shared with the fake Segment API's record.
  CallText event;
  // Stable: the call's Segment messageId, viewed in `event` (which holds it
  // anyway; a string of its own was two allocations per message).
  std::string_view id;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  std::string last_error;
  TimePoint created_at = 0;
  bool taken = false;  // Handed to the server's delivery worker.
};

// ---- Outbound webhooks --------------------------------------------------------

// One webhook call: an event for one destination, signed when it has a secret
// (webhooks.cc). Delivered by the server's outbound worker.
struct WebhookEntry {
  std::string id;
  std::string url;
  std::string type;                         // "message:updated", "audiences:user:matched", ...
  std::shared_ptr<const std::string> body;  // {"type","data"} as sent, byte for byte.
  std::string signature;                    // courier-signature header value; "" = unsigned.
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  std::string last_error;
  TimePoint created_at = 0;
  bool taken = false;  // Handed to the server's delivery worker.
};

// ---- Idempotency -------------------------------------------------------------

struct IdempotentRecord {
  std::optional<Reply> reply;  // Empty while the first request is running.
  TimePoint expires_at = 0;
};

// Stores the reply replayed for a repeated Segment messageId for 24 h.
void RememberSegmentReply(WorkspaceState& ws, const std::string& message_id, int status,
                          std::string text, TimePoint now);

// When dedupe and idempotency records expire (Segment replies expire in
// their own store). /inbound/courier ids all live 24 h, so their expiry
// order is their insertion order: a FIFO of (expiry, key), the key a pointer
// into the map's node (stable until that node is erased, which only the
// sweep and a reset do). Idempotency-Key expirations vary: ordered by time.
struct ExpiryQueue {
  using Fifo = std::deque<std::pair<TimePoint, const std::string*>>;
  Fifo courier_inbound;
  std::multimap<TimePoint, std::string> idempotency;
};

// ---- The workspace ------------------------------------------------------------

// What EnforceRetention dropped, still allocated: the caller destroys it after
// releasing the workspace lock, so that other requests do not wait while a
// message's tree is freed.
struct Evicted {
  std::vector<MessageStore::Node> messages;
  std::vector<RunStore::Node> runs;
  std::vector<RecordStore<OutboxEntry>::Node> outbox;
  std::vector<JournalEntry> journal;

  // Frees what it holds and keeps its capacity, for a holder that evicts
  // again and again (the clock's timer loop, each request thread): no vector
  // is allocated anew each time.
  void Free() {
    messages.clear();
    runs.clear();
    outbox.clear();
    journal.clear();
  }
};

struct WorkspaceState {
  WorkspaceState(WorkspaceDefinition def, const Retention& engine_retention);

  // Restores the state the definition describes (profiles, lists, event maps,
  // audiences) and clears everything else. Ids restart from the seed.
  void ResetState(std::uint64_t seed);

  // Stores an idempotency record under `key` and queues its expiry.
  void RememberIdempotent(const std::string& key, IdempotentRecord record);

  // Drops finished work beyond `retention` and expired dedupe records. Call
  // only between operations: it may drop records that references point at.
  // With `evicted`, what is dropped is moved there instead of freed here.
  void EnforceRetention(TimePoint now, Evicted* evicted = nullptr);

  std::string id;  // The first API key: stable name for logs and outbound views.
  // Unique among the workspaces of the process: what timers name their workspace by.
  const std::uint64_t serial;
  WorkspaceDefinition def;
  // Held by every operation on the workspace (API calls, timers, the Segment
  // relay). A plain mutex: with operations of about 10 us, a combining lock's
  // batches (one thread ran up to 33 queued operations, then woke their 32
  // owners at once) made the HTTP p99 worse, 10.5 against 6.7 ms under the
  // realistic mix (bench/README, "Engine v2, twelfth steps").
  std::mutex mutex;
  IdGenerator ids;

  // Profiles and preferences, by user id. Profiles are hashed: every send
  // looks its recipient up, and with 10k profiles an ordered map's lookup was
  // a fifteenth of a fired run. The profiles view sorts by user id.
  StringMap<StoredProfile> profiles;
  std::map<std::string, Json> preferences;  // user -> {topic_id: {status, ...}}
  // Lists: id -> {id, name, created, updated}; subscriptions list -> users (ordered).
  std::map<std::string, Json> lists;
  std::map<std::string, std::map<std::string, Json>>
      subscriptions;  // list -> user -> {preferences}
  // Event maps: event id -> notification id (Events API and workspace file).
  std::map<std::string, std::string, std::less<>> event_maps;
  // Audiences: id -> definition; members: id -> user ids currently matched.
  std::map<std::string, Json> audiences;
  std::map<std::string, std::set<std::string>> audience_members;

  // What this workspace keeps of finished work (engine options + file overrides).
  Retention retention;

  MessageStore messages;
  // The keys of the runs' packed data (RunContext::Compact); declared before
  // `runs`, which read it, so that it outlives them.
  JsonKeyTable run_data_keys;
  // Names many runs hold as a root (a triggered run's template: its event
  // name), one shared value each; at most kSharedNames, then unshared.
  static constexpr std::size_t kSharedNames = 1024;
  std::unordered_map<std::string, SharedJson> shared_names;
  SharedJson SharedName(const std::string& name);
  RunStore runs;
  std::deque<JournalEntry> journal;
  std::size_t journal_bytes = 0;  // Payload and event text the journal holds.
  // Appends `entry` to the journal, counting its text in journal_bytes (the
  // journal is trimmed to its retention after the operation).
  JournalEntry& AddToJournal(JournalEntry entry);
  std::uint64_t journal_evicted = 0;
  std::map<std::string, CatalogueEntry, std::less<>> catalogue;
  RecordStore<OutboxEntry> outbox;           // Delivered calls are evictable.
  std::deque<std::string> outbox_pending;    // Ids not yet handed to the delivery worker.
  RecordStore<WebhookEntry> webhooks;        // Delivered calls are evictable.
  std::deque<std::string> webhooks_pending;  // Ids not yet handed to the delivery worker.
  // Segment messageId -> stored /inbound/segment reply
  // (https://www.courier.com/docs/external-integrations/cdp/segment/).
  SegmentReplyStore segment_replies;
  // /inbound/courier messageId -> Courier id, with its expiry
  // (https://www.courier.com/docs/api-reference/inbound/courier-track-event: 409 on repeat).
  std::unordered_map<std::string, std::pair<std::string, TimePoint>> courier_inbound_ids;
  ExpiryQueue expiries;
  // Idempotency-Key records by "<key>/<scope>"
  // (https://www.courier.com/docs/reference/idempotent-requests).
  std::unordered_map<std::string, IdempotentRecord> idempotency;
  // ValidateSteps results of triggered automations by "<automation id>\n<ValidationKey>"
  // (the definition never changes for a WorkspaceState). Bounded; cleared when full.
  std::unordered_map<std::string, Status, TransparentStringHash, std::equal_to<>>
      trigger_validation;
  // Opt-in rate limits (jobs.h): the mock times of the requests counted in
  // the last minute, per RateLimited family.
  std::array<std::deque<TimePoint>, 2> rate_limit_hits;
  // Segment delivery semantics (segment_relay.h): the seeded generator of
  // duplicates and holds, and the receipt sequence of relayed events.
  std::uint64_t relay_random = 0;
  std::uint64_t relay_received = 0;
  std::uint64_t relay_latest_delivered = 0;  // Highest receipt number delivered so far.
  // Set while the workspace processes accepted work (jobs.h ProcessingScope):
  // what starts meanwhile is processed at once, not after another latency.
  bool processing_accepted_work = false;
};

}  // namespace mock_courier
