// Processing latency and rate limits over HTTP (docs/server.md "Processing
// latency", "Rate limits"): POST /_mock/settle and the 429 body.
#include <string>

#include "mock_courier/time_format.h"
#include "server_fixture.h"

namespace mock_courier::server::testing {
namespace {

using mock_courier::testing::kTestStart;

class ProcessingLatencyApiTest : public ServerTest {
 protected:
  ProcessingLatencyApiTest() : ServerTest({}, WithProcessingLatency(kSecond)) {}

  std::string SendToAda() {
    auto res = Post("/send", R"({"message":{"to":{"user_id":"ada"},"template":"welcome"}})");
    EXPECT_TRUE(res && res->status == 202);
    return res ? Body(res)["requestId"].get<std::string>() : "";
  }
  std::string StatusOf(const std::string& id) {
    auto res = Get("/messages/" + id);
    EXPECT_TRUE(res && res->status == 200);
    return res ? Body(res).value("status", "") : "";
  }
};

TEST_F(ProcessingLatencyApiTest, ASendIsEnqueuedUntilTheClockAdvancesPastTheLatency) {
  const std::string id = SendToAda();
  EXPECT_EQ(StatusOf(id), "ENQUEUED");

  auto settled = Post("/_mock/settle", "", "");
  ASSERT_TRUE(settled);
  EXPECT_EQ(settled->status, 200);
  json body = Body(settled);
  EXPECT_EQ(body["fired"], 0);
  EXPECT_EQ(body["pending"], 1);
  EXPECT_EQ(body["next_due"], FormatIso8601(kTestStart + kSecond));
  EXPECT_EQ(body["now"], FormatIso8601(kTestStart));
  EXPECT_EQ(StatusOf(id), "ENQUEUED");

  auto advanced = Post("/_mock/clock/advance", R"({"by":"1 second"})", "");
  ASSERT_TRUE(advanced);
  EXPECT_EQ(Body(advanced)["fired"], 0);
  EXPECT_EQ(Body(advanced)["processed"], 1);
  EXPECT_EQ(StatusOf(id), "DELIVERED");

  body = Body(Post("/_mock/settle", "", ""));
  EXPECT_EQ(body["pending"], 0);
  EXPECT_TRUE(body["next_due"].is_null());
}

TEST_F(ProcessingLatencyApiTest, AdminViewsShowTheEnqueuedMessage) {
  const std::string id = SendToAda();
  json messages = Body(Get("/_mock/messages?workspace=test-key", ""))["results"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["id"], id);
  EXPECT_EQ(messages[0]["status"], "ENQUEUED");
}

class SettleTokenTest : public ServerTest {
 protected:
  SettleTokenTest()
      : ServerTest([] {
          ServerOptions o;
          o.api.admin_token = "s3cret";
          return o;
        }()) {}
};

TEST_F(SettleTokenTest, SettleNeedsTheAdminToken) {
  auto denied = Post("/_mock/settle", "", "");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(Post("/_mock/settle", "", "Bearer s3cret")->status, 200);
}

class RateLimitApiTest : public ServerTest {};

TEST_F(RateLimitApiTest, TheTwentyFirstListSubscriptionInAMinuteIs429) {
  json ws = TestWorkspace();
  ws["rate_limits"] = true;
  ASSERT_EQ(Put("/_mock/workspaces/test-key", ws.dump(), "")->status, 200);
  for (int i = 0; i < 20; ++i) {
    auto res = Put("/lists/news/subscriptions/u" + std::to_string(i), "");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 204) << i << ": " << res->body;
  }
  auto refused = Put("/lists/news/subscriptions/u20", "");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(Body(refused), json({{"message", "Rate limit exceeded: 20 list writes per minute"},
                                 {"type", "rate_limit_error"}}));
  ASSERT_EQ(Post("/_mock/clock/advance", R"({"by":"1 minute"})", "")->status, 200);
  EXPECT_EQ(Put("/lists/news/subscriptions/u20", "")->status, 204);
}

TEST(ProcessingLatencyRealClockTest, AReadRunsWorkThatFellDueBetweenTicks) {
  // No Server, so no ticker: only the read itself can run the job.
  ScaledSystemClock clock(kTestStart, 1.0);
  Engine engine(clock, WithProcessingLatency(kHour));
  ASSERT_TRUE(engine.PutWorkspace(TestWorkspace()).ok());
  Api api(engine);
  const HeaderMap auth = {{"Authorization", Bearer()}};
  ApiResponse sent = api.Handle(
      {"POST", "/send", {}, auth, R"({"message":{"to":{"user_id":"ada"},"template":"welcome"}})"});
  ASSERT_EQ(sent.status, 202) << sent.body;
  const std::string path = "/messages/" + sent.JsonBody()["requestId"].get<std::string>();
  EXPECT_EQ(api.Handle({"GET", path, {}, auth, ""}).JsonBody()["status"], "ENQUEUED");
  // The real clock passes the processing time by itself (skipped ahead here).
  clock.AdvanceTo(clock.Now() + kHour);
  EXPECT_EQ(api.Handle({"GET", path, {}, auth, ""}).JsonBody()["status"], "DELIVERED");
}

}  // namespace
}  // namespace mock_courier::server::testing
