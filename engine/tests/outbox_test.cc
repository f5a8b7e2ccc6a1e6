// Outbound Segment calls (https://www.courier.com/docs/external-integrations/cdp/segment): message
// status changes become Segment track calls in the outbox and the fake Segment API.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::TestEngine;

json Workspace(bool with_write_key = true) {
  json ws = R"({
    "api_keys": ["k"],
    "notifications": [{"id": "welcome", "channels": ["email"], "content": {"email": {"subject": "Hi"}}}],
    "providers": {"email": {"faults": [{"match": {"email_suffix": "@bounce.test"}}]}},
    "profiles": {"ann": {"email": "ann@example.com"}, "bad": {"email": "x@bounce.test"}, "none": {}}
  })"_json;
  if (with_write_key) ws["segment"] = {{"write_key", "wk"}};
  return ws;
}

std::vector<std::string> OutboxEvents(TestEngine& t) {
  std::vector<std::string> names;
  const json outbox = t.Outbox();
  for (const json& entry : outbox["results"]) names.push_back(entry["event"]["event"]);
  return names;
}

std::string Send(TestEngine& t, const std::string& user) {
  auto reply =
      t.engine.Send(t.key, {{"message", {{"to", {{"user_id", user}}}, {"template", "welcome"}}}});
  EXPECT_TRUE(reply.ok());
  return reply.ok() ? reply->body["requestId"].get<std::string>() : "";
}

// Checks that message `id`'s last outbound call holds its record, as
// `then` changes it into what it was when the call was made.
void ExpectLastCallHoldsTheRecord(
    TestEngine& t, const std::string& id, const std::string& user,
    const std::function<void(json&)>& then = [](json&) {}) {
  auto record = t.engine.Call(t.key, "GET", "/messages/" + id);
  ASSERT_TRUE(record.ok());
  json expected = record->body;
  then(expected);
  json last;
  const json outbox = t.Outbox();
  for (const json& entry : outbox["results"]) {
    if (entry["event"]["properties"]["id"] == id) last = entry["event"]["properties"];
  }
  ASSERT_FALSE(last.is_null()) << user;
  const json message = t.Messages()["results"].back();
  expected["channel"] = message["channel"];
  expected["messageId"] = id;
  expected["provider"] = message["provider"];
  expected["recipientId"] = user;
  EXPECT_EQ(last, expected) << user;
}

// The properties are written as text from the typed record: they must equal
// the GET /messages/{id} record plus channel, messageId, provider and recipientId.
TEST(OutboxTest, PropertiesAreTheMessageRecordPlusFourKeys) {
  json ws = Workspace();
  ws["providers"]["email"]["faults"] = {{{"match", {{"email_suffix", "@bounce.test"}}}}};
  TestEngine t(ws);
  for (const std::string user : {"ann", "bad"}) {
    ExpectLastCallHoldsTheRecord(t, Send(t, user), user);
  }
}

// A call keeps every provider the message tried (one is kept apart from
// more, see MessageCall), and none when none was tried.
TEST(OutboxTest, PropertiesHoldEveryProviderTried) {
  json ws = Workspace();
  ws["notifications"].push_back(
      {{"id", "both"},
       {"channels", {"email", "sms"}},
       {"content", {{"email", {{"subject", "Hi"}}}, {"sms", {{"body", "Hi"}}}}}});
  ws["profiles"]["cat"] = {{"email", "cat@example.com"}, {"phone_number", "+1555"}};
  TestEngine t(ws);
  auto both =
      t.engine.Send(t.key, {{"message",
                             {{"to", {{"user_id", "cat"}}},
                              {"template", "both"},
                              {"routing", {{"method", "all"}, {"channels", {"email", "sms"}}}}}}});
  ASSERT_TRUE(both.ok());
  const std::string id = both->body["requestId"];
  ASSERT_EQ(t.engine.Call(t.key, "GET", "/messages/" + id)->body["providers"].size(), 2u);
  // The last call is the message's DELIVERED, made when email delivered;
  // sms delivered after that, which changed no status and made no call.
  ExpectLastCallHoldsTheRecord(t, id, "cat", [](json& record) {
    json& sms = record["providers"][1];
    sms.erase("delivered");
    sms.erase("reference");
    sms["status"] = "SENT";
  });
  const std::string unroutable = Send(t, "none");
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages/" + unroutable)->body["status"], "UNROUTABLE");
  ExpectLastCallHoldsTheRecord(t, unroutable, "none");
}

TEST(OutboxTest, SentAndDeliveredBecomeTrackCalls) {
  TestEngine t(Workspace());
  std::string id = Send(t, "ann");
  EXPECT_EQ(OutboxEvents(t), (std::vector<std::string>{"Message Sent", "Message Delivered"}));
  json entry = t.Outbox()["results"][1];
  EXPECT_EQ(entry["state"], "delivered");
  EXPECT_EQ(entry["attempts"], 1);
  json call = entry["event"];
  EXPECT_EQ(call["type"], "track");
  EXPECT_EQ(call["userId"], "ann");
  EXPECT_EQ(call["messageId"], entry["id"]);
  EXPECT_EQ(call["timestamp"], "2026-01-05T09:00:00.000Z");
  EXPECT_EQ(call["context"], (json{{"library", {{"name", "mock-courier"}}}}));
  json p = call["properties"];
  EXPECT_EQ(p["id"], id);
  EXPECT_EQ(p["messageId"], id);
  EXPECT_EQ(p["recipientId"], "ann");
  EXPECT_EQ(p["status"], "DELIVERED");
  EXPECT_EQ(p["channel"], "email");
  EXPECT_EQ(p["provider"], "sendgrid");
  EXPECT_EQ(p["delivered"], testing::kTestStart);
  // Besides those four keys, the properties are the message record as it was.
  for (const char* key : {"messageId", "recipientId", "channel", "provider"}) p.erase(key);
  EXPECT_EQ(p, t.engine.Call(t.key, "GET", "/messages/" + id)->body);
}

