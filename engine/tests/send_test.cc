// POST /send v2 and v1: validation (https://www.courier.com/docs/reference/send/message),
// recipients, routing, rendering, simulated providers, delays and cancel.
#include <gtest/gtest.h>

#include <string>

#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::TestEngine;

// A workspace with an email/sms notification, an event map, a bouncing
// email provider, a list and a few profiles.
json Workspace() {
  return R"({
    "api_keys": ["k"],
    "segment": {"write_key": "wk"},
    "notifications": [
      {"id": "welcome", "channels": ["email", "sms"], "routing": "single",
       "content": {"email": {"subject": "Hi {{profile.name}}", "body": "Order {{orderId}} for {{recipient}}"},
                   "sms": {"body": "SMS {{data.orderId}}"}}},
      {"id": "both", "channels": ["email", "sms"], "routing": "all",
       "content": {"email": {"subject": "E"}, "sms": {"body": "S"}}},
      {"id": "news", "channels": ["email"], "subscription_topic": "marketing",
       "content": {"email": {"subject": "News"}}}
    ],
    "event_maps": {"order-placed": "welcome"},
    "providers": {"email": {"provider": "sendgrid",
                            "faults": [{"match": {"email_suffix": "@bounce.test"}, "reason": "BOUNCED",
                                        "error": "Mailbox does not exist"}]}},
    "lists": [{"id": "vip", "subscribers": ["ann", "bob"]}, {"id": "vip.eu", "subscribers": ["cy"]}],
    "profiles": {"ann": {"email": "ann@example.com", "name": "Ann"},
                 "bob": {"phone_number": "+15550001"},
                 "cy": {"email": "cy@example.com"},
                 "nobody": {}},
    "preferences": {"topics": [{"id": "marketing", "name": "Marketing", "default_status": "OPTED_IN"},
                               {"id": "beta", "name": "Beta", "default_status": "OPTED_OUT"}]}
  })"_json;
}

json Message(TestEngine& t, const std::string& id) {
  auto reply = t.engine.Call(t.key, "GET", "/messages/" + id);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body : json();
}

std::vector<std::string> HistoryTypes(TestEngine& t, const std::string& id) {
  std::vector<std::string> types;
  auto reply = t.engine.Call(t.key, "GET", "/messages/" + id + "/history");
  for (const json& item : reply->body["results"]) types.push_back(item["type"]);
  return types;
}

std::string SendV2(TestEngine& t, json message) {
  auto reply = t.engine.Send(t.key, {{"message", message}});
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply.ok() ? reply->status : 0, 202);
  return reply.ok() ? reply->body["requestId"].get<std::string>() : "";
}

// ---- v2 ---------------------------------------------------------------------

TEST(SendV2Test, SingleRecipientRequestIdIsTheMessageIdAndItIsDelivered) {
  TestEngine t(Workspace());
  std::string id = SendV2(
      t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}, {"data", {{"orderId", "42"}}}});
  json m = Message(t, id);
  EXPECT_EQ(m["id"], id);
  EXPECT_EQ(m["status"], "DELIVERED");
  EXPECT_EQ(m["recipient"], "ann");
  EXPECT_EQ(m["notification"], "welcome");
  EXPECT_EQ(m["enqueued"], testing::kTestStart);
  EXPECT_EQ(m["sent"], testing::kTestStart);
  EXPECT_EQ(m["delivered"], testing::kTestStart);
  ASSERT_EQ(m["providers"].size(), 1u);
  EXPECT_EQ(m["providers"][0]["channel"]["key"], "email");
  EXPECT_EQ(m["providers"][0]["provider"], "sendgrid");
  EXPECT_EQ(m["providers"][0]["status"], "DELIVERED");
  EXPECT_EQ(HistoryTypes(t, id), (std::vector<std::string>{"ENQUEUED", "MAPPED", "PROFILE_LOADED",
                                                           "RENDERED", "SENT", "DELIVERED"}));
}

