// Accepted, then processed (docs/fidelity.md "Realistic timing"): with a
// processing latency, inbound events, automation invokes and profile-driven
// audience matching are answered and journaled first; their effects run in a
// job at now + latency on the mock clock, in due time then acceptance order.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mock_courier/testing/engine_fixture.h"
#include "mock_courier/time_format.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::kTestStart;
using testing::TestEngine;

// "Signed Up" is mapped to the welcome notification and triggers "onboard",
// which sends it too; "Trial Ended" only triggers "nudge" (a delay, then a
// send); "team" matches profiles whose plan is "team".
json Workspace(json extra = json::object()) {
  json ws = json::parse(R"({
    "api_keys": ["test-key"],
    "segment": {"write_key": "out-key"},
    "notifications": [{"id": "welcome", "channels": ["email"],
                       "content": {"email": {"subject": "Hi", "body": "Hello"}}}],
    "event_maps": {"Segment-TrackEvent:Signed Up": "welcome"},
    "automations": [
      {"id": "onboard", "trigger": "track/Signed Up",
       "steps": [{"action": "send", "template": "welcome", "recipient": "refs.data.userId"}]},
      {"id": "nudge", "trigger": "track/Trial Ended",
       "steps": [{"action": "delay", "duration": "1 hour"},
                 {"action": "send", "template": "welcome", "recipient": "refs.data.userId"}]}
    ],
    "audiences": [{"id": "team",
                   "filter": {"operator": "EQ", "path": "plan", "value": "team"}}],
    "profiles": {"u1": {"email": "u1@example.com"}}
  })");
  ws.update(extra);
  return ws;
}

EngineOptions WithLatency(Duration latency, std::uint64_t seed = 0) {
  EngineOptions options;
  options.processing_latency = latency;
  options.seed = seed;
  return options;
}

std::string Accepted(const Result<Reply>& reply, const char* key) {
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body[key].get<std::string>() : "";
}

json OnlyJournalEntry(TestEngine& t) {
  json entries = t.Journal()["results"];
  EXPECT_EQ(entries.size(), 1u) << entries.dump(1);
  return entries.empty() ? json() : entries[0];
}

// ---- Inbound events ------------------------------------------------------------

TEST(ProcessingJobTest, ATrackIsJournaledFirstAndItsRunAndSendsAppearWhenItsJobRuns) {
  TestEngine t(Workspace(), WithLatency(kSecond));
  const std::string id = Accepted(
      t.engine.SegmentInbound(t.key, TestEngine::Track("Signed Up", "u1", "m-1")), "messageId");

  json entry = OnlyJournalEntry(t);
  EXPECT_EQ(entry["id"], id);
  EXPECT_EQ(entry["outcome"], "accepted");
  EXPECT_EQ(entry["received_at"], FormatIso8601(kTestStart));
  EXPECT_TRUE(entry["processed_at"].is_null()) << entry.dump(1);
  EXPECT_EQ(entry["effects"], json::object());
  EXPECT_TRUE(t.Runs()["results"].empty());
  EXPECT_TRUE(t.Messages()["results"].empty());

  EXPECT_EQ(t.Advance(kSecond - 1).processed, 0);
  EXPECT_TRUE(t.Runs()["results"].empty());

  AdvanceResult advanced = t.Advance(1);
  // One job for the event; the run and sends it causes are processed in it.
  EXPECT_EQ(advanced.processed, 1);
  EXPECT_EQ(advanced.fired, 0);
  json runs = t.Runs()["results"];
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "PROCESSED");
  EXPECT_EQ(runs[0]["created_at"], FormatIso8601(kTestStart + kSecond));
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 2u);  // The event-map send, then the run's.
  for (const json& message : messages) {
    EXPECT_EQ(message["status"], "DELIVERED") << message.dump(1);
  }
  entry = OnlyJournalEntry(t);
  EXPECT_EQ(entry["processed_at"], FormatIso8601(kTestStart + kSecond));
  EXPECT_EQ(entry["effects"]["runs"], json::array({runs[0]["id"]}));
  EXPECT_EQ(entry["effects"]["messages"], json::array({messages[0]["id"]}));
  EXPECT_FALSE(t.engine.NextDue().has_value());
}

