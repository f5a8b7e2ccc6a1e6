// Inspection pages (mock_courier/inspection.h): the merged timeline, counts
// and single records must say what the whole admin views say, page by page.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "messaging.h"
#include "mock_courier/testing/checkout_workspace.h"
#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::CheckoutWorkspace;
using testing::SendReminderToAnn;
using testing::TestEngine;
using testing::TrackFromAnn;

class InspectionTest : public ::testing::Test {
 protected:
  // Every kind of record, over three mock instants, with a replayed
  // duplicate, a direct event-map send, a delayed run and an engagement that
  // emits an outbound call long after its message.
  void SetUp() override {
    order_inbound_ = TrackFromAnn(t_, "Order Completed", "seg-order");
    t_.Advance(kMinute);
    checkout_inbound_ = TrackFromAnn(t_, "Checkout Page Visited", "seg-checkout");
    TrackFromAnn(t_, "Checkout Page Visited", "seg-checkout");  // replayed
    t_.Advance(kMinute);
    api_message_ = SendReminderToAnn(t_);
    SendReminderToAnn(t_);
    TrackFromAnn(t_, "Instant", "seg-instant");
    t_.Advance(2 * kHour);
    json order_message = t_.Messages()["results"][0];
    order_message_ = order_message["id"];
    ASSERT_TRUE(t_.engine.Engage(order_message_, {{"event", "opened"}}).ok());
  }

  TimelinePage Timeline(TimelineQuery query) {
    auto page = t_.engine.Timeline(t_.key, query);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? *page : TimelinePage{};
  }
  std::vector<TimelineRow> All() {
    TimelineQuery query;
    query.limit = 1000;
    return Timeline(query).rows;
  }
  static const TimelineRow* Row(const std::vector<TimelineRow>& rows, const std::string& id) {
    for (const TimelineRow& row : rows) {
      if (row.id == id) return &row;
    }
    return nullptr;
  }

  TestEngine t_{CheckoutWorkspace()};
  std::string order_inbound_, checkout_inbound_, api_message_, order_message_;
};

TEST_F(InspectionTest, ViewPagesAreSlicesOfTheWholeViews) {
  using Whole = Result<Json> (Engine::*)(const std::string&) const;
  using Paged = Result<Json> (Engine::*)(const std::string&, ViewPage) const;
  const std::vector<std::pair<Whole, Paged>> views = {{&Engine::Journal, &Engine::Journal},
                                                      {&Engine::Runs, &Engine::Runs},
                                                      {&Engine::Messages, &Engine::Messages},
                                                      {&Engine::Outbox, &Engine::Outbox}};
  for (const auto& [whole_fn, paged_fn] : views) {
    const json whole = *(t_.engine.*whole_fn)(t_.key);
    const std::size_t total = whole["results"].size();
    ASSERT_GE(total, 2u);
    for (ViewPage page : {ViewPage{0, 2}, ViewPage{1, 2}, ViewPage{total - 1, 5},
                          ViewPage{total + 3, 1}, ViewPage{0, 1000}}) {
      json expected = whole;
      json kept = json::array();
      for (std::size_t i = page.offset; i < total && i < page.offset + page.limit; ++i) {
        kept.push_back(whole["results"][i]);
      }
      expected["results"] = kept;
      expected["total"] = total;
      expected["offset"] = page.offset;
      expected["limit"] = page.limit;
      EXPECT_EQ(*(t_.engine.*paged_fn)(t_.key, page), expected)
          << "offset " << page.offset << " limit " << page.limit;
    }
  }
}

