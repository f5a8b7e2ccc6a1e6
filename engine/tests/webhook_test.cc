// Outbound webhooks in the engine: what is queued for which destination, the
// envelope and data, the signature, and the hand-over to the server's worker
// (https://www.courier.com/docs/platform/workspaces/outbound-webhooks/).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mock_courier/hmac_sha256.h"
#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::kTestStart;
using testing::TestEngine;

json Workspace(json webhooks) {
  json ws = R"({
    "api_keys": ["k"],
    "notifications": [{"id": "welcome", "channels": ["email"],
                       "content": {"email": {"subject": "Hi"}}}],
    "profiles": {"ann": {"email": "ann@example.com", "title": "Designer"}}
  })"_json;
  ws["webhooks"] = std::move(webhooks);
  return ws;
}

json Hook(const std::string& url, json events = nullptr, const std::string& secret = "s3cret") {
  json hook = {{"url", url}};
  if (!secret.empty()) hook["secret"] = secret;
  if (!events.is_null()) hook["events"] = std::move(events);
  return hook;
}

json Hooks(TestEngine& t) {
  auto view = t.engine.Webhooks(t.key);
  EXPECT_TRUE(view.ok());
  return view.ok() ? (*view)["results"] : json::array();
}

std::string SendToAnn(TestEngine& t, json extra = json::object()) {
  json message = {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}};
  message.update(extra);
  auto reply = t.engine.Send(t.key, {{"message", message}});
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body["requestId"].get<std::string>() : "";
}

TEST(WebhookTest, EveryStatusChangeIsAMessageUpdatedEvent) {
  TestEngine t(Workspace(json::array({Hook("http://127.0.0.1:1/hook")})));
  const std::string id = SendToAnn(t);
  json hooks = Hooks(t);
  ASSERT_EQ(hooks.size(), 3u);
  std::vector<std::string> statuses;
  for (const json& entry : hooks) {
    EXPECT_EQ(entry["type"], "message:updated");
    EXPECT_EQ(entry["url"], "http://127.0.0.1:1/hook");
    EXPECT_EQ(entry["state"], "pending");
    EXPECT_EQ(entry["body"]["type"], "message:updated");
    EXPECT_EQ(entry["body"]["data"]["id"], id);
    EXPECT_EQ(entry["body"]["data"]["recipientId"], "ann");
    statuses.push_back(entry["body"]["data"]["status"]);
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"ENQUEUED", "SENT", "DELIVERED"}));
  // The data is the GET /messages/{id} record plus recipientId.
  json data = hooks[2]["body"]["data"];
  data.erase("recipientId");
  EXPECT_EQ(data, t.engine.Call(t.key, "GET", "/messages/" + id)->body);
}

TEST(WebhookTest, SignatureIsHmacSha256OfTimestampDotBody) {
  TestEngine t(Workspace(json::array({Hook("http://127.0.0.1:1/hook")})));
  SendToAnn(t);
  std::vector<WebhookCall> calls = t.engine.TakeWebhookBatch(10);
  ASSERT_EQ(calls.size(), 3u);
  const std::string t_ms = std::to_string(kTestStart);
  for (const WebhookCall& call : calls) {
    EXPECT_EQ(call.signature, "t=" + t_ms + ",signature=" +
                                  HexDigest(HmacSha256("s3cret", t_ms + "." + call.body)));
    // The envelope's type comes first, as in Courier's examples.
    EXPECT_EQ(call.body.rfind(R"({"type":"message:updated","data":{)", 0), 0u) << call.body;
  }
}

TEST(WebhookTest, TakenOnceThenMarked) {
  TestEngine t(Workspace(json::array({Hook("http://127.0.0.1:1/hook", nullptr, "")})));
  SendToAnn(t);
  std::vector<WebhookCall> calls = t.engine.TakeWebhookBatch(2);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].signature, "");  // No secret: unsigned.
  EXPECT_EQ(t.engine.TakeWebhookBatch(10).size(), 1u);
  EXPECT_TRUE(t.engine.TakeWebhookBatch(10).empty());
  t.engine.MarkWebhook(t.key, calls[0].webhook_id, DeliveryState::kDelivered, 1, "");
  t.engine.MarkWebhook(t.key, calls[1].webhook_id, DeliveryState::kRetrying, 2, "HTTP 503");
  json hooks = Hooks(t);
  EXPECT_EQ(hooks[0]["state"], "delivered");
  EXPECT_EQ(hooks[1]["state"], "retrying");
  EXPECT_EQ(hooks[1]["attempts"], 2);
  EXPECT_EQ(hooks[1]["last_error"], "HTTP 503");
  EXPECT_TRUE(hooks[1]["signature"].is_null());
}