TEST(ProcessingJobTest, AnUnmappedTrackIsMarkedUnmappedWhenProcessed) {
  TestEngine t(Workspace(), WithLatency(kSecond));
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, TestEngine::Track("Nothing", "u1", "m-1")).ok());
  EXPECT_EQ(OnlyJournalEntry(t)["outcome"], "accepted");
  t.Advance(kSecond);
  json entry = OnlyJournalEntry(t);
  EXPECT_EQ(entry["outcome"], "unmapped");
  EXPECT_FALSE(entry["diagnostics"].empty());
}

TEST(ProcessingJobTest, AnIdentifyMergesTheProfileWhenItsJobRuns) {
  TestEngine t(Workspace(), WithLatency(kSecond));
  ASSERT_TRUE(
      t.engine
          .SegmentInbound(t.key, TestEngine::Identify("u2", "m-1", {{"email", "u2@example.com"}}))
          .ok());
  EXPECT_EQ(t.Profile("u2"), json::object());
  t.Advance(kSecond);
  EXPECT_EQ(t.Profile("u2"), json({{"email", "u2@example.com"}}));
  EXPECT_EQ(OnlyJournalEntry(t)["effects"]["profile"], "u2");
}

TEST(ProcessingJobTest, ARepeatedMessageIdAnswersTheSameIdBeforeAndAfterProcessing) {
  TestEngine t(Workspace(), WithLatency(kSecond));
  const json track = TestEngine::Track("Signed Up", "u1", "m-1");
  const std::string first = Accepted(t.engine.SegmentInbound(t.key, track), "messageId");
  auto before = t.engine.SegmentInbound(t.key, track);
  EXPECT_EQ(Accepted(before, "messageId"), first);
  EXPECT_EQ(before->status, 202);
  t.Advance(kSecond);
  EXPECT_EQ(Accepted(t.engine.SegmentInbound(t.key, track), "messageId"), first);
  t.Advance(kSecond);
  // One effect: the duplicates scheduled no job.
  EXPECT_EQ(t.Runs()["results"].size(), 1u);
  json entries = t.Journal()["results"];
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1]["outcome"], "duplicate");
  // A duplicate has nothing to process: processed when answered.
  EXPECT_EQ(entries[1]["processed_at"], FormatIso8601(kTestStart));
}

TEST(ProcessingJobTest, ACourierInboundEventTriggersItsAutomationWhenItsJobRuns) {
  TestEngine t(Workspace(), WithLatency(kSecond));
  auto reply = t.engine.Call(t.key, "POST", "/inbound/courier",
                             {{"event", "Signed Up"},
                              {"messageId", "c-1"},
                              {"properties", json::object()},
                              {"type", "track"},
                              {"userId", "u1"}});
  EXPECT_EQ(reply->status, 202);
  const std::string id = Accepted(reply, "messageId");
  EXPECT_TRUE(OnlyJournalEntry(t)["processed_at"].is_null());
  EXPECT_TRUE(t.Runs()["results"].empty());
  // Still a conflict while the first is pending.
  auto again = t.engine.Call(t.key, "POST", "/inbound/courier",
                             {{"event", "Signed Up"},
                              {"messageId", "c-1"},
                              {"properties", json::object()},
                              {"type", "track"}});
  EXPECT_EQ(again.status().http_status(), 409);

  EXPECT_EQ(t.Advance(kSecond).processed, 1);
  json runs = t.Runs()["results"];
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["source"], "track/Signed Up/" + id);
  EXPECT_EQ(t.Journal()["results"][0]["effects"]["runs"], json::array({runs[0]["id"]}));
}

// ---- Latency paid once -----------------------------------------------------------

