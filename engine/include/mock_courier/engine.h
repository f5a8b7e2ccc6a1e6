// Engine: the reference semantics of Courier (and of the Segment pipeline in
// front of it), as one thread-safe object.
//
// The engine knows nothing of HTTP: each operation takes already-parsed JSON
// and returns a Reply (the success status Courier answers with, and the body)
// or a Status carrying Courier's exact error. The Courier API is one entry,
// Call(), over the route table of courier_api.h; the server finds the route,
// reads the request as the route says and calls it.
//
// Workspaces are addressed by API key (any key of the workspace). Every
// operation on a workspace that does not exist returns 401 Unauthorized, as
// Courier does for an unknown key.
//
// Time comes only from the Clock given at construction. Delays become timers;
// AdvanceClock() runs everything that falls due, in (due time, creation order),
// and returns once the engine has settled. RunDue() does the same for a clock
// that moves by itself.
//
// Thread-safety: every public member function may be called from any thread.
// Each workspace has its own lock; the clock advance is serialized.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_courier/clock.h"
#include "mock_courier/courier_api.h"
#include "mock_courier/inspection.h"
#include "mock_courier/retention.h"
#include "mock_courier/status.h"

namespace mock_courier {

using Json = nlohmann::json;

// A successful answer: the HTTP status Courier uses for it and the body
// (null body = no content, e.g. 204).
struct Reply {
  int status = 200;
  Json body;
};

// Fetches data for automation fetch-data steps. The default refuses every
// request (no network). Called with the workspace lock held: must not call
// back into the engine.
class DataFetcher {
 public:
  virtual ~DataFetcher() = default;
  // `webhook` is the step's {url, method, headers, params, body}. Returns the
  // JSON the URL answered with, or an error Status.
  virtual Result<Json> Fetch(const Json& webhook) = 0;
};

// How the fake Segment Tracking API relays events to a workspace. Segment
// delivers at least once and in no guaranteed order
// (https://segment.com/docs/connections/destinations/#retries-between-segment-and-destinations);
// the defaults relay every event once, at once, in order. Random choices come
// from a generator seeded by EngineOptions::seed and the workspace, so the
// same seed and inputs give the same deliveries.
struct SegmentDelivery {
  // Probability in [0, 1] that an event is delivered a second time, with the
  // same messageId, right after the first.
  double duplicate_rate = 0;
  // When > 0, each event is held for a random time in [0, window] ms of mock
  // time, so events received close together are delivered shuffled.
  Duration reorder_window = 0;
  // Probability in [0, 1] that one relay attempt fails: it is answered a
  // simulated 500, 408 or 429 without reaching the workspace, and retried.
  double failure_rate = 0;
  // How long after its first attempt a failed relay (simulated, or a 5xx,
  // 408 or 429 the workspace answered) is retried, with a seeded exponential
  // backoff on the mock clock; past it the event is dropped. 0: never retried.
  Duration retry_window = 4 * kHour;
  bool exact() const { return duplicate_rate <= 0 && reorder_window <= 0 && failure_rate <= 0; }
};

struct EngineOptions {
  // Seed of the id generator: same seed, clock and calls -> same ids.
  std::uint64_t seed = 0;
  // Not owned; when null, fetch-data steps fail with a clear error.
  DataFetcher* fetcher = nullptr;
  // When true (the default), outbound Segment calls are delivered at once to
  // the built-in fake Segment Tracking API. The server turns this off when it
  // delivers them itself (see TakeOutboundBatch).
  bool deliver_outbound_to_fake_segment = true;
  // What each workspace keeps of finished work (mock_courier/retention.h); a
  // workspace file's "retention" overrides it per kind.
  Retention retention{};
  // How long after acceptance a request's effects (a send's processing, an
  // inbound event's sends and runs, an invoked run's steps, a profile write's
  // audience matching) run, on the engine's clock (docs/server.md "Processing
  // latency"). 0 (the default): at once, after the request is journaled and
  // before it returns. A workspace file's "processing_latency" overrides it.
  Duration processing_latency = 0;
  // The fake Segment API's delivery to workspaces; a workspace file's
  // "segment": {"delivery": ...} overrides it.
  SegmentDelivery segment_delivery{};
};

// What one AdvanceClock/RunDue call did.
struct AdvanceResult {
  TimePoint now = 0;
  int fired = 0;  // Timers that ran (delays, scheduled deliveries, ...).
  // Processing jobs that ran (requests accepted under a processing latency:
  // sends, inbound events, invokes, profile writes); not counted in `fired`.
  int processed = 0;
};

// Where an outbound call (a Segment track back to Segment, a webhook) is in
// its delivery: waiting to be taken, delivered, failed and to be tried again,
// or failed for good. Views show DeliveryStateName.
enum class DeliveryState : std::uint8_t { kPending, kDelivered, kRetrying, kFailed };
// "pending", "delivered", "retrying", "failed".
const char* DeliveryStateName(DeliveryState state);

// An outbound Segment call waiting for delivery by the server's worker.
struct OutboundCall {
  std::string workspace_key;  // An API key of the workspace that produced it.
  std::string write_key;      // The workspace's Segment write key.
  std::string outbox_id;      // Stable id of the outbox entry (= the call's messageId).
  Json event;                 // The Segment track call.
};

// An outbound webhook call waiting for delivery by the server's worker.
struct WebhookCall {
  std::string workspace_key;  // An API key of the workspace that produced it.
  std::string webhook_id;     // Stable id of the webhook entry.
  std::string url;            // The destination.
  std::string body;           // The exact bytes to POST (the signature covers them).
  std::string signature;      // courier-signature header value; "" = unsigned.
};

class Engine {
 public:
  // `clock` is not owned and must outlive the engine.
  Engine(Clock& clock, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Clock& clock() { return clock_; }

  // ---- Workspaces -------------------------------------------------------
  // Creates or replaces the workspace described by `definition` (a workspace
  // file's JSON). A bad definition returns 400 naming the JSON path, and
  // nothing changes. `api_key`, when given, must be one of its keys (it is
  // added when the definition has none).
  Status PutWorkspace(const Json& definition, const std::string& api_key = "");
  // {"workspaces":[{"api_keys":[...], "name":..., "environment":...}]}
  Json ListWorkspaces() const;
  bool HasApiKey(const std::string& api_key) const;
  // Clears the state of one workspace (or all when `api_key` is empty): the
  // definitions are kept, profiles/lists return to the file's seed data.
  // With `seed`, the workspaces' random generators (ids, Segment delivery
  // simulation) start again from it instead of EngineOptions::seed: the same
  // ids and choices as an engine made with that seed. A later Reset without
  // one goes back to EngineOptions::seed.
  Status Reset(const std::string& api_key = "", std::optional<std::uint64_t> seed = std::nullopt);

  // ---- Courier API (https://www.courier.com/docs/reference/) ---------------------------
  // Runs one Courier API call: the domain function of `route` (an entry of
  // ApiRoutes(), courier_api.h) under the workspace of `key`, counted against
  // the route's rate limit when it has one. Returns the reply Courier gives
  // (status and body) or its error: 401 for an unknown key, 403 "Missing
  // Authentication Token" for a route that is not in the table.
  Result<Reply> Call(const std::string& key, const ApiRoute& route, ApiCall call);
  // The same for `method` and a literal `path` (FindApiRoute; its segments
  // are the path parameters, so an id holding '/' needs the call above).
  // `body` is ignored by routes that read none; `query` holds the query
  // parameters (arrays for repeated ones). For tests and tools:
  //   engine.Call(key, "GET", "/messages/" + id);
  //   engine.Call(key, "POST", "/profiles/ada", {{"profile", {{"email", "a@b.c"}}}});
  //   engine.Call(key, "GET", "/messages", {}, {{"status", "DELIVERED"}});
  Result<Reply> Call(const std::string& key, std::string_view method, std::string_view path,
                     Json body = Json::object(), Json query = Json::object());
  // Shorthands for the two calls made most, both through Call():
  // POST /inbound/segment with the raw Segment `event`; `event_text`, when
  // given, is the JSON text it was parsed from (the journal keeps it instead
  // of writing the event out again). Pass an rvalue event to avoid a copy.
  Result<Reply> SegmentInbound(const std::string& key, Json event, std::string event_text = {});
  // The same with the event as JSON text only, as a request body carries it:
  // plain JSON text (IsPlainJsonText) is packed as it is read, with no tree
  // (the quicker way in); other text is parsed, and a parse error answers
  // 400 with a message-only body, as /inbound/segment does.
  Result<Reply> SegmentInboundText(const std::string& key, std::string event_text);
  // POST /send: v2 when the body has `message`, else v1.
  Result<Reply> Send(const std::string& key, Json body);

  // ---- Idempotency (https://www.courier.com/docs/reference/idempotent-requests)
  // -------------------------------------------------- Looks up a stored response for
  // (`idempotency_key`, `scope`), where scope is the request path. Returns nullopt when the key is
  // new (and reserves it), else the stored reply (202 with an empty body while the first request
  // has not finished, as Courier does). `expires_at` extends the default 24 h retention (a
  // duplicate cannot change it).
  Result<std::optional<Reply>> BeginIdempotent(const std::string& key,
                                               const std::string& idempotency_key,
                                               const std::string& scope,
                                               std::optional<TimePoint> expires_at);
  // Stores the reply of a request begun with BeginIdempotent. Validation
  // failures are not stored (`store` false): the key is released.
  void FinishIdempotent(const std::string& key, const std::string& idempotency_key,
                        const std::string& scope, const Reply& reply, bool store);

  // ---- Fake Segment Tracking API
  // (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/) ----------
  // Records events received by the fake Segment API under `write_key`, and
  // relays them to every workspace whose `segment.source_write_keys` holds it,
  // following that workspace's destination rules (Actions or classic).
  // `events` are single events (batch items already merged with the batch's
  // context/integrations). Returns {"success":true}.
  Result<Reply> SegmentTrackingReceive(const std::string& write_key, const Json& events,
                                       const std::string& path);

  // ---- Admin (docs/server.md#the-admin-api) --------------------------------------
  // {"now": ISO-8601, "now_ms": epoch ms, "mode": "virtual"|"real"}
  Json ClockState() const;
  // Moves the clock forward by `by` and runs everything that falls due, in
  // order. REQUIRES: by >= 0.
  AdvanceResult AdvanceClock(Duration by);
  // Runs everything due at the clock's current time (for a real clock).
  AdvanceResult RunDue();
  // Runs every job and timer already due at the clock's time, in order, and
  // returns once nothing due remains (jobs a job schedules for now run too).
  // It does not move the clock: work due later (processing latency, delays)
  // stays pending; AdvanceClock reaches it. `fired` counts what ran.
  AdvanceResult Settle();
  // When the earliest pending timer is due, if any.
  std::optional<TimePoint> NextDue() const;
  // Inspection, each {"results":[...]} for one workspace.
  Result<Json> Journal(const std::string& key) const;
  Result<Json> Runs(const std::string& key) const;
  Result<Json> Messages(const std::string& key) const;
  Result<Json> Outbox(const std::string& key) const;
  // Outbound webhook calls with their delivery state.
  Result<Json> Webhooks(const std::string& key) const;
  Result<Json> Profiles(const std::string& key) const;
  // One page of each view above: the same keys, results[offset, offset +
  // limit) only, and "total", "offset", "limit". Renders only the page.
  Result<Json> Journal(const std::string& key, ViewPage page) const;
  Result<Json> Runs(const std::string& key, ViewPage page) const;
  Result<Json> Messages(const std::string& key, ViewPage page) const;
  Result<Json> Outbox(const std::string& key, ViewPage page) const;
  // The merged timeline of journal, runs, messages and outbound calls
  // (inspection.h); renders only the rows of the page.
  Result<TimelinePage> Timeline(const std::string& key, const TimelineQuery& query) const;
  // Counts by status of the four collections, without rendering them:
  // {"inbound": {outcome: n}, "runs": {status: n}, "messages": {status: n},
  //  "outbound": {state: n}, "totals": {...}}; an empty value is "(none)".
  Result<Json> InspectionCounts(const std::string& key) const;
  // One record of the timeline (`kind` a TimelineRow kind) as its view above
  // renders it, with its row. 404 "No <kind> with id '<id>'" when it is not
  // kept (or never was); 400 for an unknown kind.
  Result<InspectedRecord> InspectRecord(const std::string& key, const std::string& kind,
                                        const std::string& id) const;
  // What the fake Segment Tracking API received; all write keys when empty.
  Json SegmentReceived(const std::string& write_key = "") const;
  // Simulates the recipient: event is "opened", "clicked", "delivered",
  // "undeliverable". The message is found in any workspace.
  Result<Reply> Engage(const std::string& message_id, const Json& body);
  // A monotonically increasing counter, bumped by every state change; lets
  // waiters know when to look again.
  std::uint64_t Version() const;

  // ---- Outbound Segment delivery (server side) ---------------------------
  // Takes up to `max` outbox calls waiting for delivery (only when
  // deliver_outbound_to_fake_segment is false).
  std::vector<OutboundCall> TakeOutboundBatch(std::size_t max);
  // Records the outcome of a delivery attempt of an outbox entry (delivered,
  // retrying or failed), with the attempt count and last error.
  void MarkOutbound(const std::string& workspace_key, const std::string& outbox_id,
                    DeliveryState state, int attempts, const std::string& error);

  // ---- Outbound webhooks (server side) -----------------------------------
  // Takes up to `max` webhook calls waiting for delivery (a workspace's
  // `webhooks` destinations; calls stay "pending" until a server takes them).
  std::vector<WebhookCall> TakeWebhookBatch(std::size_t max);
  // Records the outcome of a delivery attempt (delivered, retrying or
  // failed), with the attempt count and last error.
  void MarkWebhook(const std::string& workspace_key, const std::string& webhook_id,
                   DeliveryState state, int attempts, const std::string& error);

 private:
  struct Impl;
  Clock& clock_;
  std::unique_ptr<Impl> impl_;
};

// Hands freed heap pages back to the OS: jemalloc's purge of every arena when
// the process runs on jemalloc (the mock-courier binary links it), and
// glibc's malloc_trim. Both allocators keep freed memory for reuse; after a
// reset of a workspace that held a load test's records, the process would
// otherwise stay at its peak RSS. Engine::Reset calls it; the server again
// once it has replaced its idle workers.
void ReleaseFreedMemory();

}  // namespace mock_courier