TEST(SendV2Test, RendersDataProfileAndRecipientVariables) {
  TestEngine t(Workspace());
  std::string id = SendV2(
      t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}, {"data", {{"orderId", "42"}}}});
  json admin = t.Messages()["results"][0];
  EXPECT_EQ(admin["rendered"]["email"]["subject"], "Hi Ann");
  EXPECT_EQ(admin["rendered"]["email"]["body"], "Order 42 for ann");
  auto rendered =
      t.engine.Call(t.key, "GET", "/messages/" + id + "/history", {}, {{"type", "RENDERED"}});
  ASSERT_EQ(rendered->body["results"].size(), 1u);
  EXPECT_EQ(rendered->body["results"][0]["output"]["subject"], "Hi Ann");
  EXPECT_EQ(rendered->body["results"][0]["channel"]["id"], "email");
  EXPECT_EQ(rendered->body["results"][0]["integration"]["provider"], "sendgrid");
}

TEST(SendV2Test, SingleRoutingFallsBackToTheFirstChannelWithData) {
  TestEngine t(Workspace());
  std::string id = SendV2(
      t, {{"to", {{"user_id", "bob"}}}, {"template", "welcome"}, {"data", {{"orderId", "7"}}}});
  json m = Message(t, id);
  EXPECT_EQ(m["providers"][0]["channel"]["key"], "sms");
  EXPECT_EQ(m["providers"][0]["provider"], "twilio");
  EXPECT_EQ(t.Messages()["results"][0]["rendered"]["sms"]["body"], "SMS 7");
}

// A channel without a configured provider goes through the mock's default
// for it (docs/fidelity.md), and an unknown channel through one named after it.
TEST(SendV2Test, ChannelsWithoutAProviderUseTheDefaultOne) {
  TestEngine t(Workspace());
  const struct {
    const char* channel;
    const char* provider;
    json to;
  } cases[] = {
      {"sms", "twilio", {{"user_id", "u"}, {"phone_number", "+1555"}}},
      {"push", "firebase-fcm", {{"user_id", "u"}, {"firebaseToken", "token"}}},
      {"chat", "slack", {{"user_id", "u"}, {"slack", {{"access_token", "x"}, {"channel", "c"}}}}},
      {"inbox", "courier", {{"user_id", "u"}}},
      {"webhook", "webhook", {{"user_id", "u"}, {"webhook", {{"url", "https://example.com/h"}}}}},
      {"fax", "fax", {{"user_id", "u"}, {"fax", "+1555"}}},
  };
  for (const auto& c : cases) {
    const std::string id =
        SendV2(t, {{"to", c.to},
                   {"content", {{"title", "T"}, {"body", "B"}}},
                   {"routing", {{"method", "single"}, {"channels", {c.channel}}}}});
    const json m = Message(t, id);
    ASSERT_EQ(m["providers"].size(), 1u) << c.channel << " " << m.dump();
    EXPECT_EQ(m["providers"][0]["channel"]["key"], c.channel);
    EXPECT_EQ(m["providers"][0]["provider"], c.provider) << c.channel;
  }
}

TEST(SendV2Test, AllRoutingSendsOnEveryChannelWithData) {
  TestEngine t(Workspace());
  std::string id =
      SendV2(t, {{"to", {{"user_id", "ann"}, {"phone_number", "+1555"}}}, {"template", "both"}});
  json m = Message(t, id);
  ASSERT_EQ(m["providers"].size(), 2u);
  EXPECT_EQ(m["providers"][0]["channel"]["key"], "email");
  EXPECT_EQ(m["providers"][1]["channel"]["key"], "sms");
}

TEST(SendV2Test, RoutingOverridesTheNotificationChannels) {
  TestEngine t(Workspace());
  std::string id = SendV2(t, {{"to", {{"user_id", "ann"}, {"phone_number", "+1555"}}},
                              {"template", "welcome"},
                              {"routing", {{"method", "single"}, {"channels", {"sms"}}}}});
  EXPECT_EQ(Message(t, id)["providers"][0]["channel"]["key"], "sms");
}

TEST(SendV2Test, InlineContentGoesByEmailByDefault) {
  TestEngine t(Workspace());
  std::string id = SendV2(t, {{"to", {{"email", "x@example.com"}}},
                              {"content", {{"title", "T {{n}}"}, {"body", "B"}}},
                              {"data", {{"n", 1}}}});
  json m = Message(t, id);
  EXPECT_EQ(m["status"], "DELIVERED");
  EXPECT_EQ(m["recipient"], "x@example.com");
  EXPECT_FALSE(m.contains("notification"));
  EXPECT_EQ(t.Messages()["results"][0]["rendered"]["email"]["subject"], "T 1");
}

