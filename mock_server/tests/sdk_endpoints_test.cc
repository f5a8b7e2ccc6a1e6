// The endpoints of Courier's SDKs beyond sends and runs, over HTTP:
// GET /messages/{id}/output, POST /messages/{id}/resend, PUT
// /requests/{id}/archive, GET /automations, GET /automations/runs/{id}/steps,
// POST /journeys/cancel, and the admin view of a /send with a basic-ISO
// delay.until. Their semantics are tested in engine/tests/requests_api_test.cc,
// journeys_test.cc and lenient_input_test.cc; these check the routes, statuses
// and bodies as an SDK sees them.
#include <string>

#include "server_fixture.h"

namespace mock_courier::server::testing {
namespace {

const json kInvalidRequest404Message = {{"message", "Message not found"},
                                        {"type", "invalid_request_error"}};

class SdkEndpointsTest : public ServerTest {
 protected:
  std::string SendToAda() {
    auto res = Post("/send", R"({"message":{"to":{"user_id":"ada"},"template":"welcome",)"
                             R"("data":{"name":"Ada"}}})");
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 202);
    return Body(res)["requestId"].get<std::string>();
  }
};

TEST_F(SdkEndpointsTest, MessageOutputIsTheRenderedContent) {
  const std::string id = SendToAda();
  auto res = Get("/messages/" + id + "/output");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  json body = Body(res);
  ASSERT_EQ(body["results"].size(), 1u);
  EXPECT_EQ(body["results"][0]["channel"], "email");
  EXPECT_EQ(body["results"][0]["content"]["subject"], "Hi");
  EXPECT_EQ(body["results"][0]["content"]["body"], "Hello Ada");
}

TEST_F(SdkEndpointsTest, ArchiveIs202WithoutBodyAndHidesTheMessage) {
  const std::string id = SendToAda();
  auto res = Put("/requests/" + id + "/archive", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202);
  EXPECT_TRUE(res->body.empty());
  EXPECT_EQ(Body(Get("/messages"))["results"].size(), 0u);
  EXPECT_EQ(Body(Get("/messages?archived=true"))["results"].size(), 1u);
}

TEST_F(SdkEndpointsTest, AutomationsListAndRunSteps) {
  ASSERT_TRUE(t_.engine
                  .PutWorkspace(json::parse(R"({
    "api_keys": ["test-key"],
    "notifications": [{"id": "welcome", "channels": ["email"]}],
    "profiles": {"ada": {"email": "ada@example.com"}},
    "automations": [{"id": "onboarding", "name": "Onboarding",
                     "steps": [{"action": "send", "template": "welcome"},
                               {"action": "delay", "duration": "1 day"}]}]
  })"))
                  .ok());
  auto list = Get("/automations");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200);
  EXPECT_EQ(Body(list),
            (json{{"templates",
                   {{{"id", "onboarding"}, {"name", "Onboarding"}, {"version", "published"}}}}}));

  auto invoked = Post("/automations/onboarding/invoke", R"({"recipient":"ada"})");
  ASSERT_TRUE(invoked);
  ASSERT_EQ(invoked->status, 200);
  const std::string run = Body(invoked)["runId"];
  auto steps = Get("/automations/runs/" + run + "/steps");
  ASSERT_TRUE(steps);
  EXPECT_EQ(steps->status, 200);
  json body = Body(steps);
  ASSERT_EQ(body["steps"].size(), 2u);
  EXPECT_EQ(body["steps"][0]["action"], "send");
  EXPECT_EQ(body["steps"][0]["status"], "PROCESSED");
  EXPECT_TRUE(body["steps"][0]["message_id"].is_string());
  EXPECT_EQ(body["steps"][1]["status"], "WAITING");
}