// A call is kept typed and written when read: it still says what the message
// was when its status changed, not what it is now.
TEST(OutboxTest, EachCallSaysWhatTheMessageWasThen) {
  TestEngine t(Workspace());
  const std::string id = Send(t, "ann");
  const json results = t.Outbox()["results"];
  ASSERT_EQ(results.size(), 2u);
  const json sent = results[0]["event"]["properties"];
  EXPECT_EQ(sent["status"], "SENT");
  EXPECT_FALSE(sent.contains("delivered")) << sent.dump();
  EXPECT_EQ(sent["providers"][0]["status"], "SENT");
  EXPECT_FALSE(sent["providers"][0].contains("reference")) << sent.dump();
  const json delivered = results[1]["event"]["properties"];
  EXPECT_EQ(delivered["status"], "DELIVERED");
  EXPECT_EQ(delivered["providers"][0]["status"], "DELIVERED");
  EXPECT_EQ(delivered["providers"][0]["reference"], json({{"id", id + "/email"}}));
  // Engagement later changes the message, not the calls already made.
  ASSERT_TRUE(t.engine.Engage(id, {{"event", "opened"}}).ok());
  EXPECT_EQ(t.Outbox()["results"][1]["event"], results[1]["event"]);
}

// Calls are kept as JSON text written by hand: ids that need escaping must
// come back unchanged.
TEST(OutboxTest, IdsThatNeedEscapingSurviveTheCall) {
  TestEngine t(Workspace());
  const std::string user = "q\"uote\\back\nslash";
  auto reply = t.engine.Send(
      t.key,
      {{"message",
        {{"to", {{"user_id", user}, {"email", "q@example.com"}}}, {"template", "welcome"}}}});
  ASSERT_TRUE(reply.ok());
  json received = t.engine.SegmentReceived("wk")["results"];
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0]["event"]["userId"], user);
  EXPECT_EQ(received[0]["event"]["properties"]["recipientId"], user);
  EXPECT_EQ(received[0]["event"]["properties"]["recipient"], user);
}

TEST(OutboxTest, CallsReachTheFakeSegmentApi) {
  TestEngine t(Workspace());
  Send(t, "ann");
  json received = t.engine.SegmentReceived("wk")["results"];
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0]["origin"], "courier-outbound");
  EXPECT_EQ(received[0]["path"], "/v1/batch");
  EXPECT_EQ(received[0]["event"]["event"], "Message Sent");
}

TEST(OutboxTest, FailuresAndEngagementAreEmitted) {
  TestEngine t(Workspace());
  Send(t, "bad");
  Send(t, "none");
  std::string id = Send(t, "ann");
  ASSERT_TRUE(t.engine.Engage(id, {{"event", "clicked"}}).ok());
  EXPECT_EQ(OutboxEvents(t),
            (std::vector<std::string>{"Message Undeliverable", "Message Unroutable", "Message Sent",
                                      "Message Delivered", "Message Opened", "Message Clicked"}));
  EXPECT_EQ(t.Outbox()["results"][0]["event"]["properties"]["reason"], "BOUNCED");
}

TEST(OutboxTest, NothingWithoutAWriteKey) {
  TestEngine t(Workspace(false));
  Send(t, "ann");
  EXPECT_TRUE(t.Outbox()["results"].empty());
  EXPECT_TRUE(t.engine.SegmentReceived("")["results"].empty());
}

TEST(OutboxTest, EntriesWaitForTheServerWhenFakeDeliveryIsOff) {
  EngineOptions options;
  options.deliver_outbound_to_fake_segment = false;
  TestEngine t(Workspace(), options);
  Send(t, "ann");
  EXPECT_EQ(t.Outbox()["results"][0]["state"], "pending");
  EXPECT_TRUE(t.engine.SegmentReceived("wk")["results"].empty());
  std::vector<OutboundCall> batch = t.engine.TakeOutboundBatch(10);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].write_key, "wk");
  EXPECT_EQ(batch[0].outbox_id, t.Outbox()["results"][0]["id"]);
}

TEST(OutboxTest, IdsAreDeterministic) {
  TestEngine a(Workspace());
  TestEngine b(Workspace());
  Send(a, "ann");
  Send(b, "ann");
  EXPECT_EQ(a.Outbox(), b.Outbox());
}

TEST(OutboxTest, DelayedSendCanceledEmitsNothing) {
  TestEngine t(Workspace());
  auto reply = t.engine.Send(t.key, {{"message",
                                      {{"to", {{"user_id", "ann"}}},
                                       {"template", "welcome"},
                                       {"delay", {{"duration", 60000}}}}}});
  ASSERT_TRUE(reply.ok());
  ASSERT_TRUE(t.engine
                  .Call(t.key, "POST",
                        "/messages/" + reply->body["requestId"].get<std::string>() + "/cancel")
                  .ok());
  t.Advance(kHour);
  EXPECT_TRUE(t.Outbox()["results"].empty());
}

}  // namespace
}  // namespace mock_courier