TEST(SendV2Test, ElementalContentRendersTextElements) {
  TestEngine t(Workspace());
  SendV2(t, {{"to", {{"email", "x@example.com"}}},
             {"content",
              {{"version", "2022-01-01"},
               {"elements",
                {{{"type", "meta"}, {"title", "Hello"}},
                 {{"type", "text"}, {"content", "Line {{n}}"}}}}}},
             {"data", {{"n", 2}}}});
  json rendered = t.Messages()["results"][0]["rendered"]["email"];
  EXPECT_EQ(rendered["subject"], "Hello");
  EXPECT_EQ(rendered["body"], "Line 2");
}

TEST(SendV2Test, ArrayRecipientsGetOneMessageEach) {
  TestEngine t(Workspace());
  std::string request = SendV2(
      t, {{"to", {{{"user_id", "ann"}}, {{"email", "z@example.com"}}}}, {"template", "welcome"}});
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_NE(messages[0]["id"], request);
  EXPECT_NE(messages[0]["id"], messages[1]["id"]);
  EXPECT_EQ(messages[0]["request_id"], request);
  EXPECT_EQ(messages[1]["request_id"], request);
}

TEST(SendV2Test, ListRecipientSendsToEverySubscriber) {
  TestEngine t(Workspace());
  SendV2(t, {{"to", {{"list_id", "vip"}, {"data", {{"orderId", "9"}}}}}, {"template", "welcome"}});
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0]["recipient"], "ann");
  EXPECT_EQ(messages[1]["recipient"], "bob");
  EXPECT_EQ(messages[1]["rendered"]["sms"]["body"], "SMS 9");
  auto listed = t.engine.Call(t.key, "GET", "/messages", {}, {{"list", "vip"}});
  EXPECT_EQ(listed->body["results"].size(), 2u);
}

TEST(SendV2Test, ListPatternSendsToSubscribersOfMatchingLists) {
  TestEngine t(Workspace());
  SendV2(t, {{"to", {{"list_pattern", "vip.*"}}}, {"template", "welcome"}});
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["recipient"], "cy");
}

TEST(SendV2Test, NoChannelDataIsUnroutable) {
  TestEngine t(Workspace());
  std::string id = SendV2(t, {{"to", {{"user_id", "nobody"}}}, {"template", "welcome"}});
  json m = Message(t, id);
  EXPECT_EQ(m["status"], "UNROUTABLE");
  EXPECT_EQ(m["reason"], "NO_CHANNELS");
  EXPECT_FALSE(m.contains("sent"));
  auto items =
      t.engine.Call(t.key, "GET", "/messages/" + id + "/history", {}, {{"type", "UNROUTABLE"}})
          ->body["results"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0], (json{{"type", "UNROUTABLE"},
                            {"ts", testing::kTestStart},
                            {"channel", {{"id", "email"}}},
                            {"reason", "NO_CHANNELS"}}));
}

TEST(SendV2Test, FaultRuleMakesTheMessageUndeliverable) {
  TestEngine t(Workspace());
  std::string id = SendV2(t, {{"to", {{"email", "gone@bounce.test"}}}, {"template", "welcome"}});
  json m = Message(t, id);
  EXPECT_EQ(m["status"], "UNDELIVERABLE");
  EXPECT_EQ(m["reason"], "BOUNCED");
  EXPECT_EQ(m["error"], "Mailbox does not exist");
  EXPECT_EQ(m["providers"][0]["status"], "UNDELIVERABLE");
  auto items =
      t.engine.Call(t.key, "GET", "/messages/" + id + "/history", {}, {{"type", "UNDELIVERABLE"}})
          ->body["results"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["error_message"], "Mailbox does not exist");
}

TEST(SendV2Test, UnknownTemplateIsUnmapped) {
  TestEngine t(Workspace());
  std::string id = SendV2(t, {{"to", {{"user_id", "ann"}}}, {"template", "nope"}});
  EXPECT_EQ(Message(t, id)["status"], "UNMAPPED");
  EXPECT_EQ(HistoryTypes(t, id), (std::vector<std::string>{"ENQUEUED", "UNMAPPED"}));
}

TEST(SendV2Test, EventMapIdWorksAsTemplate) {
  TestEngine t(Workspace());
  std::string id = SendV2(t, {{"to", {{"user_id", "ann"}}}, {"template", "order-placed"}});
  json m = Message(t, id);
  EXPECT_EQ(m["event"], "order-placed");
  EXPECT_EQ(m["notification"], "welcome");
}

