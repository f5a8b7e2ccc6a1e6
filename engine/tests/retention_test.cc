// Bounded retention (mock_courier/retention.h): finished work is capped per
// workspace, oldest-finished first; waiting work is never dropped; dedupe
// records expire with their 24 h window.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fake_segment.h"
#include "mock_courier/retention.h"
#include "mock_courier/testing/checkout_workspace.h"
#include "mock_courier/testing/engine_fixture.h"
#include "workspace_state.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::CheckoutWorkspace;
using testing::SendReminderToAnn;
using testing::TestEngine;
using testing::TrackFromAnn;

EngineOptions WithRetention(const std::string& spec) {
  EngineOptions options;
  auto parsed = ParseRetention(spec);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  if (parsed.ok()) options.retention = *parsed;
  return options;
}

std::vector<std::string> Ids(const json& view, const char* field = "id") {
  std::vector<std::string> ids;
  for (const json& item : view["results"]) ids.push_back(item[field].get<std::string>());
  return ids;
}

TEST(RetentionParseTest, OneCountSetsEveryKind) {
  auto parsed = ParseRetention("7");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, (Retention{7, 7, 7, 7, 7}));
}

TEST(RetentionParseTest, PairsOverrideTheDefaults) {
  auto parsed = ParseRetention("messages=3,runs=0,received=9");
  ASSERT_TRUE(parsed.ok());
  Retention expected;
  expected.messages = 3;
  expected.runs = 0;
  expected.received = 9;
  EXPECT_EQ(*parsed, expected);
}

TEST(RetentionParseTest, BadSpecsNameTheProblem) {
  const std::string kinds =
      " (expected a count for every kind, or KIND=N pairs separated by commas; kinds: messages, "
      "runs, journal, outbox, received; 0 = unlimited)";
  EXPECT_EQ(ParseRetention("messages").status().message(),
            "retention: 'messages' is not KIND=N" + kinds);
  EXPECT_EQ(ParseRetention("messages=-1").status().message(),
            "retention: '-1' is not a count" + kinds);
  EXPECT_EQ(ParseRetention("emails=3").status().message(),
            "retention: unknown kind 'emails'" + kinds);
  EXPECT_EQ(ParseRetention("runs=3,").status().message(), "retention: a trailing comma" + kinds);
  EXPECT_EQ(ParseRetention("").status().message(), "retention: an empty value" + kinds);
}

TEST(RetentionTest, FinishedMessagesBeyondTheCapGoOldestFirst) {
  TestEngine t(CheckoutWorkspace(), WithRetention("messages=3"));
  std::vector<std::string> sent;
  for (int i = 0; i < 5; ++i) sent.push_back(SendReminderToAnn(t));
  json view = t.Messages();
  EXPECT_EQ(Ids(view), (std::vector<std::string>{sent[2], sent[3], sent[4]}));
  EXPECT_EQ(view["evicted"], 2);
  // An evicted message is gone from the Courier API too.
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages/" + sent[0]).status().http_status(), 404);
  EXPECT_TRUE(t.engine.Call(t.key, "GET", "/messages/" + sent[4]).ok());
}

TEST(RetentionTest, ZeroKeepsEverything) {
  TestEngine t(CheckoutWorkspace(), WithRetention("0"));
  for (int i = 0; i < 30; ++i) SendReminderToAnn(t);
  json view = t.Messages();
  EXPECT_EQ(view["results"].size(), 30u);
  EXPECT_EQ(view["evicted"], 0);
}

TEST(RetentionTest, DelayedMessagesAreNeverDroppedWhileTheyWait) {
  TestEngine t(CheckoutWorkspace(), WithRetention("messages=1"));
  auto delayed = t.engine.Send(t.key, {{"message",
                                        {{"to", {{"user_id", "ann"}}},
                                         {"template", "reminder"},
                                         {"delay", {{"duration", 60000}}}}}});
  ASSERT_TRUE(delayed.ok()) << delayed.status().ToString();
  const std::string waiting = delayed->body["requestId"];
  for (int i = 0; i < 4; ++i) SendReminderToAnn(t);
  json view = t.Messages();
  ASSERT_EQ(view["results"].size(), 2u);
  EXPECT_EQ(view["results"][0]["id"], waiting);
  EXPECT_EQ(view["results"][0]["status"], "ENQUEUED");
  EXPECT_EQ(view["evicted"], 3);
  t.Advance(kMinute);
  EXPECT_EQ(Ids(t.Messages()), (std::vector<std::string>{waiting}));
}