TEST_F(InspectionTest, TimelineIsEveryRecordNewestFirstEffectsBeforeCauses) {
  // The order the whole views give: by time, then outbound, send, run,
  // inbound within one instant, then creation order.
  std::vector<std::tuple<TimePoint, int, std::size_t, std::string>> expected;
  auto add = [&](const json& view, int phase, auto at_of) {
    for (std::size_t i = 0; i < view["results"].size(); ++i) {
      const json& item = view["results"][i];
      expected.emplace_back(at_of(item), phase, i,
                            item["id"].is_string() ? item["id"].get<std::string>() : std::string());
    }
  };
  auto iso = [](const char* field) {
    return [field](const json& item) { return *ParseIso8601(item[field].get<std::string>()); };
  };
  add(t_.Journal(), 0, iso("received_at"));
  add(t_.Runs(), 1, iso("created_at"));
  add(t_.Messages(), 2, [](const json& item) { return item["enqueued"].get<TimePoint>(); });
  add(t_.Outbox(), 3, iso("created_at"));
  std::sort(expected.rbegin(), expected.rend());

  const std::vector<TimelineRow> rows = All();
  ASSERT_EQ(rows.size(), expected.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    // A replayed duplicate shares its first entry's id; its row id is "<id>#<n>".
    EXPECT_EQ(rows[i].id.substr(0, rows[i].id.find('#')), std::get<3>(expected[i])) << i;
    EXPECT_EQ(rows[i].at, std::get<0>(expected[i])) << i;
  }
  EXPECT_EQ(Timeline({}).total, rows.size());
  // The engagement's outbound call is the newest row.
  EXPECT_EQ(rows.front().kind, "outbound");
  EXPECT_EQ(rows.front().name, "Message Opened");
}

TEST_F(InspectionTest, RowsAreTheSameWhateverPageHoldsThem) {
  const std::vector<TimelineRow> rows = All();
  for (std::size_t size : {1u, 2u, 3u, 7u}) {
    std::vector<TimelineRow> paged;
    for (std::size_t offset = 0; offset < rows.size(); offset += size) {
      TimelineQuery query;
      query.offset = offset;
      query.limit = size;
      TimelinePage page = Timeline(query);
      EXPECT_EQ(page.total, rows.size());
      paged.insert(paged.end(), page.rows.begin(), page.rows.end());
    }
    ASSERT_EQ(paged.size(), rows.size()) << size;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(paged[i].id, rows[i].id) << size;
      EXPECT_EQ(paged[i].label, rows[i].label) << size;
      EXPECT_EQ(paged[i].links, rows[i].links) << size << " " << rows[i].id;
      EXPECT_EQ(paged[i].leads_to, rows[i].leads_to) << size << " " << rows[i].id;
    }
  }
}

TEST_F(InspectionTest, RowsLinkCausesAndEffects) {
  const std::vector<TimelineRow> rows = All();
  // The event-map send and the inbound event that made it.
  const TimelineRow* order = Row(rows, order_inbound_);
  ASSERT_NE(order, nullptr);
  EXPECT_EQ(order->kind, "segment");
  EXPECT_EQ(order->leads_to, std::vector<std::string>{order_message_});
  const TimelineRow* message = Row(rows, order_message_);
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(message->links, std::vector<std::string>{order_inbound_});
  // Its outbound calls, in the order they were made (the open came last).
  std::vector<std::string> calls;
  std::vector<std::string> names;
  const json outbox = t_.Outbox();
  for (const json& call : outbox["results"]) {
    if (call["event"]["properties"]["messageId"] == order_message_) {
      calls.push_back(call["id"]);
      names.push_back(call["event"]["event"]);
    }
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"Message Sent", "Message Delivered", "Message Opened"}));
  EXPECT_EQ(message->leads_to, calls);
  for (const std::string& call : calls) {
    EXPECT_EQ(Row(rows, call)->links, std::vector<std::string>{order_message_});
  }
  // The delayed run: started by its inbound event, sent one message.
  const TimelineRow* checkout = Row(rows, checkout_inbound_);
  ASSERT_NE(checkout, nullptr);
  ASSERT_EQ(checkout->leads_to.size(), 1u);
  const TimelineRow* run = Row(rows, checkout->leads_to[0]);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->kind, "run");
  EXPECT_EQ(run->status, "PROCESSED");
  EXPECT_EQ(run->links, std::vector<std::string>{checkout_inbound_});
  ASSERT_EQ(run->leads_to.size(), 1u);
  EXPECT_EQ(Row(rows, run->leads_to[0])->links, std::vector<std::string>{run->id});
  // The replayed duplicate has a row of its own, linking nothing.
  const TimelineRow* replay = nullptr;
  for (const TimelineRow& row : rows) {
    if (row.status == "duplicate") replay = &row;
  }
  ASSERT_NE(replay, nullptr);
  EXPECT_EQ(replay->id.rfind(checkout_inbound_ + "#", 0), 0u) << replay->id;
  EXPECT_TRUE(replay->leads_to.empty());
  // An API send has no cause in the timeline.
  EXPECT_TRUE(Row(rows, api_message_)->links.empty());
}

