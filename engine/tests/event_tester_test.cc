// Segment Event Tester events (messageId "segment-test-message-..."): Courier
// does not deduplicate them
// (https://www.courier.com/docs/external-integrations/cdp/segment), so every
// effect of a repeated tester event runs again. One test per kind of effect;
// the ordinary-id counterparts are in segment_inbound_test.cc and
// messages_test.cc (MappedSendTest.SameSegmentMessageIdNeverSendsTwice).
#include <gtest/gtest.h>

#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::TestEngine;

constexpr const char* kTesterId = "segment-test-message-a8rmf";

json Workspace() {
  return R"({
    "api_keys": ["k"],
    "segment": {"source_write_keys": ["src-key"], "destination": "actions"},
    "notifications": [
      {"id": "welcome", "channels": ["email"], "content": {"email": {"subject": "Hi"}}}
    ],
    "event_maps": {"Segment-TrackEvent:Order Completed": "welcome"},
    "lists": [{"id": "vip", "subscribers": ["ann", "bob"]}],
    "profiles": {"ann": {"email": "ann@example.com"}, "bob": {"email": "bob@example.com"}},
    "automations": [
      {"id": "reminder", "trigger": "track/Checkout Page Visited",
       "steps": [{"action": "delay", "duration": "2 hours"}]},
      {"id": "on-identify", "trigger": "identify",
       "steps": [{"action": "delay", "duration": "1 hour"}]},
      {"id": "on-group", "trigger": "group",
       "steps": [{"action": "delay", "duration": "1 hour"}]}
    ]
  })"_json;
}

// Sends `event` twice to /inbound/segment; both must be accepted with fresh ids.
void SendTwice(TestEngine& t, const json& event) {
  auto first = t.engine.SegmentInbound(t.key, event);
  auto second = t.engine.SegmentInbound(t.key, event);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_NE(first->body["messageId"], second->body["messageId"]);
}

TEST(EventTesterTest, RepeatedTesterTrackSendsTheMappedMessageAgain) {
  TestEngine t(Workspace());
  SendTwice(t, TestEngine::Track("Order Completed", "ann", kTesterId));
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_NE(messages[0]["id"], messages[1]["id"]);
  json journal = t.Journal()["results"];
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_EQ(journal[1]["outcome"], "accepted");
  EXPECT_NE(journal[0]["effects"]["messages"], journal[1]["effects"]["messages"]);
}

TEST(EventTesterTest, RepeatedTesterTrackSendsToTheListAgain) {
  TestEngine t(Workspace());
  SendTwice(
      t, TestEngine::Track("Order Completed", "ann", kTesterId, {{"courier", {{"list", "vip"}}}}));
  EXPECT_EQ(t.Messages()["results"].size(), 4u);
}

TEST(EventTesterTest, RepeatedTesterTrackStartsTheAutomationAgain) {
  TestEngine t(Workspace());
  SendTwice(t, TestEngine::Track("Checkout Page Visited", "ann", kTesterId));
  json runs = t.Runs()["results"];
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_NE(runs[0]["id"], runs[1]["id"]);
  EXPECT_EQ(runs[0]["status"], "WAITING");
  EXPECT_EQ(runs[1]["status"], "WAITING");
}

TEST(EventTesterTest, RepeatedTesterIdentifyMergesTheTraitsAgain) {
  TestEngine t(Workspace());
  json identify = TestEngine::Identify("ann", kTesterId, {{"plan", "pro"}});
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, identify).ok());
  ASSERT_TRUE(
      t.engine.Call(t.key, "POST", "/profiles/ann", {{"profile", {{"plan", "free"}}}}).ok());
  ASSERT_EQ(t.Profile("ann")["plan"], "free");
  // The same tester event again: the merge runs again and overwrites the change.
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, identify).ok());
  EXPECT_EQ(t.Profile("ann")["plan"], "pro");
  EXPECT_EQ(t.Runs()["results"].size(), 2u);  // The identify automation, twice.
}

TEST(EventTesterTest, RepeatedTesterGroupStartsTheAutomationAgain) {
  TestEngine t(Workspace());
  json group = {{"type", "group"},
                {"userId", "ann"},
                {"groupId", "acme"},
                {"messageId", kTesterId},
                {"traits", {{"name", "Acme"}}}};
  SendTwice(t, group);
  ASSERT_EQ(t.Runs()["results"].size(), 2u);
  json journal = t.Journal()["results"];
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_NE(journal[0]["effects"]["runs"], journal[1]["effects"]["runs"]);
}

TEST(EventTesterTest, RepeatedTesterAudienceEnteredSubscribesAgain) {
  TestEngine t(Workspace());
  auto membership = [](const std::string& event, const std::string& message_id, bool in) {
    return json{{"type", "track"},
                {"event", event},
                {"userId", "ann"},
                {"messageId", message_id},
                {"properties", {{"audience_key", "vip_buyers"}, {"vip_buyers", in}}},
                {"context",
                 {{"personas",
                   {{"computation_class", "audience"},
                    {"computation_id", "aud_456"},
                    {"computation_key", "vip_buyers"}}}}}};
  };
  auto subscribers = [&] {
    auto subs = t.engine.Call(t.key, "GET", "/lists/vip_buyers-aud_456/subscriptions");
    EXPECT_TRUE(subs.ok()) << subs.status().ToString();
    return subs.ok() ? subs->body["items"].size() : 0u;
  };
  json entered = membership("Audience Entered", kTesterId, true);
  ASSERT_TRUE(t.engine.SegmentTrackingReceive("src-key", entered, "/v1/track").ok());
  EXPECT_EQ(subscribers(), 1u);
  ASSERT_TRUE(t.engine
                  .SegmentTrackingReceive("src-key",
                                          membership("Audience Exited", "engage-exited-1", false),
                                          "/v1/track")
                  .ok());
  EXPECT_EQ(subscribers(), 0u);
  ASSERT_TRUE(t.engine.SegmentTrackingReceive("src-key", entered, "/v1/track").ok());
  EXPECT_EQ(subscribers(), 1u);
}

}  // namespace
}  // namespace mock_courier