TEST(WebhookTest, DestinationsReceiveOnlyTheirEvents) {
  TestEngine t(Workspace({Hook("http://a.example/hook", json::array({"audiences:user:matched"})),
                          Hook("http://b.example/hook", json::array({"message:updated"}))}));
  SendToAnn(t);
  ASSERT_TRUE(
      t.engine
          .Call(t.key, "PUT", "/audiences/designers",
                {{"filter", {{"operator", "EQ"}, {"path", "title"}, {"value", "Designer"}}}})
          .ok());
  json hooks = Hooks(t);
  ASSERT_EQ(hooks.size(), 4u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(hooks[i]["url"], "http://b.example/hook");
  EXPECT_EQ(hooks[3]["url"], "http://a.example/hook");
  EXPECT_EQ(hooks[3]["body"], (json{{"type", "audiences:user:matched"},
                                    {"data",
                                     {{"audience_id", "designers"},
                                      {"audience_version", 1},
                                      {"reason", "EQ('title', 'Designer') => true"},
                                      {"user_id", "ann"}}}}));
}

TEST(WebhookTest, CancelIsAMessageUpdatedEvent) {
  TestEngine t(Workspace(json::array({Hook("http://127.0.0.1:1/hook")})));
  const std::string id = SendToAnn(t, {{"delay", {{"duration", 60000}}}});
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/messages/" + id + "/cancel").ok());
  json hooks = Hooks(t);
  ASSERT_EQ(hooks.size(), 2u);
  EXPECT_EQ(hooks[0]["body"]["data"]["status"], "ENQUEUED");
  EXPECT_EQ(hooks[1]["body"]["data"]["status"], "CANCELED");
}

TEST(WebhookTest, NoWebhooksNothingQueued) {
  TestEngine t(Workspace(json::array()));
  SendToAnn(t);
  EXPECT_TRUE(Hooks(t).empty());
  EXPECT_TRUE(t.engine.TakeWebhookBatch(10).empty());
}

TEST(WebhookTest, ResetClearsTheCalls) {
  TestEngine t(Workspace(json::array({Hook("http://127.0.0.1:1/hook")})));
  SendToAnn(t);
  ASSERT_TRUE(t.engine.Reset(t.key).ok());
  EXPECT_TRUE(Hooks(t).empty());
  EXPECT_TRUE(t.engine.TakeWebhookBatch(10).empty());
}

struct BadWebhookCase {
  json webhooks;
  std::string message;
};

class WebhookBadInputTest : public ::testing::TestWithParam<BadWebhookCase> {};

TEST_P(WebhookBadInputTest, BadDefinitionIs400NamingThePath) {
  ManualClock clock(kTestStart);
  Engine engine(clock);
  Status status = engine.PutWorkspace(Workspace(GetParam().webhooks));
  EXPECT_EQ(status.http_status(), 400);
  EXPECT_EQ(status.message(), GetParam().message);
  EXPECT_FALSE(engine.HasApiKey("k"));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WebhookBadInputTest,
    ::testing::Values(
        BadWebhookCase{json::object(), "workspace: /webhooks: expected an array, got object"},
        BadWebhookCase{json::array({json::object()}), "workspace: /webhooks/0/url: required"},
        BadWebhookCase{json::array({{{"url", "ftp://x"}}}),
                       "workspace: /webhooks/0/url: expected an http:// or https:// URL"},
        BadWebhookCase{json::array({{{"url", "http://x"}, {"events", {"message:created"}}}}),
                       "workspace: /webhooks/0/events/0: unknown event type 'message:created' "
                       "(expected message:updated, audiences:user:matched, "
                       "audiences:user:unmatched or another documented type)"},
        BadWebhookCase{json::array({{{"url", "http://x"}, {"secret", 5}}}),
                       "workspace: /webhooks/0/secret: expected a string, got number"},
        BadWebhookCase{json::array({{{"url", "http://x"}, {"retries", 5}}}),
                       "workspace: /webhooks/0/retries: unknown key (expected one of: events, "
                       "secret, url)"}));

}  // namespace
}  // namespace mock_courier