TEST_F(InspectionTest, WaitingRunShowsWhenItIsDue) {
  TestEngine t(CheckoutWorkspace());
  TrackFromAnn(t, "Checkout Page Visited", "seg-1");
  TimelineQuery runs;
  runs.kind = "run";
  TimelinePage page = *t.engine.Timeline(t.key, runs);
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].status, "WAITING");
  EXPECT_EQ(page.rows[0].label,
            "run checkout, due " + FormatIso8601(testing::kTestStart + 2 * kHour));
  EXPECT_EQ(page.rows[0].user, "ann");
}

TEST_F(InspectionTest, FiltersCountEveryMatchingRow) {
  const std::vector<TimelineRow> rows = All();
  auto count = [&](auto keep) {
    return static_cast<std::size_t>(std::count_if(rows.begin(), rows.end(), keep));
  };
  TimelineQuery outbound;
  outbound.kind = "outbound";
  outbound.limit = 2;
  TimelinePage page = Timeline(outbound);
  EXPECT_EQ(page.total, count([](const TimelineRow& r) { return r.kind == "outbound"; }));
  ASSERT_EQ(page.rows.size(), 2u);
  EXPECT_EQ(page.rows[0].kind, "outbound");
  TimelineQuery opened;
  opened.event = "message OPENED";
  EXPECT_EQ(Timeline(opened).total, 1u);
  TimelineQuery processed;
  processed.status = "processed";
  EXPECT_EQ(Timeline(processed).total, 2u);  // both runs
  TimelineQuery ann;
  ann.user = "ann";
  EXPECT_EQ(Timeline(ann).total, count([](const TimelineRow& r) { return r.user == "ann"; }));
  TimelineQuery nobody;
  nobody.user = "nobody";
  EXPECT_EQ(Timeline(nobody).total, 0u);
  EXPECT_TRUE(Timeline(nobody).rows.empty());
}

TEST_F(InspectionTest, CountsAreTheViewsCountedByStatus) {
  auto count = [](const json& view, const char* field) {
    json counts = json::object();
    for (const json& item : view["results"]) {
      std::string value = item[field];
      counts[value] = counts.value(value, 0) + 1;
    }
    return counts;
  };
  const json journal = t_.Journal(), runs = t_.Runs(), messages = t_.Messages(),
             outbox = t_.Outbox();
  const json expected = {{"inbound", count(journal, "outcome")},
                         {"runs", count(runs, "status")},
                         {"messages", count(messages, "status")},
                         {"outbound", count(outbox, "state")},
                         {"totals",
                          {{"inbound", journal["results"].size()},
                           {"runs", runs["results"].size()},
                           {"messages", messages["results"].size()},
                           {"outbound", outbox["results"].size()}}}};
  EXPECT_EQ(*t_.engine.InspectionCounts(t_.key), expected);
  EXPECT_EQ(expected["inbound"]["duplicate"], 1);
}

TEST_F(InspectionTest, InspectRecordIsTheViewsEntryAndItsRow) {
  std::map<std::string, json> entries;  // "family/id" -> view entry
  const json journal = t_.Journal(), runs = t_.Runs(), messages = t_.Messages(),
             outbox = t_.Outbox();
  for (const json& e : journal["results"]) {
    if (e["outcome"] != "duplicate") entries["inbound/" + e["id"].get<std::string>()] = e;
  }
  for (const json& e : runs["results"]) entries["run/" + e["id"].get<std::string>()] = e;
  for (const json& e : messages["results"]) entries["send/" + e["id"].get<std::string>()] = e;
  for (const json& e : outbox["results"]) entries["outbound/" + e["id"].get<std::string>()] = e;
  for (const TimelineRow& row : All()) {
    auto found = t_.engine.InspectRecord(t_.key, row.kind, row.id);
    ASSERT_TRUE(found.ok()) << row.kind << " " << row.id << ": " << found.status().ToString();
    EXPECT_EQ(found->row.id, row.id);
    EXPECT_EQ(found->row.label, row.label);
    EXPECT_EQ(found->row.links, row.links) << row.id;
    EXPECT_EQ(found->row.leads_to, row.leads_to) << row.id;
    const std::string family = row.kind == "segment" ? "inbound" : row.kind;
    if (row.status == "duplicate") {
      EXPECT_EQ(found->record["outcome"], "duplicate");
      continue;
    }
    EXPECT_EQ(found->record, entries.at(family + "/" + row.id)) << row.id;
  }
}

