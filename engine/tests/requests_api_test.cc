// GET /messages/{id}/output, POST /messages/{id}/resend, PUT
// /requests/{id}/archive, GET /automations and GET /automations/runs/{id}/steps,
// with the shapes of @trycourier/courier's types (MessageContentResponse,
// requests.archive, AutomationTemplateListResponse, AutomationRunStepsResponse)
// and, for resend, of MessageResendResponse in Courier's newer SDKs.
#include <gtest/gtest.h>

#include <string>

#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::TestEngine;

json Workspace() {
  return R"({
    "api_keys": ["k"],
    "notifications": [
      {"id": "welcome", "channels": ["email"],
       "content": {"email": {"subject": "Hi {{name}}", "body": "Welcome, {{name}}"}}},
      {"id": "both", "channels": ["email", "sms"], "routing": "all",
       "content": {"email": {"subject": "E"}, "sms": {"body": "S"}}}
    ],
    "lists": [{"id": "vip", "subscribers": ["ann", "bob"]}],
    "profiles": {"ann": {"email": "ann@example.com", "phone_number": "+15550100"},
                 "bob": {"email": "bob@example.com"}},
    "automations": [
      {"id": "welcome-flow", "name": "Welcome flow", "trigger": "identify",
       "steps": [{"action": "send", "template": "welcome"}, {"action": "delay", "duration": "1 hour"}]},
      {"id": "no-name", "steps": [{"action": "delay", "duration": "1 hour"}]}
    ]
  })"_json;
}

std::string Send(TestEngine& t, json message) {
  auto reply = t.engine.Send(t.key, {{"message", message}});
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body["requestId"].get<std::string>() : "";
}

// ---- GET /messages/{id}/output ------------------------------------------------

TEST(MessageOutputTest, RenderedContentOfEachChannel) {
  TestEngine t(Workspace());
  std::string id =
      Send(t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}, {"data", {{"name", "Ann"}}}});
  auto reply = t.engine.Call(t.key, "GET", "/messages/" + id + "/output");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, (json{{"results",
                                {{{"channel", "email"},
                                  {"channel_id", "email"},
                                  {"content",
                                   {{"blocks", json::array()},
                                    {"body", "Welcome, Ann"},
                                    {"html", ""},
                                    {"subject", "Hi Ann"},
                                    {"text", ""},
                                    {"title", ""}}}}}}}));
}

TEST(MessageOutputTest, RoutingAllRendersEveryChannelInOrder) {
  TestEngine t(Workspace());
  std::string id = Send(t, {{"to", {{"user_id", "ann"}}}, {"template", "both"}});
  auto reply = t.engine.Call(t.key, "GET", "/messages/" + id + "/output");
  ASSERT_TRUE(reply.ok());
  ASSERT_EQ(reply->body["results"].size(), 2u);
  EXPECT_EQ(reply->body["results"][0]["channel"], "email");
  EXPECT_EQ(reply->body["results"][0]["content"]["subject"], "E");
  EXPECT_EQ(reply->body["results"][1]["channel"], "sms");
  EXPECT_EQ(reply->body["results"][1]["content"]["body"], "S");
}

