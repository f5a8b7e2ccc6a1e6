// The endpoints of @trycourier/courier beyond sends and runs, over HTTP:
// GET /messages/{id}/output, PUT /requests/{id}/archive, GET /automations,
// GET /automations/runs/{id}/steps. Their semantics are tested in
// engine/tests/requests_api_test.cc; these check the routes, statuses and
// bodies as an SDK sees them.
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