TEST(InspectionRetentionTest, RowIdsStayWhileOlderEntriesAreDropped) {
  EngineOptions options;
  options.retention.journal = 3;
  TestEngine t(CheckoutWorkspace(), options);
  const std::string first = TrackFromAnn(t, "Checkout Page Visited", "seg-1");
  TrackFromAnn(t, "Checkout Page Visited", "seg-1");  // replayed: journal entry 1
  auto replay_row = [&] {
    TimelineQuery query;
    query.status = "duplicate";
    TimelinePage page = *t.engine.Timeline(t.key, query);
    return page.rows.empty() ? std::string() : page.rows[0].id;
  };
  EXPECT_EQ(replay_row(), first + "#1");
  TrackFromAnn(t, "Nothing Mapped", "seg-2");
  TrackFromAnn(t, "Nothing Mapped", "seg-3");  // the first entry is dropped
  EXPECT_EQ(replay_row(), first + "#1");
  EXPECT_TRUE(t.engine.InspectRecord(t.key, "segment", first + "#1").ok());
  EXPECT_EQ(t.engine.InspectRecord(t.key, "segment", first).status().http_status(), 404);
  // The run still names the inbound event that started it.
  TimelineQuery runs;
  runs.kind = "run";
  EXPECT_EQ(t.engine.Timeline(t.key, runs)->rows.at(0).links, std::vector<std::string>{first});
}

TEST(OutboundCallFieldsTest, ReadFromTheTextAsTheParsedCallSaysThem) {
  auto call = [](std::string text) {
    OutboxEntry entry;
    entry.event = CallText(SharedText::Copy(text));
    return entry;
  };
  const std::string head = R"({"context":{"library":{"name":"mock-courier"}},"event":)";
  // As EmitOutboundWith writes it, with escapes, and a property value that
  // holds the text of the last key.
  const OutboxEntry written =
      call(head + R"("Message \"Sent\"","messageId":"o-1","properties":{"messageId":"m-1",)" +
           R"("note":",\"type\":\"track\",\"userId\":\"x\""},)" +
           R"("timestamp":"2026-01-05T09:00:00.000Z","type":"track","userId":"a\"b\\c \u00e9"})");
  const Json parsed = Json::parse(*written.event.Text());
  EXPECT_EQ(OutboundEventName(written), parsed["event"].get<std::string>());
  EXPECT_EQ(OutboundEventName(written), "Message \"Sent\"");
  EXPECT_EQ(OutboundUserId(written), parsed["userId"].get<std::string>());
  EXPECT_EQ(OutboundMessageId(written), "m-1");
  // Another shape is parsed.
  const OutboxEntry other = call(R"({"userId":"u-2","event":"Other","properties":{}})");
  EXPECT_EQ(OutboundEventName(other), "Other");
  EXPECT_EQ(OutboundUserId(other), "u-2");
  EXPECT_EQ(OutboundMessageId(other), "");
}

class InspectionBadInputTest : public InspectionTest {};

TEST_F(InspectionBadInputTest, UnknownRecordsAndKindsAreErrors) {
  auto missing = t_.engine.InspectRecord(t_.key, "run", "nope");
  EXPECT_EQ(missing.status().http_status(), 404);
  EXPECT_EQ(missing.status().message(), "No run with id 'nope'");
  // A message id is not a run id.
  EXPECT_EQ(t_.engine.InspectRecord(t_.key, "run", api_message_).status().http_status(), 404);
  EXPECT_EQ(t_.engine.InspectRecord(t_.key, "spaceship", "x").status().http_status(), 400);
  EXPECT_EQ(t_.engine.Timeline("unknown-key", {}).status().http_status(), 401);
  EXPECT_EQ(t_.engine.InspectionCounts("unknown-key").status().http_status(), 401);
  // A limit as large as size_t holds does not wrap around past the offset.
  const std::size_t total = t_.Messages()["results"].size();
  EXPECT_EQ(
      (*t_.engine.Messages(t_.key, ViewPage{1, std::numeric_limits<std::size_t>::max()}))["results"]
          .size(),
      total - 1);
  TimelineQuery all;
  all.offset = 1;
  all.limit = std::numeric_limits<std::size_t>::max();
  EXPECT_EQ(Timeline(all).rows.size(), All().size() - 1);
}

}  // namespace
}  // namespace mock_courier