TEST(ProcessingJobTest, ARunsDelayEndsWithoutASecondLatency) {
  // The latency is paid once, by the event: the send after the delay is
  // processed when the delay ends.
  TestEngine t(Workspace(), WithLatency(kSecond));
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, TestEngine::Track("Trial Ended", "u1", "m-1")).ok());
  t.Advance(kSecond);
  EXPECT_EQ(t.Runs()["results"][0]["status"], "WAITING");
  t.Advance(kHour);
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["status"], "DELIVERED");
  auto message = t.engine.Call(t.key, "GET", "/messages/" + messages[0]["id"].get<std::string>());
  EXPECT_EQ(message->body["sent"], kTestStart + kSecond + kHour);
}

TEST(ProcessingJobTest, ARelayedEventReleasedLaterIsProcessedOneLatencyAfterItArrives) {
  // A held event reaches Courier when the reorder window releases it: it is
  // a new request there, answered then and processed one latency later.
  TestEngine t(Workspace({{"segment",
                           {{"write_key", "out-key"},
                            {"source_write_keys", {"src-key"}},
                            {"delivery", {{"reorder_window", "10 seconds"}}}}}}),
               WithLatency(kSecond, 7));
  ASSERT_TRUE(t.engine
                  .SegmentTrackingReceive("src-key", TestEngine::Track("Signed Up", "u1", "m-1"),
                                          "/v1/track")
                  .ok());
  t.Advance(11 * kSecond);
  json entry = OnlyJournalEntry(t);
  const TimePoint received = *ParseIso8601(entry["received_at"].get<std::string>());
  ASSERT_GT(received, kTestStart) << "the seed should hold the event";
  EXPECT_EQ(entry["processed_at"], FormatIso8601(received + kSecond));
  EXPECT_EQ(t.Runs()["results"][0]["created_at"], FormatIso8601(received + kSecond));
}

// ---- Invokes --------------------------------------------------------------------

json AdHocSend(const std::string& user) {
  return {{"automation",
           {{"steps", {{{"action", "send"}, {"template", "welcome"}, {"recipient", user}}}}}}};
}

json RunApi(TestEngine& t, const std::string& id) {
  auto reply = t.engine.Call(t.key, "GET", "/automations/runs/" + id);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body["run"] : json();
}

TEST(ProcessingJobTest, AnInvokedRunIsProcessingWithNoStepProcessedUntilItsJobRuns) {
  TestEngine t(Workspace(), WithLatency(kSecond));
  const std::string id =
      Accepted(t.engine.Call(t.key, "POST", "/automations/invoke", AdHocSend("u1")), "runId");

  json run = RunApi(t, id);
  EXPECT_EQ(run["status"], "PROCESSING");
  EXPECT_EQ(run["created_at"], FormatIso8601(kTestStart));
  EXPECT_EQ(run["steps"], json::array({{{"action", "send"}, {"status", "NOT PROCESSED"}}}));
  EXPECT_TRUE(t.Messages()["results"].empty());

  EXPECT_EQ(t.Advance(kSecond).processed, 1);
  run = RunApi(t, id);
  EXPECT_EQ(run["status"], "PROCESSED");
  EXPECT_EQ(run["created_at"], FormatIso8601(kTestStart));
  EXPECT_EQ(run["updated_at"], FormatIso8601(kTestStart + kSecond));
  EXPECT_EQ(run["steps"][0]["status"], "PROCESSED");
  EXPECT_EQ(run["steps"][0]["updated_at"], FormatIso8601(kTestStart + kSecond));
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(run["steps"][0]["message_id"], messages[0]["id"]);
  EXPECT_EQ(messages[0]["status"], "DELIVERED");
}

TEST(ProcessingJobTest, ATemplateInvokeStartsItsRunWhenItsJobRuns) {
  TestEngine t(Workspace(), WithLatency(kSecond));
  const std::string id = Accepted(
      t.engine.Call(t.key, "POST", "/automations/onboard/invoke", {{"data", {{"userId", "u1"}}}}),
      "runId");
  EXPECT_EQ(RunApi(t, id)["status"], "PROCESSING");
  t.Advance(kSecond);
  EXPECT_EQ(RunApi(t, id)["status"], "PROCESSED");
  EXPECT_EQ(t.Messages()["results"].size(), 1u);
}

