#include "mock_courier/engine.h"

#include <algorithm>
#include <cstddef>
#include <functional>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "api_routes.h"
#include "automations.h"
#include "fake_segment.h"
#include "inspection_views.h"
#include "jobs.h"
#include "json_util.h"
#include "messaging.h"
#include "mock_courier/json_parse.h"
#include "mock_courier/time_format.h"
#include "profiles.h"
#include "scheduler.h"
#include "segment_inbound.h"
#include "segment_relay.h"
#include "timers.h"
#include "workspace_state.h"

// jemalloc's control interface, when jemalloc is in the process (linked into
// the mock-courier binary or preloaded); null otherwise.
extern "C" int mallctl(const char* name, void* old_value, std::size_t* old_length, void* new_value,
                       std::size_t new_length) __attribute__((weak));

namespace mock_courier {

void ReleaseFreedMemory() {
  if (mallctl != nullptr) {
    // Every arena's dirty and muzzy pages go back now, not after jemalloc's
    // decay time (https://jemalloc.net/jemalloc.3.html: arena.<i>.purge,
    // MALLCTL_ARENAS_ALL = 4096).
    (void)mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
    (void)mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
  }
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

struct Engine::Impl {
  Impl(Clock& clock, EngineOptions opts)
      : options(opts),
        fake_segment(options.retention.received),
        services{clock, scheduler, fake_segment, options, version} {}

  EngineOptions options;
  Scheduler scheduler;
  FakeSegment fake_segment;
  std::atomic<std::uint64_t> version{0};
  Services services;

  // Guards the maps below (not the workspaces' contents: each has its own mutex).
  mutable std::shared_mutex registry_mutex;
  std::unordered_map<std::string, std::shared_ptr<WorkspaceState>> by_key;
  std::vector<std::shared_ptr<WorkspaceState>> workspaces;  // Creation order.
  // Serializes clock advances so timers fire in one order.
  std::mutex advance_mutex;

  std::shared_ptr<WorkspaceState> Find(const std::string& key) const {
    std::shared_lock lock(registry_mutex);
    auto it = by_key.find(key);
    return it == by_key.end() ? nullptr : it->second;
  }

  std::shared_ptr<WorkspaceState> FindBySerial(std::uint64_t serial) const {
    std::shared_lock lock(registry_mutex);
    for (const auto& ws : workspaces) {
      if (ws->serial == serial) return ws;
    }
    return nullptr;
  }

  std::vector<std::shared_ptr<WorkspaceState>> All() const {
    std::shared_lock lock(registry_mutex);
    return workspaces;
  }

  // Runs `fn(ws, services)` as one of the workspace's operations (under its
  // lock, in arrival order); 401 for an unknown key (Courier's authorizer
  // rejects unknown keys, https://www.courier.com/docs/reference/authorization).
  template <typename T, typename Fn>
  Result<T> With(const std::string& key, Fn&& fn) {
    auto ws = Find(key);
    if (!ws) return Status::Unauthorized();
    // Freed when this returns, after the workspace is released: freeing
    // evicted records does not hold up the workspace's other requests. One
    // per thread, emptied but not deallocated after each request, so that a
    // request that evicts does not allocate its vectors anew (an operation
    // never calls With() itself, so the thread's is never in use twice).
    thread_local Evicted evicted;
    struct FreeAfter {
      Evicted& evicted;
      ~FreeAfter() { evicted.Free(); }
    } free_after{evicted};
    std::optional<Result<T>> result;
    {
      std::lock_guard lock(ws->mutex);
      // Before: expired dedupe records must not answer this request. After:
      // what this request finished is trimmed while nothing refers to it.
      ws->EnforceRetention(services.clock.Now(), &evicted);
      result.emplace(fn(*ws, services));
      ws->EnforceRetention(services.clock.Now(), &evicted);
    }
    return std::move(*result);
  }

  AdvanceResult RunUntil(Clock& clock, TimePoint limit) {
    AdvanceResult result;
    Evicted evicted;  // Freed after each timer's lock is released, as in With().
    std::array<Scheduler::Upcoming, Scheduler::kUpcoming> upcoming;
    std::size_t upcoming_count = 0;
    while (auto timer = scheduler.PopDue(limit, upcoming, upcoming_count)) {
      // Each timer runs at its own due time, so a send after a 2 h delay is
      // stamped at exactly +2 h even when the clock is advanced by more.
      clock.AdvanceTo(timer->id.due);
      if (auto ws = FindBySerial(timer->workspace)) {
        {
          std::lock_guard lock(ws->mutex);
          // A timer continues accepted work: what it starts is processed at
          // once, without another latency (jobs.h).
          ProcessingScope scope(*ws);
          RunTimer(*ws, services, *timer);
          ws->EnforceRetention(timer->id.due, &evicted);
          PrefetchUpcoming(*ws, std::span(upcoming.data(), upcoming_count));
        }
        evicted.Free();
      }
      if (IsProcessingJob(timer->kind)) {
        ++result.processed;
      } else {
        ++result.fired;
      }
    }
    clock.AdvanceTo(limit);
    result.now = clock.Now();
    if (result.fired > 0 || result.processed > 0) version.fetch_add(1);
    return result;
  }
};

Engine::Engine(Clock& clock, EngineOptions options)
    : clock_(clock), impl_(std::make_unique<Impl>(clock, options)) {}

Engine::~Engine() = default;

// ---- Workspaces -------------------------------------------------------------

Status Engine::PutWorkspace(const Json& definition, const std::string& api_key) {
  auto parsed = ParseWorkspaceDefinition(definition);
  if (!parsed.ok()) return parsed.status();
  WorkspaceDefinition def = std::move(parsed).value();
  if (!api_key.empty() &&
      std::find(def.api_keys.begin(), def.api_keys.end(), api_key) == def.api_keys.end()) {
    def.api_keys.insert(def.api_keys.begin(), api_key);
  }
  if (def.api_keys.empty()) {
    return Status::BadRequest("workspace: /api_keys: at least one API key is required");
  }
  auto ws = std::make_shared<WorkspaceState>(std::move(def), impl_->options.retention);
  ws->ResetState(impl_->options.seed);
  std::vector<std::uint64_t> removed;
  {
    std::unique_lock lock(impl_->registry_mutex);
    // A key names one workspace: any workspace holding one of the new keys is replaced whole.
    std::vector<std::shared_ptr<WorkspaceState>> keep;
    for (auto& existing : impl_->workspaces) {
      bool overlaps =
          std::any_of(ws->def.api_keys.begin(), ws->def.api_keys.end(), [&](const std::string& k) {
            auto it = impl_->by_key.find(k);
            return it != impl_->by_key.end() && it->second == existing;
          });
      if (overlaps) {
        removed.push_back(existing->serial);
        for (const auto& k : existing->def.api_keys) impl_->by_key.erase(k);
      } else {
        keep.push_back(existing);
      }
    }
    keep.push_back(ws);
    impl_->workspaces = std::move(keep);
    for (const auto& k : ws->def.api_keys) impl_->by_key[k] = ws;
  }
  for (std::uint64_t serial : removed) impl_->scheduler.RemoveWorkspace(serial);
  impl_->version.fetch_add(1);
  return Status::Ok();
}

Json Engine::ListWorkspaces() const {
  Json results = Json::array();
  for (const auto& ws : impl_->All()) {
    results.push_back({{"api_keys", ws->def.api_keys},
                       {"name", ws->def.name},
                       {"environment", ws->def.environment},
                       {"segment_write_key", ws->def.segment.write_key},
                       {"source_write_keys", ws->def.segment.source_write_keys}});
  }
  return {{"workspaces", std::move(results)}};
}

bool Engine::HasApiKey(const std::string& api_key) const { return impl_->Find(api_key) != nullptr; }

Status Engine::Reset(const std::string& api_key, std::optional<std::uint64_t> seed) {
  std::vector<std::shared_ptr<WorkspaceState>> targets;
  if (api_key.empty()) {
    targets = impl_->All();
    impl_->fake_segment.Clear();
  } else {
    auto ws = impl_->Find(api_key);
    if (!ws) return Status::NotFound("No workspace has the API key '" + api_key + "'");
    targets.push_back(ws);
  }
  for (const auto& ws : targets) {
    std::lock_guard lock(ws->mutex);
    impl_->scheduler.RemoveWorkspace(ws->serial);
    ws->ResetState(seed.value_or(impl_->options.seed));
    if (!api_key.empty()) {
      impl_->fake_segment.ClearWriteKey(ws->def.segment.write_key);
      for (const auto& k : ws->def.segment.source_write_keys) impl_->fake_segment.ClearWriteKey(k);
    }
  }
  ReleaseFreedMemory();
  impl_->version.fetch_add(1);
  return Status::Ok();
}

// ---- Courier API ----------------------------------------------------------------

Result<Reply> Engine::Call(const std::string& key, const ApiRoute& route, ApiCall call) {
  const std::vector<ApiRow>& rows = ApiRows();
  if (route.index >= rows.size()) return Status::Error(403, "Missing Authentication Token");
  const ApiRow& row = rows[route.index];
  // Written before the lock: the journal keeps this text, and the messages
  // the call causes share the parsed body.
  if (call.body_unparsed && !row.route.keeps_body_text) {
    Result<Json> parsed = ParseJson(call.body_text);
    if (!parsed.ok()) return parsed.status().WithShape(row.route.body_error_shape);
    call.body = std::move(parsed).value();
    call.body_unparsed = false;
  }
  if (row.route.keeps_body_text && !call.body_unparsed) {
    if (call.body_text.empty()) call.body_text = JsonText(call.body);
    call.shared_body = Share(std::move(call.body));
  }
  return impl_->With<Reply>(
      key, [&](WorkspaceState& ws, Services& svc) { return RunApiRow(row, ws, svc, call); });
}

Result<Reply> Engine::Call(const std::string& key, std::string_view method, std::string_view path,
                           Json body, Json query) {
  ApiRouteMatch match = FindApiRoute(method, path);
  // API Gateway answers an unknown resource or method before any auth check
  // (https://www.courier.com/docs/reference/authorization).
  if (match.route == nullptr) return Status::Error(403, "Missing Authentication Token");
  ApiCall call{std::move(match.params),
               std::move(query),
               match.route->body == BodyRule::kNone ? Json::object() : std::move(body),
               "",
               {}};
  return Call(key, *match.route, std::move(call));
}

Result<Reply> Engine::SegmentInbound(const std::string& key, Json event, std::string event_text) {
  static const ApiRoute& route = *ApiRouteFor("POST", "/inbound/segment");
  return Call(key, route, ApiCall{{}, Json(), std::move(event), std::move(event_text), {}});
}

Result<Reply> Engine::SegmentInboundText(const std::string& key, std::string event_text) {
  static const ApiRoute& route = *ApiRouteFor("POST", "/inbound/segment");
  ApiCall call{{}, Json(), Json(), std::move(event_text), {}};
  call.body_unparsed = true;
  return Call(key, route, std::move(call));
}

Result<Reply> Engine::Send(const std::string& key, Json body) {
  static const ApiRoute& route = *ApiRouteFor("POST", "/send");
  return Call(key, route, ApiCall{{}, Json(), std::move(body), "", {}});
}

// ---- Idempotency ---------------------------------------------------------------------

Result<std::optional<Reply>> Engine::BeginIdempotent(const std::string& key,
                                                     const std::string& idempotency_key,
                                                     const std::string& scope,
                                                     std::optional<TimePoint> expires_at) {
  return impl_->With<std::optional<Reply>>(
      key, [&](WorkspaceState& ws, Services& svc) -> Result<std::optional<Reply>> {
        // Keys are scoped to the path (https://www.courier.com/docs/reference/idempotent-requests).
        std::string record_key = idempotency_key + "/" + scope;
        TimePoint now = svc.clock.Now();
        auto it = ws.idempotency.find(record_key);
        if (it != ws.idempotency.end() && it->second.expires_at > now) {
          // While the first request runs, Courier replays 202 with an empty body
          // (https://www.courier.com/docs/reference/idempotent-requests).
          return std::optional<Reply>(it->second.reply.value_or(Reply{202, nullptr}));
        }
        // Retention: at least 24 h, at most a year
        // (https://www.courier.com/docs/reference/idempotent-requests).
        TimePoint expiry = now + kDay;
        if (expires_at) expiry = std::clamp(*expires_at, now + kDay, now + 365 * kDay);
        ws.RememberIdempotent(record_key, IdempotentRecord{std::nullopt, expiry});
        return std::optional<Reply>();
      });
}

void Engine::FinishIdempotent(const std::string& key, const std::string& idempotency_key,
                              const std::string& scope, const Reply& reply, bool store) {
  (void)impl_->With<bool>(key, [&](WorkspaceState& ws, Services&) -> Result<bool> {
    std::string record_key = idempotency_key + "/" + scope;
    auto it = ws.idempotency.find(record_key);
    if (it == ws.idempotency.end()) return false;
    if (store) {
      it->second.reply = reply;
    } else {
      ws.idempotency.erase(it);
    }
    return true;
  });
}

// ---- Fake Segment Tracking API ----------------------------------------------------------

namespace {

// Segment's Courier (Actions) destination: "Sync Audience" for Engage
// audience and journey-step events
// (https://segment.com/docs/connections/destinations/catalog/actions-courier/).
bool IsEngageMembershipEvent(const Json& event) {
  const Json* cls = FindPath(event, "context.personas.computation_class");
  return cls != nullptr && cls->is_string() && (*cls == "audience" || *cls == "journey_step");
}

void SyncAudience(WorkspaceState& ws, Services& svc, const Json& event) {
  const Json* key = FindPath(event, "context.personas.computation_key");
  const Json* id = FindPath(event, "context.personas.computation_id");
  std::string type = event.value("type", "");
  if (key == nullptr || id == nullptr || !key->is_string() || !id->is_string()) return;
  if (type != "identify" && type != "track") return;
  std::string user = event.contains("userId") && event["userId"].is_string()
                         ? event["userId"].get<std::string>()
                         : (event.contains("anonymousId") && event["anonymousId"].is_string()
                                ? event["anonymousId"].get<std::string>()
                                : "");
  if (user.empty()) return;
  const Json* props = FindPath(event, "properties");
  const Json& source =
      props != nullptr && props->is_object() ? *props : event.value("traits", Json::object());
  std::string list_id = key->get<std::string>() + "-" + id->get<std::string>();
  const Json* flag = FindPath(source, key->get<std::string>());
  if (flag != nullptr && Truthy(*flag)) {
    (void)SubscribeUser(ws, svc, list_id, user, Json::object());
  } else {
    UnsubscribeUser(ws, svc, list_id, user);
  }
}

// The HTTP status of a reply to a relayed event.
int RelayStatus(const Result<Reply>& reply) {
  return reply.ok() ? reply.value().status : reply.status().http_status();
}

// Applies the workspace's destination rules to one relayed event.
// Returns the status the workspace answered (segment_relay.h RelayFn).
int RelayEvent(WorkspaceState& ws, Services& svc, const Json& event) {
  std::string type = event.value("type", "");
  if (ws.def.segment.destination == "classic") {
    // The classic destination forwards every call; Courier answers 501 for
    // the types it does not support
    // (https://segment.com/docs/connections/destinations/catalog/courier/).
    return RelayStatus(
        HandleSegmentInbound(ws, svc, Share(event), JsonText(event), InboundSource::kSegmentRelay));
  }
  // Courier (Actions): Sync Audience takes Engage membership events;
  // Forward to Courier takes track/identify/group, but rejects audiences.
  if (IsEngageMembershipEvent(event)) SyncAudience(ws, svc, event);
  const Json* cls = FindPath(event, "context.personas.computation_class");
  bool audience = cls != nullptr && *cls == "audience";
  if (!audience && (type == "track" || type == "identify" || type == "group")) {
    return RelayStatus(
        HandleSegmentInbound(ws, svc, Share(event), JsonText(event), InboundSource::kSegmentRelay));
  }
  return 200;
}

}  // namespace

Result<Reply> Engine::SegmentTrackingReceive(const std::string& write_key, const Json& events,
                                             const std::string& path) {
  Json list = events.is_array() ? events : Json::array({events});
  TimePoint now = impl_->services.clock.Now();
  for (const Json& event : list) impl_->fake_segment.Record(write_key, event, path, "http", now);
  for (const auto& ws : impl_->All()) {
    const auto& sources = ws->def.segment.source_write_keys;
    if (std::find(sources.begin(), sources.end(), write_key) == sources.end()) continue;
    std::lock_guard lock(ws->mutex);
    ws->EnforceRetention(now);
    for (const Json& event : list) {
      if (!event.is_object()) continue;
      DeliverRelayed(*ws, impl_->services, event, RelayEvent);
    }
    ws->EnforceRetention(now);
  }
  impl_->version.fetch_add(1);
  return Reply{200, {{"success", true}}};
}

// ---- Admin ---------------------------------------------------------------------------------

Json Engine::ClockState() const {
  TimePoint now = clock_.Now();
  Json state = {{"now", FormatIso8601(now)}, {"now_ms", now}, {"mode", clock_.Mode()}};
  if (auto next = impl_->scheduler.NextDue()) {
    state["next_due"] = FormatIso8601(*next);
  } else {
    state["next_due"] = nullptr;
  }
  state["pending_timers"] = impl_->scheduler.size();
  return state;
}

AdvanceResult Engine::AdvanceClock(Duration by) {
  std::lock_guard lock(impl_->advance_mutex);
  return impl_->RunUntil(clock_, clock_.Now() + std::max<Duration>(by, 0));
}

AdvanceResult Engine::RunDue() {
  std::lock_guard lock(impl_->advance_mutex);
  return impl_->RunUntil(clock_, clock_.Now());
}

AdvanceResult Engine::Settle() { return RunDue(); }

std::optional<TimePoint> Engine::NextDue() const { return impl_->scheduler.NextDue(); }

Result<Json> Engine::Journal(const std::string& key) const {
  return impl_->With<Json>(key, [](WorkspaceState& ws, Services&) { return JournalForAdmin(ws); });
}

Result<Json> Engine::Runs(const std::string& key) const {
  return impl_->With<Json>(key, [](WorkspaceState& ws, Services&) { return RunsForAdmin(ws); });
}

Result<Json> Engine::Messages(const std::string& key) const {
  return impl_->With<Json>(key, [](WorkspaceState& ws, Services&) { return MessagesForAdmin(ws); });
}

Result<Json> Engine::Webhooks(const std::string& key) const {
  return impl_->With<Json>(key, [](WorkspaceState& ws, Services&) { return WebhooksForAdmin(ws); });
}

Result<Json> Engine::Outbox(const std::string& key) const {
  return impl_->With<Json>(key, [](WorkspaceState& ws, Services&) { return OutboxForAdmin(ws); });
}

Result<Json> Engine::Profiles(const std::string& key) const {
  return impl_->With<Json>(key, [](WorkspaceState& ws, Services&) -> Result<Json> {
    std::vector<const std::pair<const std::string, StoredProfile>*> sorted;
    sorted.reserve(ws.profiles.size());
    for (const auto& item : ws.profiles) sorted.push_back(&item);
    std::sort(sorted.begin(), sorted.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    Json results = Json::array();
    for (const auto* item : sorted) {
      results.push_back({{"user_id", item->first}, {"profile", item->second.get()}});
    }
    return Json{{"results", std::move(results)}};
  });
}

Result<Json> Engine::Journal(const std::string& key, ViewPage page) const {
  return impl_->With<Json>(
      key, [&](WorkspaceState& ws, Services&) { return JournalPageForAdmin(ws, page); });
}

Result<Json> Engine::Runs(const std::string& key, ViewPage page) const {
  return impl_->With<Json>(
      key, [&](WorkspaceState& ws, Services&) { return RunsPageForAdmin(ws, page); });
}

Result<Json> Engine::Messages(const std::string& key, ViewPage page) const {
  return impl_->With<Json>(
      key, [&](WorkspaceState& ws, Services&) { return MessagesPageForAdmin(ws, page); });
}

Result<Json> Engine::Outbox(const std::string& key, ViewPage page) const {
  return impl_->With<Json>(
      key, [&](WorkspaceState& ws, Services&) { return OutboxPageForAdmin(ws, page); });
}

Result<TimelinePage> Engine::Timeline(const std::string& key, const TimelineQuery& query) const {
  return impl_->With<TimelinePage>(
      key, [&](WorkspaceState& ws, Services&) { return TimelineForAdmin(ws, query); });
}

Result<Json> Engine::InspectionCounts(const std::string& key) const {
  return impl_->With<Json>(key, [](WorkspaceState& ws, Services&) { return CountsForAdmin(ws); });
}

Result<InspectedRecord> Engine::InspectRecord(const std::string& key, const std::string& kind,
                                              const std::string& id) const {
  return impl_->With<InspectedRecord>(
      key, [&](WorkspaceState& ws, Services&) { return RecordForAdmin(ws, kind, id); });
}

Json Engine::SegmentReceived(const std::string& write_key) const {
  return impl_->fake_segment.Received(write_key);
}

Result<Reply> Engine::Engage(const std::string& message_id, const Json& body) {
  for (const auto& ws : impl_->All()) {
    std::lock_guard lock(ws->mutex);
    if (ws->messages.Find(message_id) != nullptr) {
      Result<Reply> reply = EngageMessage(*ws, impl_->services, message_id, body);
      ws->EnforceRetention(impl_->services.clock.Now());
      return reply;
    }
  }
  return Status::NotFound("Message not found");
}

std::uint64_t Engine::Version() const { return impl_->version.load(); }

// ---- Outbound delivery ------------------------------------------------------------------------

const char* DeliveryStateName(DeliveryState state) {
  static constexpr const char* kNames[] = {"pending", "delivered", "retrying", "failed"};
  return kNames[static_cast<std::size_t>(state)];
}

std::vector<OutboundCall> Engine::TakeOutboundBatch(std::size_t max) {
  std::vector<OutboundCall> calls;
  for (const auto& ws : impl_->All()) {
    std::lock_guard lock(ws->mutex);
    while (calls.size() < max && !ws->outbox_pending.empty()) {
      std::string id = std::move(ws->outbox_pending.front());
      ws->outbox_pending.pop_front();
      OutboxEntry* entry = ws->outbox.Find(id);
      if (entry == nullptr || entry->taken || entry->state != DeliveryState::kPending) continue;
      entry->taken = true;
      calls.push_back({ws->id, ws->def.segment.write_key, std::string(entry->id),
                       Json::parse(*entry->event.Text())});
    }
    if (calls.size() >= max) break;
  }
  return calls;
}

void Engine::MarkOutbound(const std::string& workspace_key, const std::string& outbox_id,
                          DeliveryState state, int attempts, const std::string& error) {
  (void)impl_->With<bool>(workspace_key, [&](WorkspaceState& ws, Services& svc) -> Result<bool> {
    OutboxEntry* entry = ws.outbox.Find(outbox_id);
    if (entry == nullptr) return false;
    entry->state = state;
    entry->attempts = attempts;
    entry->last_error = error;
    // Retention drops delivered calls only: a failed one is kept for inspection.
    if (state == DeliveryState::kDelivered) ws.outbox.MarkFinished(outbox_id);
    svc.version.fetch_add(1);
    return true;
  });
}

std::vector<WebhookCall> Engine::TakeWebhookBatch(std::size_t max) {
  std::vector<WebhookCall> calls;
  for (const auto& ws : impl_->All()) {
    std::lock_guard lock(ws->mutex);
    while (calls.size() < max && !ws->webhooks_pending.empty()) {
      std::string id = std::move(ws->webhooks_pending.front());
      ws->webhooks_pending.pop_front();
      WebhookEntry* entry = ws->webhooks.Find(id);
      if (entry == nullptr || entry->taken || entry->state != DeliveryState::kPending) continue;
      entry->taken = true;
      calls.push_back({ws->id, entry->id, entry->url, *entry->body, entry->signature});
    }
    if (calls.size() >= max) break;
  }
  return calls;
}

void Engine::MarkWebhook(const std::string& workspace_key, const std::string& webhook_id,
                         DeliveryState state, int attempts, const std::string& error) {
  (void)impl_->With<bool>(workspace_key, [&](WorkspaceState& ws, Services& svc) -> Result<bool> {
    WebhookEntry* entry = ws.webhooks.Find(webhook_id);
    if (entry == nullptr) return false;
    entry->state = state;
    entry->attempts = attempts;
    entry->last_error = error;
    // Retention drops delivered calls only: a failed one is kept for inspection.
    if (state == DeliveryState::kDelivered) ws.webhooks.MarkFinished(webhook_id);
    svc.version.fetch_add(1);
    return true;
  });
}

}  // namespace mock_courier
