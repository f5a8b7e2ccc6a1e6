#include "inspection_views.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "automations.h"
#include "messaging.h"
#include "mock_courier/time_format.h"
#include "segment_inbound.h"

namespace mock_courier {
namespace {

// Within one mock instant, effects come before their causes (newest first).
enum Phase : int { kInboundPhase = 0, kRunPhase = 1, kSendPhase = 2, kOutboundPhase = 3 };

// An inbound event that sent directly (a legacy event map) is journaled once
// its sends are made, with the time it arrived: on a clock that moves by
// itself it can be a little older than its messages. How far back from a
// message the timeline looks for it.
constexpr Duration kInboundLinkWindow = 60 * 1000;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string StringAt(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string StringOr(const Json& value) {
  return value.is_string() ? value.get<std::string>() : "";
}

// One record of the timeline: a journal entry (`seq` its position since the
// workspace was created) or a record of a store (`seq` its store sequence).
struct Item {
  int phase = kInboundPhase;
  std::uint64_t seq = 0;
  TimePoint at = 0;
  const JournalEntry* entry = nullptr;
  const AutomationRun* run = nullptr;
  const Message* message = nullptr;
  const OutboxEntry* call = nullptr;
};

Item Of(const WorkspaceState& ws, std::size_t journal_index) {
  const JournalEntry& entry = ws.journal[journal_index];
  Item item;
  item.phase = kInboundPhase;
  item.seq = ws.journal_evicted + journal_index;
  item.at = entry.received_at;
  item.entry = &entry;
  return item;
}
Item Of(std::uint64_t seq, const AutomationRun& run) {
  Item item;
  item.phase = kRunPhase;
  item.seq = seq;
  item.at = run.created_at;
  item.run = &run;
  return item;
}
Item Of(std::uint64_t seq, const Message& message) {
  Item item;
  item.phase = kSendPhase;
  item.seq = seq;
  item.at = message.record.enqueued;
  item.message = &message;
  return item;
}
Item Of(std::uint64_t seq, const OutboxEntry& call) {
  Item item;
  item.phase = kOutboundPhase;
  item.seq = seq;
  item.at = call.created_at;
  item.call = &call;
  return item;
}

// A store's records newest first, one at a time (a map lookup each).
template <typename T>
class StoreCursor {
 public:
  explicit StoreCursor(const RecordStore<T>& store) : store_(store) { Load(store.end_seq()); }
  bool valid() const { return record_ != nullptr; }
  Item item() const { return Of(seq_, *record_); }
  void Next() { Load(seq_); }

 private:
  void Load(std::uint64_t before) {
    record_ = nullptr;
    store_.ForEachNewestFirstBefore(before, [this](std::uint64_t seq, const T& record) {
      seq_ = seq;
      record_ = &record;
      return false;
    });
  }
  const RecordStore<T>& store_;
  std::uint64_t seq_ = 0;
  const T* record_ = nullptr;
};

// The four kinds merged newest first (inspection.h, TimelinePage).
class TimelineWalk {
 public:
  explicit TimelineWalk(const WorkspaceState& ws)
      : ws_(ws),
        journal_left_(ws.journal.size()),
        runs_(ws.runs),
        messages_(ws.messages),
        outbox_(ws.outbox) {}

  // The next item, or nullopt at the end.
  std::optional<Item> Next() {
    std::optional<Item> best;
    int from = -1;
    auto offer = [&](const Item& item, int source) {
      if (!best || item.at > best->at || (item.at == best->at && item.phase > best->phase)) {
        best = item;
        from = source;
      }
    };
    if (journal_left_ > 0) offer(Of(ws_, journal_left_ - 1), 0);
    if (runs_.valid()) offer(runs_.item(), 1);
    if (messages_.valid()) offer(messages_.item(), 2);
    if (outbox_.valid()) offer(outbox_.item(), 3);
    switch (from) {
      case 0:
        --journal_left_;
        break;
      case 1:
        runs_.Next();
        break;
      case 2:
        messages_.Next();
        break;
      case 3:
        outbox_.Next();
        break;
      default:
        break;
    }
    return best;
  }
  // Journal entries not visited yet: ws.journal[0, journal_left()).
  std::size_t journal_left() const { return journal_left_; }

 private:
  const WorkspaceState& ws_;
  std::size_t journal_left_;
  StoreCursor<AutomationRun> runs_;
  StoreCursor<Message> messages_;
  StoreCursor<OutboxEntry> outbox_;
};

std::string KindOf(const Item& item) {
  switch (item.phase) {
    case kInboundPhase:
      return item.entry->source == InboundSource::kSegment ? "segment" : "inbound";
    case kRunPhase:
      return "run";
    case kSendPhase:
      return "send";
    default:
      return "outbound";
  }
}

std::string StatusOf(const Item& item) {
  switch (item.phase) {
    case kInboundPhase:
      return InboundOutcomeName(item.entry->outcome);
    case kRunPhase:
      return RunStatusName(item.run->status);
    case kSendPhase:
      return MessageStatusName(item.message->record.status);
    default:
      return DeliveryStateName(item.call->state);
  }
}

std::string NameOf(const Item& item) {
  switch (item.phase) {
    case kInboundPhase:
      return item.entry->event.empty() ? item.entry->type : item.entry->event;
    case kRunPhase:
      return std::string(item.run->template_id) + " " + StringOr(item.run->context.Get("template"));
    case kSendPhase: {
      const SendPlan& plan = item.message->plan;
      return plan.notification.empty() ? plan.event : plan.notification;
    }
    default:
      return OutboundEventName(*item.call);
  }
}

std::string UserOf(const Item& item) {
  switch (item.phase) {
    case kInboundPhase: {
      const Json payload = Json::parse(item.entry->payload(), nullptr, false);
      std::string user = StringAt(payload, "userId");
      return user.empty() ? StringAt(payload, "anonymousId") : user;
    }
    case kRunPhase:
      return StringOr(item.run->context.Get("recipient"));
    case kSendPhase:
      return item.message->plan.recipient;
    default:
      return OutboundUserId(*item.call);
  }
}

bool Matches(const Item& item, const TimelineQuery& query, const std::string& event_lower,
             const std::string& status_lower) {
  if (!query.kind.empty() && KindOf(item) != query.kind) return false;
  if (!status_lower.empty() && Lower(StatusOf(item)) != status_lower) return false;
  if (!event_lower.empty() && Lower(NameOf(item)).find(event_lower) == std::string::npos) {
    return false;
  }
  if (!query.user.empty() && UserOf(item) != query.user) return false;
  return true;
}

// offset + limit, without wrapping.
std::size_t PageEnd(std::size_t offset, std::size_t limit) {
  return limit > std::numeric_limits<std::size_t>::max() - offset
             ? std::numeric_limits<std::size_t>::max()
             : offset + limit;
}

std::string InboundRowId(const JournalEntry& entry, std::uint64_t seq) {
  // A replayed duplicate carries the first entry's id; a rejection has none.
  if (entry.id.empty() || entry.outcome == InboundOutcome::kDuplicate) {
    return entry.id + "#" + std::to_string(seq);
  }
  return entry.id;
}

// The row's own fields and the links its record names itself.
TimelineRow RowOf(const WorkspaceState& ws, const Item& item) {
  TimelineRow row;
  row.kind = KindOf(item);
  row.at = item.at;
  row.user = UserOf(item);
  row.name = NameOf(item);
  row.status = StatusOf(item);
  switch (item.phase) {
    case kInboundPhase: {
      const JournalEntry& e = *item.entry;
      row.id = InboundRowId(e, item.seq);
      row.label =
          (e.source == InboundSource::kSegment ? std::string("Segment ")
                                               : std::string(InboundSourceName(e.source)) + " ") +
          e.type + (e.event.empty() ? "" : " \"" + e.event + "\"") + " -> " +
          std::to_string(e.http_status);
      for (const IdText& run : e.effects.runs) row.leads_to.push_back(run.str());
      row.leads_to.insert(row.leads_to.end(), e.effects.messages.begin(), e.effects.messages.end());
      break;
    }
    case kRunPhase: {
      const AutomationRun& run = *item.run;
      row.id = run.id;
      row.label = "run " + std::string(run.template_id);
      for (std::size_t i = 0; i < run.steps.size(); ++i) {
        const StepState& step = run.steps[i];
        if (step.status == StepStatus::kWaiting) {
          // As RunsForAdmin shows it: the pending timer's due time.
          std::string due = i == run.next_step && run.pending_timer.valid()
                                ? FormatIso8601(run.pending_timer.due)
                                : StringAt(step.result(), "expectedDelayValue");
          if (!due.empty()) row.label += ", due " + due;
        }
        const std::string message = StringAt(step.result(), "messageId");
        if (!message.empty()) row.leads_to.push_back(message);
      }
      // "track/<event>/<inbound id>" names the inbound event that started it.
      if (run.trigger.starts_with("track/")) {
        const std::string inbound = run.InboundId();
        if (!inbound.empty()) row.links.push_back(inbound);
      }
      break;
    }
    case kSendPhase: {
      const Message& m = *item.message;
      row.id = m.id;
      row.label = "send " + (row.name.empty() ? std::string("(content)") : row.name) + " to " +
                  m.plan.recipient + (m.channel.empty() ? "" : " (" + m.channel + ")");
      const std::string& run = m.plan.origin.run_id;
      if (!run.empty() && ws.runs.Find(run) != nullptr) row.links.push_back(run);
      break;
    }
    default: {
      const OutboxEntry& c = *item.call;
      row.id = c.id;
      row.label = "Segment track \"" + row.name + "\" -> " + DeliveryStateName(c.state);
      const std::string message = OutboundMessageId(c);
      if (!message.empty() && ws.messages.Find(message) != nullptr) row.links.push_back(message);
      break;
    }
  }
  return row;
}

// For a message sent directly by an inbound event (no run): that event,
// looked for in ws.journal[0, journal_end) newest first, back to
// kInboundLinkWindow before the message.
void LinkInboundSender(const WorkspaceState& ws, const Message& message, std::size_t journal_end,
                       TimelineRow& row) {
  if (!row.links.empty() || !message.plan.origin.source.starts_with("segment")) return;
  for (std::size_t i = journal_end; i-- > 0;) {
    const JournalEntry& entry = ws.journal[i];
    // Its sends were made when it was processed (after a processing latency).
    if (entry.processed_or_received() + kInboundLinkWindow < message.record.enqueued) {
      return;
    }
    for (const std::string& id : entry.effects.messages) {
      if (id == message.id) {
        row.links.push_back(InboundRowId(entry, ws.journal_evicted + i));
        return;
      }
    }
  }
}

// Counts by value. Statuses take a handful of values, so a short list
// searched in order beats a map: a summary of 30k records allocates nothing
// but the values it finds.
class Tally {
 public:
  void Add(std::string_view value) {
    if (value.empty()) value = "(none)";
    for (auto& [seen, n] : counts_) {
      if (seen == value) {
        ++n;
        return;
      }
    }
    counts_.emplace_back(std::string(value), 1);
  }
  // {value: n}, keys sorted (a Json object).
  Json ToJson() const {
    Json out = Json::object();
    for (const auto& [value, n] : counts_) out[value] = n;
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::int64_t>> counts_;
};

template <typename T, typename Render>
Json StorePage(const RecordStore<T>& store, ViewPage page, const Render& render) {
  Json results = Json::array();
  std::size_t index = 0;
  const std::size_t end = PageEnd(page.offset, page.limit);
  store.ForEach([&](std::uint64_t, const T& record) {
    if (index >= end) return false;
    if (index >= page.offset) results.push_back(render(record));
    ++index;
    return true;
  });
  return {{"results", std::move(results)},
          {"evicted", store.evicted()},
          {"total", store.size()},
          {"offset", page.offset},
          {"limit", page.limit}};
}

}  // namespace

TimelinePage TimelineForAdmin(const WorkspaceState& ws, const TimelineQuery& query) {
  TimelinePage page;
  const std::string event_lower = Lower(query.event);
  const std::string status_lower = Lower(query.status);
  const bool filtered =
      !query.user.empty() || !event_lower.empty() || !status_lower.empty() || !query.kind.empty();
  const std::size_t end = PageEnd(query.offset, query.limit);
  TimelineWalk walk(ws);
  // The page's items, with the journal entries not yet visited when each was
  // reached; and every outbound call visited until the page was full.
  std::vector<std::pair<Item, std::size_t>> items;
  std::vector<const OutboxEntry*> calls_seen;
  std::size_t matched = 0;
  while (std::optional<Item> item = walk.Next()) {
    if (matched < end && item->call != nullptr) calls_seen.push_back(item->call);
    if (filtered && !Matches(*item, query, event_lower, status_lower)) continue;
    if (matched >= query.offset && matched < end) items.emplace_back(*item, walk.journal_left());
    ++matched;
    if (!filtered && matched >= end) break;
  }
  page.total = filtered
                   ? matched
                   : ws.journal.size() + ws.runs.size() + ws.messages.size() + ws.outbox.size();

  std::unordered_map<std::string, std::size_t> message_rows;  // message id -> row index
  page.rows.reserve(items.size());
  for (const auto& [item, journal_left] : items) {
    page.rows.push_back(RowOf(ws, item));
    if (item.message != nullptr) {
      LinkInboundSender(ws, *item.message, journal_left, page.rows.back());
      message_rows.emplace(item.message->id, page.rows.size() - 1);
    }
  }
  // A message's outbound calls were made after it, so the walk met them
  // before it; in the order they were made.
  if (!message_rows.empty()) {
    for (auto it = calls_seen.rbegin(); it != calls_seen.rend(); ++it) {
      auto row = message_rows.find(OutboundMessageId(**it));
      if (row != message_rows.end()) page.rows[row->second].leads_to.emplace_back((*it)->id);
    }
  }
  return page;
}

Json CountsForAdmin(const WorkspaceState& ws) {
  Tally inbound, runs, messages, outbound;
  for (const JournalEntry& entry : ws.journal) inbound.Add(InboundOutcomeName(entry.outcome));
  ws.runs.ForEach(
      [&](std::uint64_t, const AutomationRun& run) { runs.Add(RunStatusName(run.status)); });
  ws.messages.ForEach([&](std::uint64_t, const Message& message) {
    messages.Add(MessageStatusName(message.record.status));
  });
  ws.outbox.ForEach(
      [&](std::uint64_t, const OutboxEntry& call) { outbound.Add(DeliveryStateName(call.state)); });
  return {{"inbound", inbound.ToJson()},
          {"runs", runs.ToJson()},
          {"messages", messages.ToJson()},
          {"outbound", outbound.ToJson()},
          {"totals",
           {{"inbound", ws.journal.size()},
            {"runs", ws.runs.size()},
            {"messages", ws.messages.size()},
            {"outbound", ws.outbox.size()}}}};
}

Result<InspectedRecord> RecordForAdmin(const WorkspaceState& ws, const std::string& kind,
                                       const std::string& id) {
  InspectedRecord out;
  auto not_found = [&] { return Status::NotFound("No " + kind + " with id '" + id + "'"); };
  if (kind == "segment" || kind == "inbound") {
    std::optional<std::size_t> found;
    for (std::size_t i = 0; i < ws.journal.size() && !found; ++i) {
      if (InboundRowId(ws.journal[i], ws.journal_evicted + i) == id) found = i;
    }
    if (!found) return not_found();
    out.record = JournalEntryForAdmin(ws.journal[*found]);
    out.row = RowOf(ws, Of(ws, *found));
    return out;
  }
  if (kind == "run") {
    const AutomationRun* run = ws.runs.Find(id);
    if (run == nullptr) return not_found();
    out.record = RunForAdmin(ws, *run);
    out.row = RowOf(ws, Of(0, *run));
    return out;
  }
  if (kind == "send") {
    const Message* message = ws.messages.Find(id);
    if (message == nullptr) return not_found();
    out.record = MessageForAdmin(ws.def, *message);
    out.row = RowOf(ws, Of(0, *message));
    LinkInboundSender(ws, *message, ws.journal.size(), out.row);
    // Its outbound calls: made after it, so newer than it. A typed call
    // names its message; of a text call, a cheap text test before parsing
    // (the call's properties carry the message id).
    const std::string quoted = JsonText(Json(message->id));
    ws.outbox.ForEachNewestFirst([&](std::uint64_t, const OutboxEntry& call) {
      if (call.created_at < message->record.enqueued) return false;
      const CallText::Source* typed = call.event.source();
      if (typed != nullptr ? typed->MessageId() == id
                           : call.event.Text().view().find(quoted) != std::string_view::npos &&
                                 OutboundMessageId(call) == id) {
        out.row.leads_to.emplace_back(call.id);
      }
      return true;
    });
    std::reverse(out.row.leads_to.begin(), out.row.leads_to.end());
    return out;
  }
  if (kind == "outbound") {
    const OutboxEntry* call = ws.outbox.Find(id);
    if (call == nullptr) return not_found();
    out.record = OutboxEntryForAdmin(*call);
    out.row = RowOf(ws, Of(0, *call));
    return out;
  }
  return Status::BadRequest("kind must be one of segment, inbound, run, send, outbound, profile");
}

Json JournalPageForAdmin(const WorkspaceState& ws, ViewPage page) {
  Json results = Json::array();
  for (std::size_t i = page.offset; i < ws.journal.size() && i - page.offset < page.limit; ++i) {
    results.push_back(JournalEntryForAdmin(ws.journal[i]));
  }
  return {{"results", std::move(results)}, {"catalogue", CatalogueForAdmin(ws)},
          {"evicted", ws.journal_evicted}, {"total", ws.journal.size()},
          {"offset", page.offset},         {"limit", page.limit}};
}

Json RunsPageForAdmin(const WorkspaceState& ws, ViewPage page) {
  return StorePage(ws.runs, page, [&](const AutomationRun& run) { return RunForAdmin(ws, run); });
}

Json MessagesPageForAdmin(const WorkspaceState& ws, ViewPage page) {
  return StorePage(ws.messages, page,
                   [&](const Message& message) { return MessageForAdmin(ws.def, message); });
}

Json OutboxPageForAdmin(const WorkspaceState& ws, ViewPage page) {
  return StorePage(ws.outbox, page,
                   [](const OutboxEntry& call) { return OutboxEntryForAdmin(call); });
}

}  // namespace mock_courier