TEST(ProcessingJobTest, AnInvokedRunCanceledBeforeItsJobNeverRuns) {
  TestEngine t(Workspace(), WithLatency(2 * kMinute));
  // Starts at +2 min and cancels token "t" at +3 min.
  Accepted(t.engine.Call(t.key, "POST", "/automations/invoke",
                         {{"automation",
                           {{"steps",
                             {{{"action", "delay"}, {"duration", "1 minute"}},
                              {{"action", "cancel"}, {"cancelation_token", "t"}}}}}}}),
           "runId");
  t.Advance(2 * kMinute);
  // Accepted at +2 min with token "t": its job is due at +4 min.
  json invoke = AdHocSend("u1");
  invoke["automation"]["cancelation_token"] = "t";
  const std::string canceled =
      Accepted(t.engine.Call(t.key, "POST", "/automations/invoke", invoke), "runId");
  EXPECT_EQ(RunApi(t, canceled)["status"], "PROCESSING");
  t.Advance(2 * kMinute);
  json run = RunApi(t, canceled);
  EXPECT_EQ(run["status"], "CANCELED");
  EXPECT_EQ(run["steps"][0]["status"], "NOT PROCESSED");
  EXPECT_TRUE(t.Messages()["results"].empty());
}

// ---- Order and determinism ------------------------------------------------------

// The outbound Segment calls named `event`, for their userId.
std::vector<std::string> OutboundUsers(TestEngine& t, const std::string& event) {
  std::vector<std::string> users;
  const json outbox = t.Outbox();
  for (const json& call : outbox["results"]) {
    if (call["event"]["event"] == event) users.push_back(call["event"]["userId"]);
  }
  return users;
}

TEST(ProcessingJobTest, JobsOfEveryKindRunInAcceptanceOrder) {
  TestEngine t(Workspace({{"profiles",
                           {{"u1", {{"email", "u1@example.com"}}},
                            {"u2", {{"email", "u2@example.com"}}},
                            {"u3", {{"email", "u3@example.com"}}}}}}),
               WithLatency(kSecond));
  Accepted(t.engine.Call(t.key, "POST", "/automations/invoke", AdHocSend("u2")), "runId");
  ASSERT_TRUE(t.engine.Send(t.key, {{"event", "welcome"}, {"recipient", "u3"}}).ok());
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, TestEngine::Track("Trial Ended", "u1", "m-1")).ok());
  t.Advance(kSecond);
  // Processed in acceptance order: the invoke's send, then /send.
  EXPECT_EQ(OutboundUsers(t, "Message Sent"), (std::vector<std::string>{"u2", "u3"}));
  json runs = t.Runs()["results"];
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["source"], "invoke");
  EXPECT_EQ(runs[1]["template"], "nudge");
}

TEST(ProcessingJobTest, TheSameSeedGivesTheSameJournalRunsAndMessages) {
  auto run = [](std::uint64_t seed) {
    TestEngine t(Workspace(), WithLatency(kSecond, seed));
    (void)t.engine.SegmentInbound(t.key, TestEngine::Track("Signed Up", "u1", "m-1"));
    (void)t.engine.Call(t.key, "POST", "/automations/invoke", AdHocSend("u1"));
    t.Advance(500);
    (void)t.engine.SegmentInbound(t.key, TestEngine::Track("Trial Ended", "u1", "m-2"));
    (void)t.engine.Call(t.key, "POST", "/profiles/u1", {{"profile", {{"plan", "team"}}}});
    t.Advance(kHour + 2 * kSecond);
    return json{t.Journal(), t.Runs(), t.Messages(), t.Outbox()}.dump();
  };
  const std::string first = run(42);
  EXPECT_EQ(run(42), first);
  EXPECT_NE(run(43), first);
}

// ---- Profile-driven effects ----------------------------------------------------

std::vector<std::string> TeamMembers(TestEngine& t) {
  std::vector<std::string> users;
  auto reply = t.engine.Call(t.key, "GET", "/audiences/team/members");
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  if (reply.ok()) {
    for (const json& item : reply->body["items"]) users.push_back(item["member_id"]);
  }
  return users;
}

