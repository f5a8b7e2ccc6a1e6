#include "workspace_state.h"

#include "messaging_internal.h"
#include "mock_courier/time_format.h"
#include "prefetch.h"

#include <atomic>
#include <cstdio>
#include <optional>
#include <string_view>

namespace mock_courier {
namespace {

// FNV-1a, 64 bit: a hash fixed by its definition, unlike std::hash, so the same
// seed gives the same ids whatever standard library the mock was built with.
std::uint64_t StableHash(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

// Drops the records of `map` whose FIFO entry has expired by `now`, unless
// the record was stored again since (a later expiry).
// Expired records go to `graveyard` when given.
template <typename Map, typename ExpiresAt>
void SweepFifo(ExpiryQueue::Fifo& fifo, Map& map, TimePoint now, ExpiresAt expires_at,
               std::vector<typename Map::node_type>* graveyard = nullptr) {
  while (!fifo.empty() && fifo.front().first <= now) {
    auto it = map.find(*fifo.front().second);
    if (it != map.end() && expires_at(it->second) <= fifo.front().first) {
      if (graveyard != nullptr) {
        graveyard->push_back(map.extract(it));
      } else {
        map.erase(it);
      }
    }
    fifo.pop_front();
  }
}

std::uint64_t NextWorkspaceSerial() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1);
}

}  // namespace

namespace {

constexpr std::pair<MessageStatus, const char*> kMessageStatusNames[] = {
    {MessageStatus::kEnqueued, "ENQUEUED"},     {MessageStatus::kSent, "SENT"},
    {MessageStatus::kDelivered, "DELIVERED"},   {MessageStatus::kOpened, "OPENED"},
    {MessageStatus::kClicked, "CLICKED"},       {MessageStatus::kUndeliverable, "UNDELIVERABLE"},
    {MessageStatus::kUnroutable, "UNROUTABLE"}, {MessageStatus::kUnmapped, "UNMAPPED"},
    {MessageStatus::kCanceled, "CANCELED"},
};

}  // namespace

const char* MessageStatusName(MessageStatus status) {
  for (const auto& [value, name] : kMessageStatusNames) {
    if (value == status) return name;
  }
  return "UNDELIVERABLE";
}