TEST(SendV2Test, OptedOutTopicIsUndeliverableUnsubscribed) {
  TestEngine t(Workspace());
  ASSERT_TRUE(t.engine
                  .Call(t.key, "PUT", "/users/ann/preferences/marketing",
                        {{"topic", {{"status", "OPTED_OUT"}}}})
                  .ok());
  std::string id = SendV2(t, {{"to", {{"user_id", "ann"}}}, {"template", "news"}});
  json m = Message(t, id);
  EXPECT_EQ(m["status"], "UNDELIVERABLE");
  EXPECT_EQ(m["reason"], "UNSUBSCRIBED");
  EXPECT_EQ(m["error"], "Notification opted out by user");
  EXPECT_EQ(m["providers"][0]["status"], "UNDELIVERABLE");
  EXPECT_EQ(m["providers"][0]["error"], "Notification opted out by user");
}

TEST(SendV2Test, MessagePreferencesTopicWithOptOutDefaultNeedsOptIn) {
  TestEngine t(Workspace());
  std::string id = SendV2(t, {{"to", {{"user_id", "ann"}}},
                              {"template", "welcome"},
                              {"preferences", {{"subscription_topic_id", "beta"}}}});
  EXPECT_EQ(Message(t, id)["reason"], "OPT_IN_REQUIRED");
  ASSERT_TRUE(
      t.engine
          .Call(t.key, "PUT", "/users/ann/preferences/beta", {{"topic", {{"status", "OPTED_IN"}}}})
          .ok());
  std::string again = SendV2(t, {{"to", {{"user_id", "ann"}}},
                                 {"template", "welcome"},
                                 {"preferences", {{"subscription_topic_id", "beta"}}}});
  EXPECT_EQ(Message(t, again)["status"], "DELIVERED");
}

TEST(SendV2Test, CustomRoutingPreferenceChoosesTheChannels) {
  TestEngine t(Workspace());
  ASSERT_TRUE(t.engine
                  .Call(t.key, "PUT", "/users/ann/preferences/marketing",
                        {{"topic",
                          {{"status", "OPTED_IN"},
                           {"has_custom_routing", true},
                           {"custom_routing", {"sms"}}}}})
                  .ok());
  std::string id =
      SendV2(t, {{"to", {{"user_id", "ann"}, {"phone_number", "+1"}}}, {"template", "news"}});
  EXPECT_EQ(Message(t, id)["providers"][0]["channel"]["key"], "sms");
}

TEST(SendV2Test, ToFieldsMergeIntoTheStoredProfileForThisSendOnly) {
  TestEngine t(Workspace());
  std::string id = SendV2(
      t, {{"to", {{"user_id", "nobody"}, {"email", "n@example.com"}}}, {"template", "welcome"}});
  EXPECT_EQ(Message(t, id)["status"], "DELIVERED");
  EXPECT_EQ(t.Profile("nobody"), json::object());
  auto loaded =
      t.engine.Call(t.key, "GET", "/messages/" + id + "/history", {}, {{"type", "PROFILE_LOADED"}});
  EXPECT_EQ(loaded->body["results"][0]["merged_profile"]["email"], "n@example.com");
  EXPECT_FALSE(loaded->body["results"][0]["stored_profile"].contains("email"));
}

// ---- Delays and their cancel siblings ------------------------------------------

TEST(SendDelayTest, DurationIsRoundedUpToTheNextMinute) {
  TestEngine t(Workspace());
  std::string id = SendV2(
      t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}, {"delay", {{"duration", 61000}}}});
  EXPECT_EQ(Message(t, id)["status"], "ENQUEUED");
  t.Advance(119 * kSecond);
  EXPECT_EQ(Message(t, id)["status"], "ENQUEUED");
  EXPECT_EQ(t.Advance(kSecond).fired, 1);
  EXPECT_EQ(Message(t, id)["status"], "DELIVERED");
  EXPECT_EQ(Message(t, id)["sent"], testing::kTestStart + 2 * kMinute);
}

TEST(SendDelayTest, UntilWaitsForTheTimestamp) {
  TestEngine t(Workspace());
  std::string id = SendV2(t, {{"to", {{"user_id", "ann"}}},
                              {"template", "welcome"},
                              {"delay", {{"until", "2026-01-05T10:00:00Z"}}}});
  t.Advance(59 * kMinute);
  EXPECT_EQ(Message(t, id)["status"], "ENQUEUED");
  t.Advance(kMinute);
  EXPECT_EQ(Message(t, id)["status"], "DELIVERED");
}

