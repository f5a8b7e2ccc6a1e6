// Users' preferences: GET /users/{id}/preferences[/{topic}] and PUT of a
// topic (shapes of the official SDKs' types; see docs/fidelity.md).
#include <gtest/gtest.h>

#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::TestEngine;

json Workspace() {
  return R"({"api_keys": ["k"],
    "preferences": {"topics": [{"id": "marketing", "name": "Marketing", "default_status": "OPTED_IN"},
                               {"id": "beta", "name": "Beta", "default_status": "OPTED_OUT"}]}})"_json;
}

TEST(PreferenceTest, ListShowsWorkspaceTopicsWithDefaults) {
  TestEngine t(Workspace());
  auto reply = t.engine.Call(t.key, "GET", "/users/ann/preferences");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->body["paging"], (json{{"cursor", nullptr}, {"more", false}}));
  ASSERT_EQ(reply->body["items"].size(), 2u);
  EXPECT_EQ(reply->body["items"][0], (json{{"topic_id", "beta"},
                                           {"topic_name", "Beta"},
                                           {"status", "OPTED_OUT"},
                                           {"default_status", "OPTED_OUT"},
                                           {"has_custom_routing", false},
                                           {"custom_routing", json::array()}}));
}

TEST(PreferenceTest, PutThenGetTopic) {
  TestEngine t(Workspace());
  auto put = t.engine.Call(
      t.key, "PUT", "/users/ann/preferences/marketing",
      {{"topic",
        {{"status", "OPTED_OUT"}, {"has_custom_routing", true}, {"custom_routing", {"sms"}}}}});
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->body, (json{{"message", "success"}}));
  auto topic = t.engine.Call(t.key, "GET", "/users/ann/preferences/marketing");
  ASSERT_TRUE(topic.ok());
  EXPECT_EQ(topic->body["topic"]["status"], "OPTED_OUT");
  EXPECT_EQ(topic->body["topic"]["default_status"], "OPTED_IN");
  EXPECT_EQ(topic->body["topic"]["custom_routing"], (json{"sms"}));
  // Other users keep the default.
  EXPECT_EQ(
      t.engine.Call(t.key, "GET", "/users/bob/preferences/marketing")->body["topic"]["status"],
      "OPTED_IN");
}

TEST(PreferenceTest, TopicsOutsideTheWorkspaceAppearOnceSet) {
  TestEngine t(Workspace());
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/users/ann/preferences/adhoc").status().http_status(),
            404);
  ASSERT_TRUE(
      t.engine
          .Call(t.key, "PUT", "/users/ann/preferences/adhoc", {{"topic", {{"status", "REQUIRED"}}}})
          .ok());
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/users/ann/preferences")->body["items"].size(), 3u);
}

TEST(PreferenceBadInputTest, StatusMustBeKnown) {
  TestEngine t(Workspace());
  auto reply = t.engine.Call(t.key, "PUT", "/users/ann/preferences/marketing",
                             {{"topic", {{"status", "MAYBE"}}}});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 400);
  EXPECT_EQ(reply.status().message(),
            "Invalid Request. 'topic.status' must be one of OPTED_IN, OPTED_OUT, REQUIRED.");
  EXPECT_EQ(
      t.engine.Call(t.key, "GET", "/users/ann/preferences/marketing")->body["topic"]["status"],
      "OPTED_IN");
}

TEST(PreferenceBadInputTest, BodyShapeIsChecked) {
  TestEngine t(Workspace());
  EXPECT_EQ(t.engine.Call(t.key, "PUT", "/users/ann/preferences/m", {{"status", "OPTED_IN"}})
                .status()
                .message(),
            "Invalid Request. 'topic' is required and must be an object.");
  EXPECT_EQ(t.engine
                .Call(t.key, "PUT", "/users/ann/preferences/m",
                      {{"topic", {{"status", "OPTED_IN"}, {"x", 1}}}})
                .status()
                .message(),
            "Invalid Request. 'x' is not a valid property of 'topic'.");
  EXPECT_EQ(t.engine
                .Call(t.key, "PUT", "/users/ann/preferences/m",
                      {{"topic", {{"status", "OPTED_IN"}, {"custom_routing", "sms"}}}})
                .status()
                .message(),
            "Invalid Request. 'topic.custom_routing' must be an array of channel names.");
}

TEST(PreferenceOutboundTest, CrossingOptedOutEmitsUnsubscribedThenSubscribed) {
  json ws = Workspace();
  ws["segment"] = {{"write_key", "wk"}};
  TestEngine t(ws);
  auto put = [&](const std::string& topic, const std::string& status) {
    ASSERT_TRUE(t.engine
                    .Call(t.key, "PUT", "/users/ann/preferences/" + topic,
                          {{"topic", {{"status", status}}}})
                    .ok());
  };
  put("marketing", "OPTED_IN");  // Same as the default: no event.
  put("marketing", "OPTED_OUT");
  put("marketing", "OPTED_OUT");  // No change: no event.
  put("marketing", "REQUIRED");
  put("beta", "OPTED_IN");  // Default OPTED_OUT -> subscribed.
  json outbox = t.Outbox()["results"];
  ASSERT_EQ(outbox.size(), 3u);
  EXPECT_EQ(outbox[0]["event"]["event"], "User Unsubscribed");
  EXPECT_EQ(outbox[0]["event"]["userId"], "ann");
  EXPECT_EQ(outbox[0]["event"]["properties"], (json{{"user_id", "ann"},
                                                    {"topic_id", "marketing"},
                                                    {"status", "OPTED_OUT"},
                                                    {"previous_status", "OPTED_IN"}}));
  EXPECT_EQ(outbox[1]["event"]["event"], "User Subscribed");
  EXPECT_EQ(outbox[1]["event"]["properties"]["status"], "REQUIRED");
  EXPECT_EQ(outbox[2]["event"]["event"], "User Subscribed");
  EXPECT_EQ(outbox[2]["event"]["properties"]["topic_id"], "beta");
}

TEST(PreferenceOutboundTest, RejectedPutEmitsNothing) {
  json ws = Workspace();
  ws["segment"] = {{"write_key", "wk"}};
  TestEngine t(ws);
  EXPECT_FALSE(
      t.engine
          .Call(t.key, "PUT", "/users/ann/preferences/marketing", {{"topic", {{"status", "NO"}}}})
          .ok());
  EXPECT_TRUE(t.Outbox()["results"].empty());
}

}  // namespace
}  // namespace mock_courier
