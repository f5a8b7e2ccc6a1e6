// Accepted, then processed, over HTTP (docs/server.md "Processing latency"):
// with a latency, /inbound/segment, /inbound/courier and the invokes answer
// at once; the journal shows the entry unprocessed and the runs appear when
// the clock reaches the job.
#include <string>

#include "mock_courier/time_format.h"
#include "server_fixture.h"

namespace mock_courier::server::testing {
namespace {

using mock_courier::testing::kTestStart;

class ProcessingJobApiTest : public ServerTest {
 protected:
  ProcessingJobApiTest() : ServerTest({}, WithProcessingLatency(kSecond)) {}

  void SetUp() override {
    ServerTest::SetUp();
    json ws = TestWorkspace();
    ws["automations"] = json::parse(R"([
      {"id": "onboard", "trigger": "track/Signed Up",
       "steps": [{"action": "send", "template": "welcome", "recipient": "refs.data.userId"}]}
    ])");
    auto put = Put("/_mock/workspaces/test-key", ws.dump(), "");
    ASSERT_TRUE(put);
    ASSERT_EQ(put->status, 200) << put->body;
  }

  json Runs() { return Body(Get("/_mock/runs?workspace=test-key", ""))["results"]; }
  json Journal() { return Body(Get("/_mock/inbound?workspace=test-key", ""))["results"]; }
  json AdvanceOneSecond() {
    auto res = Post("/_mock/clock/advance", R"({"by":"1 second"})", "");
    EXPECT_TRUE(res && res->status == 200);
    return Body(res);
  }
};

TEST_F(ProcessingJobApiTest, ASegmentTrackIsAnsweredAndJournaledBeforeItsRunExists) {
  const std::string track =
      R"({"type":"track","event":"Signed Up","userId":"ada","messageId":"m-1","properties":{}})";
  auto res = Post("/inbound/segment", track);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202);
  const std::string id = Body(res)["messageId"];

  json journal = Journal();
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0]["id"], id);
  EXPECT_EQ(journal[0]["outcome"], "accepted");
  EXPECT_TRUE(journal[0]["processed_at"].is_null());
  EXPECT_TRUE(Runs().empty());

  // A replay before the job ran answers the same id.
  auto replay = Post("/inbound/segment", track);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 202);
  EXPECT_EQ(Body(replay)["messageId"], id);

  auto settled = Body(Post("/_mock/settle", "", ""));
  EXPECT_EQ(settled["processed"], 0);
  EXPECT_EQ(settled["pending"], 1);

  EXPECT_EQ(AdvanceOneSecond()["processed"], 1);
  json runs = Runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "PROCESSED");
  journal = Journal();
  EXPECT_EQ(journal[0]["processed_at"], FormatIso8601(kTestStart + kSecond));
  EXPECT_EQ(journal[0]["effects"]["runs"], json::array({runs[0]["id"]}));
}

TEST_F(ProcessingJobApiTest, AnInvokeAnswersItsRunIdAndTheRunIsProcessingUntilItsJobRuns) {
  auto res = Post("/automations/onboard/invoke", R"({"data":{"userId":"ada"}})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const std::string run_id = Body(res)["runId"];

  json run = Body(Get("/automations/runs/" + run_id))["run"];
  EXPECT_EQ(run["status"], "PROCESSING");
  EXPECT_EQ(run["steps"], json::parse(R"([{"action":"send","status":"NOT PROCESSED"}])"));

  EXPECT_EQ(AdvanceOneSecond()["processed"], 1);
  run = Body(Get("/automations/runs/" + run_id))["run"];
  EXPECT_EQ(run["status"], "PROCESSED");
  ASSERT_TRUE(run["steps"][0].contains("message_id")) << run.dump();
  auto message = Get("/messages/" + run["steps"][0]["message_id"].get<std::string>());
  ASSERT_TRUE(message);
  EXPECT_EQ(Body(message)["status"], "DELIVERED");
}

TEST_F(ProcessingJobApiTest, ACourierInboundEventStartsItsRunWhenItsJobRuns) {
  auto res = Post("/inbound/courier",
                  R"({"event":"Signed Up","messageId":"c-1","type":"track","userId":"ada",
                      "properties":{}})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202);
  EXPECT_TRUE(Runs().empty());
  AdvanceOneSecond();
  EXPECT_EQ(Runs().size(), 1u);
}

TEST_F(ProcessingJobApiTest, WaitReturnsTheRunOnceTheClockReachesTheJob) {
  ASSERT_EQ(Post("/automations/onboard/invoke", R"({"data":{"userId":"ada"}})")->status, 200);
  // Nothing to wait for yet: the run is PROCESSING, not PROCESSED.
  auto early =
      Get("/_mock/wait?workspace=test-key&kind=runs&match=%7B%22status%22%3A%22PROCESSED%22%7D"
          "&timeout_ms=0",
          "");
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 408);
  AdvanceOneSecond();
  auto done =
      Get("/_mock/wait?workspace=test-key&kind=runs&match=%7B%22status%22%3A%22PROCESSED%22%7D"
          "&timeout_ms=0",
          "");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 200);
}

TEST_F(ProcessingJobApiTest, ABadInvokeIsRefusedAndSchedulesNothing) {
  auto res = Post("/automations/invoke", R"({"automation":{"steps":[]}})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_TRUE(Runs().empty());
  EXPECT_TRUE(Body(Get("/_mock/clock", ""))["next_due"].is_null());
}

}  // namespace
}  // namespace mock_courier::server::testing