TEST(SendDelayTest, CanceledDelayedSendIsNeverSent) {
  TestEngine t(Workspace());
  std::string id = SendV2(
      t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}, {"delay", {{"duration", 60000}}}});
  ASSERT_TRUE(t.engine.NextDue().has_value());
  auto canceled = t.engine.Call(t.key, "POST", "/messages/" + id + "/cancel");
  ASSERT_TRUE(canceled.ok());
  EXPECT_EQ(canceled->status, 200);
  EXPECT_EQ(canceled->body["status"], "CANCELED");
  EXPECT_EQ(canceled->body["canceledAt"], testing::kTestStart);
  EXPECT_FALSE(t.engine.NextDue().has_value());  // The timer is gone.
  EXPECT_EQ(t.Advance(kHour).fired, 0);
  json m = Message(t, id);
  EXPECT_EQ(m["status"], "CANCELED");
  EXPECT_FALSE(m.contains("sent"));
  EXPECT_TRUE(t.Outbox()["results"].empty());
}

TEST(SendDelayTest, CancelAfterSendIsAConflictWithTheRecord) {
  TestEngine t(Workspace());
  std::string id = SendV2(t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}});
  auto reply = t.engine.Call(t.key, "POST", "/messages/" + id + "/cancel");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 409);
  EXPECT_EQ(reply->body["status"], "DELIVERED");
  EXPECT_EQ(t.engine.Call(t.key, "POST", "/messages/1-nope/cancel").status().message(),
            "Message not found");
}

TEST(SendDelayTest, ProviderDeliveryDelayDeliversOnATimer) {
  json ws = Workspace();
  ws["providers"]["email"]["delivery_delay"] = "5 minutes";
  TestEngine t(ws);
  std::string id = SendV2(t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}});
  EXPECT_EQ(Message(t, id)["status"], "SENT");
  t.Advance(5 * kMinute);
  EXPECT_EQ(Message(t, id)["status"], "DELIVERED");
  EXPECT_EQ(Message(t, id)["delivered"], testing::kTestStart + 5 * kMinute);
}

TEST(SendDelayTest, EngagedDeliveryBeforeTheTimerIsNotDeliveredTwice) {
  json ws = Workspace();
  ws["providers"]["email"]["delivery_delay"] = "5 minutes";
  TestEngine t(ws);
  std::string id = SendV2(t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}});
  ASSERT_TRUE(t.engine.Engage(id, {{"event", "delivered"}}).ok());
  t.Advance(5 * kMinute);
  EXPECT_EQ(Message(t, id)["delivered"], testing::kTestStart);
  EXPECT_EQ(HistoryTypes(t, id).back(), "DELIVERED");
  EXPECT_EQ(
      t.engine.Call(t.key, "GET", "/messages/" + id + "/history", {}, {{"type", "DELIVERED"}})
          ->body["results"]
          .size(),
      1u);
}

TEST(SendDelayTest, AutoDeliverOffStaysSent) {
  json ws = Workspace();
  ws["providers"]["email"]["auto_deliver"] = false;
  TestEngine t(ws);
  std::string id = SendV2(t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}});
  t.Advance(kDay);
  EXPECT_EQ(Message(t, id)["status"], "SENT");
}

// ---- v1 ---------------------------------------------------------------------------

TEST(SendV1Test, ReturnsMessageIdWith200) {
  TestEngine t(Workspace());
  auto reply = t.engine.Send(t.key, {{"event", "welcome"}, {"recipient", "ann"}});
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(Message(t, reply->body["messageId"])["status"], "DELIVERED");
}

TEST(SendV1Test, ProfileIsMergedForThisSendOnly) {
  TestEngine t(Workspace());
  auto reply = t.engine.Send(t.key, {{"event", "order-placed"},
                                     {"recipient", "nobody"},
                                     {"profile", {{"email", "p@example.com"}}}});
  ASSERT_TRUE(reply.ok());
  json m = Message(t, reply->body["messageId"]);
  EXPECT_EQ(m["status"], "DELIVERED");
  EXPECT_EQ(m["event"], "order-placed");
  EXPECT_EQ(m["notification"], "welcome");
  EXPECT_EQ(t.Profile("nobody"), json::object());
}