// The content is rendered when a view asks for it, from what the message
// was sent with: a later change to the profile does not rewrite it.
TEST(MessageOutputTest, ShowsTheContentAsSentWhateverChangesAfter) {
  json ws = Workspace();
  ws["notifications"].push_back(
      {{"id", "who"},
       {"channels", {"email"}},
       {"content", {{"email", {{"subject", "{{profile.email}}"}, {"body", "{{name}}"}}}}}});
  TestEngine t(ws);
  std::string id =
      Send(t, {{"to", {{"user_id", "ann"}}}, {"template", "who"}, {"data", {{"name", "Ann"}}}});
  ASSERT_TRUE(
      t.engine.Call(t.key, "PUT", "/profiles/ann", {{"profile", {{"email", "new@example.com"}}}})
          .ok());
  auto reply = t.engine.Call(t.key, "GET", "/messages/" + id + "/output");
  ASSERT_TRUE(reply.ok());
  ASSERT_EQ(reply->body["results"].size(), 1u);
  EXPECT_EQ(reply->body["results"][0]["content"]["subject"], "ann@example.com");
  EXPECT_EQ(reply->body["results"][0]["content"]["body"], "Ann");
  auto history =
      t.engine.Call(t.key, "GET", "/messages/" + id + "/history", {}, {{"type", "RENDERED"}});
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->body["results"].size(), 1u);
  EXPECT_EQ(history->body["results"][0]["output"],
            (json{{"body", "Ann"}, {"subject", "ann@example.com"}}));
  // A message sent after the change renders the new profile.
  std::string next = Send(t, {{"to", {{"user_id", "ann"}}}, {"template", "who"}});
  reply = t.engine.Call(t.key, "GET", "/messages/" + next + "/output");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->body["results"][0]["content"]["subject"], "new@example.com");
  EXPECT_EQ(reply->body["results"][0]["content"]["body"], "");
}

TEST(MessageOutputTest, NotYetRenderedHasNoResults) {
  TestEngine t(Workspace());
  std::string id = Send(
      t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}, {"delay", {{"duration", 60000}}}});
  auto reply = t.engine.Call(t.key, "GET", "/messages/" + id + "/output");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->body, (json{{"results", json::array()}}));
  t.Advance(60000);
  reply = t.engine.Call(t.key, "GET", "/messages/" + id + "/output");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->body["results"].size(), 1u);
}

TEST(MessageOutputBadInputTest, UnknownMessageIs404) {
  TestEngine t(Workspace());
  auto reply = t.engine.Call(t.key, "GET", "/messages/1-nope/output");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 404);
  EXPECT_EQ(reply.status().message(), "Message not found");
}

// ---- POST /messages/{id}/resend -------------------------------------------------

json AdminMessage(TestEngine& t, const std::string& id) {
  const json messages = t.Messages()["results"];
  for (const json& m : messages) {
    if (m["id"] == id) return m;
  }
  return nullptr;
}

TEST(MessageResendTest, ANewMessageToTheSameRecipientWithTheSameContent) {
  TestEngine t(Workspace());
  std::string original =
      Send(t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}, {"data", {{"name", "Ann"}}}});
  auto before = t.engine.Call(t.key, "GET", "/messages/" + original);
  ASSERT_TRUE(before.ok());

  auto reply = t.engine.Call(t.key, "POST", "/messages/" + original + "/resend");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  ASSERT_EQ(reply->body.size(), 1u) << reply->body;
  const std::string resent = reply->body["messageId"];
  EXPECT_NE(resent, original);

  auto record = t.engine.Call(t.key, "GET", "/messages/" + resent);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->body["status"], "DELIVERED");
  EXPECT_EQ(record->body["recipient"], "ann");
  EXPECT_EQ(record->body["notification"], "welcome");
  auto output = t.engine.Call(t.key, "GET", "/messages/" + resent + "/output");
  ASSERT_TRUE(output.ok());
  EXPECT_EQ(output->body["results"][0]["content"]["subject"], "Hi Ann");
  // The original is not modified (its record; the admin view notes the resend).
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages/" + original)->body, before->body);
  EXPECT_EQ(AdminMessage(t, original)["diagnostics"], json::array({"resent as message " + resent}));
  EXPECT_EQ(AdminMessage(t, resent)["diagnostics"],
            json::array({"resent from message " + original}));
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages")->body["results"].size(), 2u);
}