TEST(ProcessingJobTest, AProfileWriteIsStoredAtOnceAndItsAudienceMatchIsAJob) {
  TestEngine t(Workspace(), WithLatency(kSecond));
  // A file audience's members are computed on first use: before the write.
  ASSERT_TRUE(TeamMembers(t).empty());
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/profiles/u1", {{"profile", {{"plan", "team"}}}}).ok());
  // The profile API answers with the write done; matching comes later.
  EXPECT_EQ(t.Profile("u1")["plan"], "team");
  EXPECT_TRUE(TeamMembers(t).empty());
  EXPECT_TRUE(OutboundUsers(t, "Audience User Matched").empty());

  EXPECT_EQ(t.Advance(kSecond).processed, 1);
  EXPECT_EQ(TeamMembers(t), (std::vector<std::string>{"u1"}));
  EXPECT_EQ(OutboundUsers(t, "Audience User Matched"), (std::vector<std::string>{"u1"}));

  ASSERT_TRUE(t.engine.Call(t.key, "DELETE", "/profiles/u1").ok());
  EXPECT_EQ(TeamMembers(t), (std::vector<std::string>{"u1"}));
  t.Advance(kSecond);
  EXPECT_TRUE(TeamMembers(t).empty());
  EXPECT_EQ(OutboundUsers(t, "Audience User Unmatched"), (std::vector<std::string>{"u1"}));
}

TEST(ProcessingJobTest, TheAudienceJobMatchesTheProfileAsItIsWhenItRuns) {
  TestEngine t(Workspace(), WithLatency(kSecond));
  ASSERT_TRUE(TeamMembers(t).empty());  // Computed before the writes.
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/profiles/u1", {{"profile", {{"plan", "team"}}}}).ok());
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/profiles/u1", {{"profile", {{"plan", "solo"}}}}).ok());
  EXPECT_EQ(t.Advance(kSecond).processed, 2);
  // Never a member when a job ran: no membership event at all.
  EXPECT_TRUE(TeamMembers(t).empty());
  EXPECT_TRUE(OutboundUsers(t, "Audience User Matched").empty());
}

TEST(ProcessingJobTest, AnIdentifyMatchesAudiencesInItsOwnJob) {
  TestEngine t(Workspace(), WithLatency(kSecond));
  ASSERT_TRUE(
      t.engine.SegmentInbound(t.key, TestEngine::Identify("u2", "m-1", {{"plan", "team"}})).ok());
  AdvanceResult advanced = t.Advance(kSecond);
  EXPECT_EQ(advanced.processed, 1);
  EXPECT_EQ(TeamMembers(t), (std::vector<std::string>{"u2"}));
  EXPECT_FALSE(t.engine.NextDue().has_value());
}

TEST(ProcessingJobTest, WithoutAudiencesAProfileWriteSchedulesNothing) {
  json ws = Workspace();
  ws.erase("audiences");
  TestEngine t(ws, WithLatency(kSecond));
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/profiles/u1", {{"profile", {{"plan", "team"}}}}).ok());
  EXPECT_FALSE(t.engine.NextDue().has_value());
}

// ---- Latency 0 -------------------------------------------------------------------

TEST(ProcessingJobTest, WithoutLatencyTheEntryIsJournaledThenProcessedBeforeTheAnswer) {
  TestEngine t(Workspace());
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, TestEngine::Track("Signed Up", "u1", "m-1")).ok());
  json entry = OnlyJournalEntry(t);
  EXPECT_EQ(entry["processed_at"], entry["received_at"]);
  EXPECT_EQ(entry["effects"]["runs"].size(), 1u);
  EXPECT_EQ(t.Messages()["results"].size(), 2u);
  const std::string run =
      Accepted(t.engine.Call(t.key, "POST", "/automations/invoke", AdHocSend("u1")), "runId");
  EXPECT_EQ(RunApi(t, run)["status"], "PROCESSED");
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/profiles/u1", {{"profile", {{"plan", "team"}}}}).ok());
  EXPECT_EQ(TeamMembers(t), (std::vector<std::string>{"u1"}));
  EXPECT_FALSE(t.engine.NextDue().has_value());
}

}  // namespace
}  // namespace mock_courier