TEST(SendV1Test, UnmappedEventStillGetsAMessage) {
  TestEngine t(Workspace());
  auto reply = t.engine.Send(t.key, {{"event", "nothing"}, {"recipient", "ann"}});
  ASSERT_TRUE(reply.ok());
  std::string id = reply->body["messageId"];
  EXPECT_EQ(Message(t, id)["status"], "UNMAPPED");
  EXPECT_EQ(HistoryTypes(t, id), (std::vector<std::string>{"ENQUEUED", "UNMAPPED"}));
}

TEST(SendV1Test, EventMappedThroughTheEventsApi) {
  TestEngine t(Workspace());
  ASSERT_TRUE(
      t.engine.Call(t.key, "PUT", "/events/signup", {{"id", "welcome"}, {"type", "notification"}})
          .ok());
  auto reply = t.engine.Send(t.key, {{"event", "signup"}, {"recipient", "ann"}});
  EXPECT_EQ(Message(t, reply->body["messageId"])["notification"], "welcome");
}

// ---- Bad input ---------------------------------------------------------------

struct BadV2Case {
  json message;
  std::string error;
};

class SendV2BadInputTest : public ::testing::TestWithParam<BadV2Case> {};

TEST_P(SendV2BadInputTest, IsRejectedWithCouriersMessageAndChangesNothing) {
  TestEngine t(Workspace());
  json body = GetParam().message.is_null() ? json{{"message", nullptr}}
                                           : json{{"message", GetParam().message}};
  auto reply = t.engine.Send(t.key, body);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 400);
  EXPECT_EQ(reply.status().type(), "invalid_request_error");
  EXPECT_EQ(reply.status().shape(), ErrorShape::kStandard);
  EXPECT_EQ(reply.status().message(), GetParam().error);
  EXPECT_TRUE(t.Messages()["results"].empty());
}

INSTANTIATE_TEST_SUITE_P(
    Courier, SendV2BadInputTest,
    ::testing::Values(
        BadV2Case{nullptr, "Invalid Request. Either 'message' or 'sequence' must be defined."},
        BadV2Case{R"({"to":{"user_id":"a"},"template":"welcome","content":{"body":"x"}})"_json,
                  "Invalid Request. Either 'content' or 'template' may be defined, but not both."},
        BadV2Case{R"({"to":{"user_id":"a"}})"_json,
                  "Invalid Request. Either 'content' or 'template' must be defined."},
        BadV2Case{R"({"template":"welcome"})"_json,
                  "Invalid Request. The 'to' property is required."},
        BadV2Case{R"({"to":{"user_id":"a"},"template":"welcome","bogus":1})"_json,
                  "Invalid Request. 'bogus' is not a valid property of 'message'."},
        BadV2Case{R"({"to":{"user_id":"a","data":[1]},"template":"welcome"})"_json,
                  "Invalid definition for property 'message.to.data'. 'message.to.data' must be "
                  "of type object."},
        BadV2Case{R"({"to":[{"user_id":"a"},{"data":"x"}],"template":"welcome"})"_json,
                  "Invalid definition for property 'message.to.data'. 'message.to.data' must be "
                  "of type object."},
        BadV2Case{R"({"to":{"user_id":"a"},"template":"welcome","data":[]})"_json,
                  "Invalid definition for property 'data'. 'data' must be of type object."},
        BadV2Case{R"({"to":{"list_id":"missing"},"template":"welcome"})"_json,
                  "Invalid Request. The list id 'missing', was not found."},
        BadV2Case{R"({"to":{"user_id":"a"},"content":{"foo":"x"}})"_json,
                  "Invalid Request. 'content' must contain one of the following properties: "
                  "'title', 'body', or 'elements'"},
        BadV2Case{R"({"to":{"user_id":"a"},"content":{"title":"x"}})"_json,
                  "Invalid Request. 'message.content' must contain either 'elements' or 'body'."},
        BadV2Case{R"({"to":{"user_id":"a"},"content":{"elements":[]}})"_json,
                  "Invalid Request. 'message.content' must contain a 'version' property when "
                  "using `content.elements`."},
        BadV2Case{R"({"to":{"user_id":"a"},"template":"welcome","routing":{"method":"all"}})"_json,
                  "Invalid Request. 'channels' is a required property of 'message.routing'."},
        BadV2Case{R"({"to":{"user_id":"a"},"template":"welcome","routing":{"channels":[]}})"_json,
                  "Invalid Request. 'method' is a required property of 'message.routing'."},
        BadV2Case{
            R"({"to":{"user_id":"a"},"template":"welcome","routing":{"method":"any","channels":[]}})"_json,
            "Invalid Request. any is not a valid 'routing.method' value. Either 'all' or 'single' "
            "are valid values."},
        BadV2Case{R"({"to":{"user_id":"a"},"template":"welcome","delay":{"hours":1}})"_json,
                  "Invalid Request. 'hours' is not a valid property of 'message.delay'."},
        BadV2Case{R"({"to":{"user_id":"a"},"template":"welcome","delay":{"duration":"1h"}})"_json,
                  "Invalid Request. 'duration' must be of type number."},
        BadV2Case{R"({"to":{"user_id":"a"},"template":"welcome","delay":{"until":"soon"}})"_json,
                  "Invalid Request. 'until' must be an ISO-8601 timestamp (opening hours are not "
                  "supported by mock-courier)."},
        BadV2Case{
            R"({"to":{"user_id":"a"},"template":"welcome","metadata":{"tags":["1","2","3","4","5","6","7","8","9","10"]}})"_json,
            "Invalid Request. 'metadata.tags' must contain at most 9 tags."},
        BadV2Case{
            R"({"to":{"user_id":"a"},"template":"welcome","metadata":{"tags":["0123456789012345678901234567890"]}})"_json,
            "Invalid Request. Each of 'metadata.tags' must be at most 30 characters."},
        BadV2Case{
            R"({"to":{"user_id":"a"},"template":"welcome","metadata":{"trace_id":"0123456789012345678901234567890123456"}})"_json,
            "Invalid Request. 'metadata.trace_id' must be at most 36 characters."},
        BadV2Case{
            R"({"to":{"user_id":"a"},"template":"welcome","metadata":{"utm":{"foo":"x"}}})"_json,
            "Invalid Request. 'foo' is not a valid property of 'message.metadata.utm'."},
        BadV2Case{
            R"({"to":{"user_id":"a"},"template":"welcome","timeout":{"message":259200001}})"_json,
            "Invalid Request. 'message' must be between 0 and 259200000"}));