TEST(MessageResendTest, TheProfileIsReadAgain) {
  TestEngine t(Workspace());
  std::string original = Send(t, {{"to", {{"user_id", "cat"}}}, {"template", "welcome"}});
  ASSERT_EQ(t.engine.Call(t.key, "GET", "/messages/" + original)->body["status"], "UNROUTABLE");
  ASSERT_TRUE(
      t.engine.Call(t.key, "POST", "/profiles/cat", {{"profile", {{"email", "cat@example.com"}}}})
          .ok());
  auto reply = t.engine.Call(t.key, "POST", "/messages/" + original + "/resend");
  ASSERT_TRUE(reply.ok());
  const std::string resent = reply->body["messageId"];
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages/" + resent)->body["status"], "DELIVERED");
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages/" + original)->body["status"], "UNROUTABLE");
}

TEST(MessageResendTest, ACanceledOriginalIsResentAtOnceAndStaysCanceled) {
  TestEngine t(Workspace());
  std::string original = Send(
      t,
      {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}, {"delay", {{"duration", 3600000}}}});
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/messages/" + original + "/cancel").ok());
  auto reply = t.engine.Call(t.key, "POST", "/messages/" + original + "/resend");
  ASSERT_TRUE(reply.ok());
  const std::string resent = reply->body["messageId"];
  // The original's delay is not the resend's: it is sent now.
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages/" + resent)->body["status"], "DELIVERED");
  t.Advance(2 * kHour);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages/" + original)->body["status"], "CANCELED");
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages")->body["results"].size(), 2u);
}

TEST(MessageResendTest, ADelayedOriginalKeepsItsOwnTime) {
  TestEngine t(Workspace());
  std::string original = Send(
      t,
      {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}, {"delay", {{"duration", 3600000}}}});
  auto reply = t.engine.Call(t.key, "POST", "/messages/" + original + "/resend");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages/" + reply->body["messageId"].get<std::string>())
                ->body["status"],
            "DELIVERED");
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages/" + original)->body["status"], "ENQUEUED");
  t.Advance(kHour);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages/" + original)->body["status"], "DELIVERED");
}

TEST(MessageResendTest, UnderAProcessingLatencyTheResendIsEnqueuedFirst) {
  EngineOptions options;
  options.processing_latency = 2 * kSecond;
  TestEngine t(Workspace(), options);
  std::string original = Send(t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}});
  t.Advance(2 * kSecond);
  auto reply = t.engine.Call(t.key, "POST", "/messages/" + original + "/resend");
  ASSERT_TRUE(reply.ok());
  const std::string resent = reply->body["messageId"];
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages/" + resent)->body["status"], "ENQUEUED");
  t.Advance(2 * kSecond);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages/" + resent)->body["status"], "DELIVERED");
}

TEST(MessageResendBadInputTest, UnknownMessageIs404AndCreatesNothing) {
  TestEngine t(Workspace());
  Send(t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}});
  auto reply = t.engine.Call(t.key, "POST", "/messages/1-nope/resend");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().ToBody(),
            (json{{"message", "Message not found"}, {"type", "invalid_request_error"}}));
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages")->body["results"].size(), 1u);
  EXPECT_FALSE(t.Messages()["results"][0].contains("diagnostics"));
}

// ---- PUT /requests/{id}/archive -------------------------------------------------

TEST(ArchiveRequestTest, ArchivedMessagesLeaveTheListUnlessAskedFor) {
  TestEngine t(Workspace());
  std::string kept = Send(t, {{"to", {{"user_id", "bob"}}}, {"template", "welcome"}});
  std::string archived = Send(t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}});
  auto reply = t.engine.Call(t.key, "PUT", "/requests/" + archived + "/archive");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 202);
  EXPECT_TRUE(reply->body.is_null());

  auto list = t.engine.Call(t.key, "GET", "/messages");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->body["results"].size(), 1u);
  EXPECT_EQ(list->body["results"][0]["id"], kept);

  auto with_archived = t.engine.Call(t.key, "GET", "/messages", {}, {{"archived", "true"}});
  ASSERT_TRUE(with_archived.ok());
  EXPECT_EQ(with_archived->body["results"].size(), 2u);
  // The message itself is still there.
  EXPECT_TRUE(t.engine.Call(t.key, "GET", "/messages/" + archived).ok());
}