std::optional<MessageStatus> ParseMessageStatus(std::string_view name) {
  for (const auto& [value, text] : kMessageStatusNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

const char* InboundSourceName(InboundSource source) {
  static constexpr const char* kNames[] = {"segment", "segment-relay", "courier"};
  return kNames[static_cast<std::size_t>(source)];
}

const char* InboundOutcomeName(InboundOutcome outcome) {
  static constexpr const char* kNames[] = {"",         "accepted", "duplicate", "rejected",
                                           "unmapped", "dropped",  "failed"};
  return kNames[static_cast<std::size_t>(outcome)];
}

const char* RunStatusName(RunStatus status) {
  static constexpr const char* kNames[] = {"PROCESSING", "WAITING", "PROCESSED", "CANCELED",
                                           "ERROR"};
  return kNames[static_cast<std::size_t>(status)];
}

const char* StepStatusName(StepStatus status) {
  static constexpr const char* kNames[] = {"NOT PROCESSED", "PROCESSED", "WAITING", "SKIPPED",
                                           "ERROR"};
  return kNames[static_cast<std::size_t>(status)];
}

Json StepState::result() const {
  if (status == StepStatus::kError) return nullptr;
  switch (form) {
    case Form::kJson:
      return outcome;
    case Form::kDelayValues: {
      Json out = OneKey("actualDelayValue", FormatIso8601(processed_at_ms));
      out["expectedDelayValue"] = FormatIso8601(outcome.get<TimePoint>());
      return out;
    }
    case Form::kMessageId:
      return OneKey("messageId", outcome);
  }
  return outcome;
}

WorkspaceState::WorkspaceState(WorkspaceDefinition definition, const Retention& engine_retention)
    : id(definition.api_keys.empty() ? definition.name : definition.api_keys.front()),
      serial(NextWorkspaceSerial()),
      def(std::move(definition)),
      retention(def.retention.Apply(engine_retention)) {}

void WorkspaceState::ResetState(std::uint64_t seed) {
  // Each workspace draws ids from its own generator, seeded from the engine's
  // seed and the workspace id, so parallel suites on different keys do not
  // change each other's ids.
  ids = IdGenerator(seed ^ StableHash(id));
  profiles = decltype(profiles)();  // Not clear(): that keeps the bucket array.
  for (const auto& [user, profile] : def.profiles) profiles.emplace(user, profile);
  preferences.clear();
  lists.clear();
  subscriptions.clear();
  for (const Json& list : def.lists) {
    std::string list_id = list["id"].get<std::string>();
    lists[list_id] = {{"id", list_id}, {"name", list.value("name", list_id)}};
    auto& members = subscriptions[list_id];
    for (const Json& user : list.value("subscribers", Json::array())) {
      members[user.get<std::string>()] = Json::object();
    }
  }
  event_maps = def.event_maps;
  audiences = def.audiences;
  audience_members.clear();
  messages.Clear();
  runs.Clear();
  runs.by_token.clear();
  run_data_keys.Clear();
  shared_names = {};
  journal = {};
  journal_bytes = 0;
  journal_evicted = 0;
  catalogue.clear();
  outbox.Clear();
  outbox_pending.clear();
  for (auto& hits : rate_limit_hits) hits.clear();
  relay_random = seed ^ StableHash(id) ^ 0x5e9d3e17a11ce5edULL;
  relay_received = 0;
  relay_latest_delivered = 0;
  webhooks.Clear();
  webhooks_pending.clear();
  // Fresh containers rather than clear(): hash tables keep their bucket
  // arrays through clear(), and a reset is how a load test gives memory back.
  segment_replies.Clear();
  courier_inbound_ids = {};
  idempotency = {};
  expiries = {};
  trigger_validation = {};
}

void WorkspaceState::RememberIdempotent(const std::string& key, IdempotentRecord record) {
  expiries.idempotency.emplace(record.expires_at, key);
  idempotency[key] = std::move(record);
}

void RememberSegmentReply(WorkspaceState& ws, const std::string& message_id, int status,
                          std::string text, TimePoint now) {
  ws.segment_replies.Remember(message_id, status, text, now);  // Kept kDay.
}

SharedJson WorkspaceState::SharedName(const std::string& name) {
  if (auto it = shared_names.find(name); it != shared_names.end()) return it->second;
  SharedJson value = Share(Json(name));
  if (shared_names.size() < kSharedNames) shared_names.emplace(name, value);
  return value;
}

JournalEntry& WorkspaceState::AddToJournal(JournalEntry entry) {
  entry.counted_bytes = entry.text_bytes();
  journal_bytes += entry.counted_bytes;
  journal.push_back(std::move(entry));
  return journal.back();
}

namespace {

// After `dropped` entries were evicted, asks for what the next evictions
// will touch, assuming each operation drops as many (one per accepted
// event), one stage per operation (prefetch.h): the third `dropped` to go,
// the entries; the second, the blocks they own; the first, the blocks those
// point at (the payload's text, sent message ids).
void PrefetchNextEvictions(const std::deque<JournalEntry>& journal, std::size_t dropped) {
  const std::size_t count = journal.size();
  for (std::size_t i = 2 * dropped; i < 3 * dropped && i < count; ++i) {
    PrefetchLines(&journal[i], sizeof(JournalEntry));
  }
  for (std::size_t i = dropped; i < 2 * dropped && i < count; ++i) {
    const JournalEntry& entry = journal[i];
    PrefetchSharedBlock(entry.payload_text);
    PrefetchStringBlock(entry.id);
    PrefetchStringBlock(entry.event);
    if (!entry.effects.runs.empty()) PrefetchBlock(entry.effects.runs.data());
    if (!entry.effects.messages.empty()) PrefetchBlock(entry.effects.messages.data());
  }
  for (std::size_t i = 0; i < dropped && i < count; ++i) {
    const JournalEntry& entry = journal[i];
    if (entry.payload_text) {
      const std::string& text = *entry.payload_text;
      PrefetchStringBlock(text);
      // free() also reads the size word of the block after, to merge the two.
      PrefetchBlock(text.data() + text.capacity() + 1);
    }
    for (const std::string& id : entry.effects.messages) PrefetchStringBlock(id);
  }
}

// What a message, a run and an outbound call own directly (depth 1: the
// blocks their destructors free first), and what those blocks point at
// (depth 2, read from blocks asked for one operation before), for
// RecordStore::PrefetchNextEvictions.
void PrefetchOwned(const Message& message, int depth) {
  if (depth == 1) {
    if (!message.history.empty()) PrefetchBlock(message.history.data());
    if (!message.record.providers.empty()) PrefetchBlock(message.record.providers.data());
    if (!message.diagnostics.empty()) PrefetchBlock(message.diagnostics.data());
    PrefetchSharedBlock(message.stored_profile);
    PrefetchSharedBlock(message.call_identity);
    PrefetchSharedBlock(message.plan.received_profile);
    PrefetchSharedBlock(message.plan.override_providers);
    message.plan.data.PrefetchBlocks();
    return;
  }
  if (message.call_identity) message.call_identity->PrefetchBlocks();
  for (const std::string& note : message.diagnostics) PrefetchStringBlock(note);
}
void PrefetchOwned(const AutomationRun& run, int depth) {
  if (depth != 1) return;
  if (!run.steps.empty()) PrefetchBlock(run.steps.data());
  PrefetchStringBlock(run.cancelation_token);
  if (run.extras) PrefetchBlock(run.extras.get());
  run.context.PrefetchBlocks();
}
void PrefetchOwned(const OutboxEntry& call, int depth) {
  if (depth == 1) {
    call.event.PrefetchBlocks();
    PrefetchStringBlock(call.last_error);
  } else if (const CallText::Source* source = call.event.source()) {
    source->PrefetchBlocks();
  }
}

}  // namespace

void WorkspaceState::EnforceRetention(TimePoint now, Evicted* evicted) {
  const auto prefetch_owned = [](const auto& record, int depth) { PrefetchOwned(record, depth); };
  messages.PrefetchNextEvictions(
      messages.Trim(retention.messages, evicted ? &evicted->messages : nullptr), prefetch_owned);
  runs.PrefetchNextEvictions(runs.Trim(retention.runs, evicted ? &evicted->runs : nullptr),
                             prefetch_owned);
  outbox.PrefetchNextEvictions(outbox.Trim(retention.outbox, evicted ? &evicted->outbox : nullptr),
                               prefetch_owned);
  webhooks.Trim(retention.outbox);
  if (retention.journal != 0) {
    std::size_t dropped = 0;
    while (!journal.empty() &&
           (journal.size() > retention.journal || journal_bytes > kJournalBytes)) {
      journal_bytes -= journal.front().counted_bytes;
      if (evicted != nullptr) evicted->journal.push_back(std::move(journal.front()));
      journal.pop_front();
      ++dropped;
    }
    journal_evicted += dropped;
    PrefetchNextEvictions(journal, dropped);
  }
  // Expired dedupe records (flat records: nothing to free outside the lock).
  segment_replies.Sweep(now);
  SweepFifo(expiries.courier_inbound, courier_inbound_ids, now,
            [](const std::pair<std::string, TimePoint>& r) { return r.second; });
  auto& queue = expiries.idempotency;
  while (!queue.empty() && queue.begin()->first <= now) {
    auto it = idempotency.find(queue.begin()->second);
    // A record still running its first request has no reply yet: it stays.
    if (it != idempotency.end() && it->second.expires_at <= queue.begin()->first &&
        it->second.reply) {
      idempotency.erase(it);
    }
    queue.erase(queue.begin());
  }
}

}  // namespace mock_courier