TEST_F(SdkEndpointsTest, ResendAnswersTheNewMessageId) {
  const std::string id = SendToAda();
  auto res = Post("/messages/" + id + "/resend", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  json body = Body(res);
  ASSERT_EQ(body.size(), 1u) << body;
  const std::string resent = body["messageId"];
  EXPECT_NE(resent, id);
  json record = Body(Get("/messages/" + resent));
  EXPECT_EQ(record["status"], "DELIVERED");
  EXPECT_EQ(record["recipient"], "ada");
  EXPECT_EQ(Body(Get("/messages"))["results"].size(), 2u);
}

TEST_F(SdkEndpointsTest, ResendWithAnIdempotencyKeyIsReplayed) {
  const std::string id = SendToAda();
  httplib::Headers key = {{"Idempotency-Key", "resend-1"}};
  auto first = Post("/messages/" + id + "/resend", "", Bearer(), key);
  auto second = Post("/messages/" + id + "/resend", "", Bearer(), key);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(Body(second), Body(first));
  EXPECT_EQ(Body(Get("/messages"))["results"].size(), 2u);
}

TEST_F(SdkEndpointsTest, JourneysCancelByTokenAndByRunId) {
  const std::string automation = R"({"automation":{"cancelation_token":"order-1","steps":[)"
                                 R"({"action":"delay","duration":"1 hour"},)"
                                 R"({"action":"send","template":"welcome","recipient":"ada"}]}})";
  auto first = Post("/automations/invoke", automation);
  auto second = Post("/automations/invoke", automation);
  ASSERT_TRUE(first && second);
  const std::string run = Body(first)["runId"];

  auto by_id = Post("/journeys/cancel", R"({"run_id":")" + run + R"("})");
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->status, 202);
  EXPECT_EQ(Body(by_id), (json{{"run_id", run}, {"status", "CANCELED"}}));

  auto by_token = Post("/journeys/cancel", R"({"cancelation_token":"order-1"})");
  ASSERT_TRUE(by_token);
  EXPECT_EQ(by_token->status, 202);
  EXPECT_EQ(Body(by_token), (json{{"cancelation_token", "order-1"}}));
  EXPECT_EQ(
      Body(Get("/automations/runs/" + Body(second)["runId"].get<std::string>()))["run"]["status"],
      "CANCELED");
  // Nothing is sent when the delays would have ended.
  ASSERT_EQ(Post("/_mock/clock/advance", R"({"by":"2 hours"})", "")->status, 200);
  EXPECT_EQ(Body(Get("/messages"))["results"].size(), 0u);
}

TEST_F(SdkEndpointsTest, BasicIsoDelayUntilIsAcceptedWithADiagnosticInTheAdminView) {
  auto res = Post("/send", R"({"message":{"to":{"user_id":"ada"},"template":"welcome",)"
                           R"("delay":{"until":"20300101T000000Z"}}})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202);
  json messages = Body(Get("/_mock/messages?workspace=test-key", ""))["results"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["status"], "ENQUEUED");
  ASSERT_EQ(messages[0]["diagnostics"].size(), 1u);
  EXPECT_NE(
      messages[0]["diagnostics"][0].get<std::string>().find("accepted here; Courier may reject"),
      std::string::npos);
  // The Courier API's record stays Courier's shape.
  EXPECT_FALSE(
      Body(Get("/messages/" + Body(res)["requestId"].get<std::string>())).contains("diagnostics"));
}

class SdkEndpointsBadInputTest : public SdkEndpointsTest {};

TEST_F(SdkEndpointsBadInputTest, UnknownIdsAre404InCouriersShape) {
  auto output = Get("/messages/1-nope/output");
  ASSERT_TRUE(output);
  EXPECT_EQ(output->status, 404);
  EXPECT_EQ(Body(output), kInvalidRequest404Message);

  auto archive = Put("/requests/1-nope/archive", "");
  ASSERT_TRUE(archive);
  EXPECT_EQ(archive->status, 404);
  EXPECT_EQ(Body(archive),
            (json{{"message", "Request not found"}, {"type", "invalid_request_error"}}));

  auto steps = Get("/automations/runs/1-nope/steps");
  ASSERT_TRUE(steps);
  EXPECT_EQ(steps->status, 404);
  EXPECT_EQ(Body(steps), (json{{"message", "Run not found"}, {"type", "invalid_request_error"}}));
}

TEST_F(SdkEndpointsBadInputTest, ResendOfAnUnknownMessageIs404AndCreatesNothing) {
  auto res = Post("/messages/1-nope/resend", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(Body(res), kInvalidRequest404Message);
  EXPECT_EQ(Body(Get("/messages"))["results"].size(), 0u);
}

TEST_F(SdkEndpointsBadInputTest, JourneysCancelNeedsExactlyOneIdentifier) {
  for (const std::string& body :
       {std::string("{}"), std::string(R"({"cancelation_token":"a","run_id":"b"})"),
        std::string(R"({"run_id":7})")}) {
    auto res = Post("/journeys/cancel", body);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << body;
    EXPECT_EQ(Body(res)["type"], "invalid_request_error") << body;
  }
  auto empty = Post("/journeys/cancel", "");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
  EXPECT_EQ(Body(empty)["message"], "No Body Provided");
  auto unknown = Post("/journeys/cancel", R"({"run_id":"1-nope"})");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(Body(unknown), (json{{"message", "Run not found"}, {"type", "invalid_request_error"}}));
}

TEST_F(SdkEndpointsBadInputTest, UnknownAutomationsVersionIs400) {
  auto res = Get("/automations?version=latest");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Body(res)["type"], "invalid_request_error");
}

TEST_F(SdkEndpointsBadInputTest, WrongMethodsAndMissingKeyKeepTheGatewayAnswers) {
  auto post = Post("/requests/r1/archive", "");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 403);
  auto no_key = Get("/automations", "");
  ASSERT_TRUE(no_key);
  EXPECT_EQ(no_key->status, 401);
}

}  // namespace
}  // namespace mock_courier::server::testing