TEST(ArchiveRequestTest, AListSendArchivesEveryMessageOfTheRequest) {
  TestEngine t(Workspace());
  std::string request = Send(t, {{"to", {{"list_id", "vip"}}}, {"template", "welcome"}});
  auto before = t.engine.Call(t.key, "GET", "/messages");
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->body["results"].size(), 2u);
  ASSERT_TRUE(t.engine.Call(t.key, "PUT", "/requests/" + request + "/archive").ok());
  auto after = t.engine.Call(t.key, "GET", "/messages");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->body["results"].size(), 0u);
}

TEST(ArchiveRequestBadInputTest, UnknownRequestIs404AndChangesNothing) {
  TestEngine t(Workspace());
  Send(t, {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}});
  auto reply = t.engine.Call(t.key, "PUT", "/requests/1-nope/archive");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 404);
  EXPECT_EQ(reply.status().message(), "Request not found");
  auto list = t.engine.Call(t.key, "GET", "/messages");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->body["results"].size(), 1u);
}

// ---- GET /automations -------------------------------------------------------------

TEST(ListAutomationsTest, TemplatesOfTheWorkspace) {
  TestEngine t(Workspace());
  auto reply = t.engine.Call(t.key, "GET", "/automations");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->body,
            (json{{"templates",
                   {{{"id", "welcome-flow"}, {"name", "Welcome flow"}, {"version", "published"}},
                    {{"id", "no-name"}, {"name", "no-name"}, {"version", "published"}}}}}));
  auto drafts = t.engine.Call(t.key, "GET", "/automations", {}, {{"version", "draft"}});
  ASSERT_TRUE(drafts.ok());
  EXPECT_EQ(drafts->body["templates"][0]["version"], "draft");
}

TEST(ListAutomationsBadInputTest, UnknownVersionAndForeignCursorAre400) {
  TestEngine t(Workspace());
  auto version = t.engine.Call(t.key, "GET", "/automations", {}, {{"version", "latest"}});
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.status().http_status(), 400);
  auto cursor = t.engine.Call(t.key, "GET", "/automations", {}, {{"cursor", "abc"}});
  ASSERT_FALSE(cursor.ok());
  EXPECT_EQ(cursor.status().http_status(), 400);
}

// ---- GET /automations/runs/{id}/steps ------------------------------------------

TEST(RunStepsTest, EveryStepWithItsStateAndMessage) {
  TestEngine t(Workspace());
  auto invoked =
      t.engine.Call(t.key, "POST", "/automations/welcome-flow/invoke", {{"recipient", "ann"}});
  ASSERT_TRUE(invoked.ok()) << invoked.status().ToString();
  const std::string run = invoked->body["runId"];
  auto reply = t.engine.Call(t.key, "GET", "/automations/runs/" + run + "/steps");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  const json& steps = reply->body["steps"];
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0]["action"], "send");
  EXPECT_EQ(steps[0]["status"], "PROCESSED");
  ASSERT_TRUE(steps[0].contains("message_id"));
  EXPECT_TRUE(
      t.engine.Call(t.key, "GET", "/messages/" + steps[0]["message_id"].get<std::string>()).ok());
  EXPECT_EQ(steps[1]["action"], "delay");
  EXPECT_EQ(steps[1]["status"], "WAITING");
  EXPECT_FALSE(steps[1].contains("message_id"));
}

TEST(RunStepsBadInputTest, UnknownRunIs404) {
  TestEngine t(Workspace());
  auto reply = t.engine.Call(t.key, "GET", "/automations/runs/1-nope/steps");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 404);
  EXPECT_EQ(reply.status().message(), "Run not found");
}

}  // namespace
}  // namespace mock_courier