TEST(RetentionTest, WaitingRunsStayAndFinishedRunsAreCapped) {
  TestEngine t(CheckoutWorkspace(), WithRetention("runs=2,messages=0"));
  for (int i = 0; i < 4; ++i) TrackFromAnn(t, "Checkout Page Visited", "w" + std::to_string(i));
  for (int i = 0; i < 5; ++i) TrackFromAnn(t, "Instant", "i" + std::to_string(i));
  json runs = t.Runs();
  // Four waiting runs, and the two newest finished ones.
  ASSERT_EQ(runs["results"].size(), 6u);
  int waiting = 0;
  for (const json& run : runs["results"]) waiting += run["status"] == "WAITING";
  EXPECT_EQ(waiting, 4);
  EXPECT_EQ(runs["evicted"], 3);
  // Once the delays fire, the waiting runs finish and fall under the cap too.
  t.Advance(2 * kHour);
  runs = t.Runs();
  ASSERT_EQ(runs["results"].size(), 2u);
  for (const json& run : runs["results"]) EXPECT_EQ(run["status"], "PROCESSED");
  EXPECT_EQ(runs["evicted"], 7);
  // Every reminder was still sent: eviction never dropped waiting work.
  EXPECT_EQ(t.Messages()["results"].size(), 9u);
}

TEST(RetentionTest, JournalKeepsTheNewestEntries) {
  TestEngine t(CheckoutWorkspace(), WithRetention("journal=2"));
  for (int i = 0; i < 5; ++i) TrackFromAnn(t, "Nothing Mapped", "j" + std::to_string(i));
  json journal = t.Journal();
  ASSERT_EQ(journal["results"].size(), 2u);
  EXPECT_EQ(journal["results"][0]["payload"]["messageId"], "j3");
  EXPECT_EQ(journal["results"][1]["payload"]["messageId"], "j4");
  EXPECT_EQ(journal["evicted"], 3);
}

TEST(RetentionTest, JournalKeepsAtMostItsByteBoundOfHugeEvents) {
  TestEngine t(CheckoutWorkspace());
  const std::string huge(1 << 20, 'x');  // A 1 MB event name, as a hostile client sends.
  const int events = static_cast<int>(kJournalBytes / (2 << 20)) + 8;
  for (int i = 0; i < events; ++i) TrackFromAnn(t, huge, "h" + std::to_string(i));
  json journal = t.Journal();
  // Each entry holds the name twice (event and payload): ~2 MB.
  const std::size_t kept = journal["results"].size();
  EXPECT_LE(kept * (2u << 20), kJournalBytes);
  EXPECT_GE(kept + 1, kJournalBytes / ((2u << 20) + 200));
  EXPECT_EQ(journal["evicted"], events - static_cast<int>(kept));
  EXPECT_EQ(journal["results"].back()["payload"]["messageId"], "h" + std::to_string(events - 1));
}

TEST(RetentionTest, DeliveredOutboundCallsAreCappedUndeliveredKept) {
  EngineOptions options = WithRetention("outbox=2");
  options.deliver_outbound_to_fake_segment = false;  // The server's worker delivers.
  TestEngine t(CheckoutWorkspace(), options);
  SendReminderToAnn(t);
  SendReminderToAnn(t);  // Four calls: Message Sent and Message Delivered for each.
  ASSERT_EQ(t.Outbox()["results"].size(), 4u);
  std::vector<OutboundCall> batch = t.engine.TakeOutboundBatch(10);
  ASSERT_EQ(batch.size(), 4u);
  // A failed call is not delivered: kept.
  t.engine.MarkOutbound(t.key, batch[0].outbox_id, DeliveryState::kFailed, 5, "HTTP 500");
  for (std::size_t i = 1; i < batch.size(); ++i) {
    t.engine.MarkOutbound(t.key, batch[i].outbox_id, DeliveryState::kDelivered, 1, "");
  }
  json outbox = t.Outbox();
  EXPECT_EQ(Ids(outbox),
            (std::vector<std::string>{batch[0].outbox_id, batch[2].outbox_id, batch[3].outbox_id}));
  EXPECT_EQ(outbox["evicted"], 1);
  EXPECT_TRUE(t.engine.TakeOutboundBatch(10).empty());
}