TEST(SendV2BadInputTest, CurrentSpecKeysAreAccepted) {
  TestEngine t(Workspace());
  auto reply = t.engine.Send(t.key, {{"message",
                                      {{"to", {{"user_id", "ann"}}},
                                       {"template", "welcome"},
                                       {"context", {{"tenant_id", "t1"}}},
                                       {"preferences", {{"subscription_topic_id", "marketing"}}},
                                       {"expiry", {{"expires_in", 1000}}},
                                       {"metadata", {{"trace_id", "trace-1"}, {"tags", {"a"}}}},
                                       {"timeout", {{"message", 1000}}}}}});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 202);
}

struct BadV1Case {
  json body;
  int status;
  std::string error;
};

class SendV1BadInputTest : public ::testing::TestWithParam<BadV1Case> {};

TEST_P(SendV1BadInputTest, IsRejectedInTheLegacyShape) {
  TestEngine t(Workspace());
  auto reply = t.engine.Send(t.key, GetParam().body);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), GetParam().status);
  EXPECT_EQ(reply.status().shape(), ErrorShape::kLegacySend);
  EXPECT_EQ(reply.status().ToBody(),
            (json{{"message", GetParam().error}, {"status", GetParam().status}}));
  EXPECT_TRUE(t.Messages()["results"].empty());
}

INSTANTIATE_TEST_SUITE_P(
    Courier, SendV1BadInputTest,
    ::testing::Values(
        BadV1Case{R"({"event":"welcome"})"_json, 400, "The 'recipient' parameter is required."},
        BadV1Case{R"({"event":"welcome","recipient":5})"_json, 400,
                  "The 'recipient' parameter must be a string."},
        BadV1Case{R"({"recipient":"ann"})"_json, 400, "The 'event' parameter is required."},
        BadV1Case{R"({"recipient":"ann","event":{}})"_json, 400,
                  "The 'event' parameter must be a string."},
        BadV1Case{R"({"recipient":"ann","event":"welcome","profile":"x"})"_json, 400,
                  "The 'profile' parameter must be an object."},
        BadV1Case{R"({"recipient":"ann","event":"welcome","brand":"nope"})"_json, 422,
                  "Invalid brand (nope)"}));

}  // namespace
}  // namespace mock_courier