TEST(RetentionTest, FakeSegmentKeepsTheNewestCalls) {
  TestEngine t(CheckoutWorkspace(), WithRetention("received=3"));
  SendReminderToAnn(t);
  SendReminderToAnn(t);  // Four outbound calls delivered to the fake Segment API.
  json received = t.engine.SegmentReceived("wk");
  EXPECT_EQ(received["results"].size(), 3u);
  EXPECT_EQ(received["evicted"], 1);
}

// Calls share the write keys, paths and origins they name, up to a bound; a
// client sending more distinct write keys than that gets its calls recorded
// and filtered the same.
TEST(RetentionTest, FakeSegmentRecordsEveryWriteKeyPastItsSharedNames) {
  FakeSegment fake(0);
  for (int i = 0; i < 300; ++i) {
    const std::string key = "key-" + std::to_string(i);
    fake.Record(key, json{{"n", i}}, i % 2 == 0 ? "/v1/track" : "/v1/batch", "http", i);
    fake.Record(key, json{{"n", -i}}, "/v1/identify", "courier-outbound", i);
  }
  EXPECT_EQ(fake.size(), 600u);
  for (int i : {0, 255, 256, 299}) {
    const json received = fake.Received("key-" + std::to_string(i));
    ASSERT_EQ(received["results"].size(), 2u) << i;
    EXPECT_EQ(received["results"][0]["write_key"], "key-" + std::to_string(i));
    EXPECT_EQ(received["results"][0]["path"], i % 2 == 0 ? "/v1/track" : "/v1/batch");
    EXPECT_EQ(received["results"][0]["origin"], "http");
    EXPECT_EQ(received["results"][0]["event"], (json{{"n", i}}));
    EXPECT_EQ(received["results"][1]["path"], "/v1/identify");
    EXPECT_EQ(received["results"][1]["origin"], "courier-outbound");
  }
  fake.ClearWriteKey("key-299");
  EXPECT_EQ(fake.size(), 598u);
  EXPECT_TRUE(fake.Received("key-299")["results"].empty());
  fake.Clear();
  fake.Record("key-1", json::object(), "/v1/track", "http", 0);
  EXPECT_EQ(fake.Received("")["results"][0]["write_key"], "key-1");
}

TEST(RetentionTest, WorkspaceSettingOverridesTheEngine) {
  json ws = CheckoutWorkspace();
  ws["retention"] = {{"messages", 1}};
  TestEngine t(ws, WithRetention("messages=100"));
  SendReminderToAnn(t);
  std::string last = SendReminderToAnn(t);
  EXPECT_EQ(Ids(t.Messages()), (std::vector<std::string>{last}));
}

TEST(RetentionTest, BadWorkspaceSettingIsRefusedWithItsPath) {
  ManualClock clock(testing::kTestStart);
  Engine engine(clock);
  json ws = CheckoutWorkspace();
  ws["retention"] = {{"messages", -1}};
  Status status = engine.PutWorkspace(ws);
  EXPECT_EQ(status.http_status(), 400);
  EXPECT_EQ(status.message(),
            "workspace: /retention/messages: expected a count (0 = unlimited), got number");
  ws["retention"] = {{"emails", 1}};
  EXPECT_EQ(engine.PutWorkspace(ws).message(),
            "workspace: /retention/emails: unknown key (expected one of: journal, messages, "
            "outbox, runs)");
  EXPECT_FALSE(engine.HasApiKey("k"));
}

TEST(RetentionTest, ResetClearsTheEvictedCounts) {
  TestEngine t(CheckoutWorkspace(), WithRetention("messages=1"));
  SendReminderToAnn(t);
  SendReminderToAnn(t);
  ASSERT_EQ(t.Messages()["evicted"], 1);
  ASSERT_TRUE(t.engine.Reset(t.key).ok());
  EXPECT_EQ(t.Messages()["evicted"], 0);
  EXPECT_TRUE(t.Messages()["results"].empty());
}

// Courier keeps idempotency records 24 h
// (https://www.courier.com/docs/reference/idempotent-requests); a Segment messageId is such a key
// (docs/fidelity.md).
TEST(DedupeExpiryTest, RepeatedSegmentMessageIdReplaysWithinADay) {
  TestEngine t(CheckoutWorkspace());
  std::string first = TrackFromAnn(t, "Order Completed", "m-1");
  t.Advance(23 * kHour);
  EXPECT_EQ(TrackFromAnn(t, "Order Completed", "m-1"), first);
  EXPECT_EQ(t.Messages()["results"].size(), 1u);
}

TEST(DedupeExpiryTest, RepeatedSegmentMessageIdAfterADayIsNew) {
  TestEngine t(CheckoutWorkspace());
  std::string first = TrackFromAnn(t, "Order Completed", "m-1");
  t.Advance(kDay + kMinute);
  std::string second = TrackFromAnn(t, "Order Completed", "m-1");
  EXPECT_NE(second, first);
  EXPECT_EQ(t.Messages()["results"].size(), 2u);
}

TEST(DedupeExpiryTest, CourierInboundMessageIdConflictsForADay) {
  TestEngine t(CheckoutWorkspace());
  const json body = {{"event", "Signed Up"},
                     {"messageId", "c-1"},
                     {"properties", json::object()},
                     {"type", "track"}};
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/inbound/courier", body).ok());
  t.Advance(23 * kHour);
  EXPECT_EQ(t.engine.Call(t.key, "POST", "/inbound/courier", body).status().http_status(), 409);
  t.Advance(kHour + kMinute);
  auto again = t.engine.Call(t.key, "POST", "/inbound/courier", body);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->status, 202);
}

TEST(DedupeExpiryTest, IdempotencyKeyIsForgottenAfterItsExpiry) {
  TestEngine t(CheckoutWorkspace());
  auto begun = t.engine.BeginIdempotent(t.key, "key-1", "/send", std::nullopt);
  ASSERT_TRUE(begun.ok());
  ASSERT_FALSE(begun->has_value());
  t.engine.FinishIdempotent(t.key, "key-1", "/send", Reply{202, {{"requestId", "r-1"}}}, true);
  auto replay = t.engine.BeginIdempotent(t.key, "key-1", "/send", std::nullopt);
  ASSERT_TRUE(replay.ok() && replay->has_value());
  EXPECT_EQ((*replay)->body["requestId"], "r-1");
  t.Advance(kDay + kMinute);
  auto fresh = t.engine.BeginIdempotent(t.key, "key-1", "/send", std::nullopt);
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->has_value());
}

// A triggered run's template root (its event name) is one value shared by
// the runs of that event; the table of shared names is bounded, and names
// past its cap are still given, unshared.
TEST(RetentionTest, SharedNamesAreSharedUpToTheirCap) {
  WorkspaceState ws(WorkspaceDefinition{}, Retention{});
  const SharedJson first = ws.SharedName("Checkout Page Visited");
  EXPECT_EQ(ws.SharedName("Checkout Page Visited").get(), first.get());
  EXPECT_EQ(*first, "Checkout Page Visited");
  for (std::size_t i = 0; i < WorkspaceState::kSharedNames + 10; ++i) {
    (void)ws.SharedName("event " + std::to_string(i));
  }
  EXPECT_EQ(ws.shared_names.size(), WorkspaceState::kSharedNames);
  const SharedJson beyond = ws.SharedName("beyond the cap");
  EXPECT_EQ(*beyond, "beyond the cap");
  EXPECT_NE(ws.SharedName("beyond the cap").get(), beyond.get());
  EXPECT_EQ(ws.SharedName("Checkout Page Visited").get(), first.get());
  ws.ResetState(0);
  EXPECT_TRUE(ws.shared_names.empty());
}

// Profiles are hashed; a reset gives their table back (clearing it in place
// would keep an entry per profile a load test wrote) and restores the file's.
TEST(RetentionTest, AResetGivesTheProfilesTableBack) {
  WorkspaceDefinition definition;
  definition.profiles["from-file"] = Json{{"email", "f@example.com"}};
  WorkspaceState ws(std::move(definition), Retention{});
  ws.ResetState(0);
  const std::size_t idle_buckets = ws.profiles.table_size();
  for (int i = 0; i < 50000; ++i) ws.profiles["user-" + std::to_string(i)] = Json::object();
  ASSERT_GT(ws.profiles.table_size(), 50000u);
  ws.ResetState(0);
  EXPECT_EQ(ws.profiles.size(), 1u);
  ASSERT_NE(ws.profiles.find("from-file"), ws.profiles.end());
  EXPECT_EQ(ws.profiles.find("from-file")->second.get(), (Json{{"email", "f@example.com"}}));
  EXPECT_LE(ws.profiles.table_size(), idle_buckets);
}

}  // namespace
}  // namespace mock_courier
