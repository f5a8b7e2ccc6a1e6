// Segment's retries of a failed relay (docs/fidelity.md "Segment retries"):
// an attempt the failure rate picks, or one the workspace answers 5xx, 408 or
// 429, is retried with a seeded exponential backoff on the mock clock until it
// succeeds or the retry window ends.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "fake_segment.h"
#include "mock_courier/testing/engine_fixture.h"
#include "mock_courier/time_format.h"
#include "scheduler.h"
#include "segment_relay.h"
#include "workspace_state.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::kTestStart;
using testing::TestEngine;

json RetryWorkspace(json delivery) {
  json ws = {{"api_keys", {"test-key"}},
             {"notifications",
              {{{"id", "welcome"},
                {"channels", {"email"}},
                {"content", {{"email", {{"subject", "Hi"}, {"body", "Hello"}}}}}}}},
             {"event_maps", {{"Segment-TrackEvent:Signed Up", "welcome"}}},
             {"profiles", {{"u1", {{"email", "u1@example.com"}}}}},
             {"segment", {{"source_write_keys", {"src-key"}}}}};
  if (!delivery.is_null()) ws["segment"]["delivery"] = delivery;
  return ws;
}

EngineOptions Seeded(std::uint64_t seed) {
  EngineOptions options;
  options.seed = seed;
  return options;
}

void Receive(TestEngine& t, const std::string& message_id, const std::string& event = "Signed Up") {
  ASSERT_TRUE(t.engine
                  .SegmentTrackingReceive("src-key", TestEngine::Track(event, "u1", message_id),
                                          "/v1/track")
                  .ok());
}

// The journal as "messageId outcome status | segment.delivery marks..." lines.
std::vector<std::string> JournalLines(TestEngine& t) {
  std::vector<std::string> lines;
  const json journal = t.Journal();
  for (const json& entry : journal["results"]) {
    std::string line = entry["payload"].value("messageId", "") + " " + entry.value("outcome", "") +
                       " " + std::to_string(entry.value("status", 0));
    for (const json& d : entry["diagnostics"]) {
      const std::string text = d.get<std::string>();
      if (text.rfind("segment.delivery:", 0) == 0) line += " | " + text;
    }
    lines.push_back(line);
  }
  return lines;
}

std::size_t CountOutcome(const std::vector<std::string>& lines, const std::string& outcome) {
  std::size_t n = 0;
  for (const std::string& line : lines) n += line.find(" " + outcome + " ") != std::string::npos;
  return n;
}

TEST(SegmentRetryTest, RetryBackoffDoublesFromASecondUpToAnHour) {
  EXPECT_EQ(RelayRetryBackoff(1), kSecond);
  EXPECT_EQ(RelayRetryBackoff(2), 2 * kSecond);
  EXPECT_EQ(RelayRetryBackoff(4), 8 * kSecond);
  EXPECT_EQ(RelayRetryBackoff(12), 2048 * kSecond);
  EXPECT_EQ(RelayRetryBackoff(13), kHour);
  EXPECT_EQ(RelayRetryBackoff(100), kHour);
}

TEST(SegmentRetryTest, SegmentRetriesServerErrorsTimeoutsAndRateLimitsOnly) {
  for (int status : {408, 429, 500, 502, 503, 504, 599}) {
    EXPECT_TRUE(IsRetryableRelayStatus(status)) << status;
  }
  for (int status : {200, 202, 400, 401, 404, 409, 501, 505}) {
    EXPECT_FALSE(IsRetryableRelayStatus(status)) << status;
  }
}

TEST(SegmentRetryTest, AFailedAttemptIsRetriedAfterTheBackoffWithTheSameMessageId) {
  // Find a seed whose first attempt fails and whose retry succeeds.
  bool found = false;
  for (std::uint64_t seed = 0; seed < 100 && !found; ++seed) {
    TestEngine t(RetryWorkspace({{"failure_rate", 0.5}}), Seeded(seed));
    Receive(t, "m-1");
    std::vector<std::string> lines = JournalLines(t);
    ASSERT_EQ(lines.size(), 1u);
    if (lines[0].find(" failed ") == std::string::npos) continue;
    const auto due = t.engine.NextDue();
    ASSERT_TRUE(due.has_value());
    const Duration wait = *due - kTestStart;
    // First retry: half the 1 s backoff plus a random part of the other half.
    EXPECT_GE(wait, 500);
    EXPECT_LE(wait, kSecond);
    EXPECT_NE(lines[0].find("segment.delivery: simulated failure (failure_rate); the workspace "
                            "was not reached | segment.delivery: attempt 1 failed with "),
              std::string::npos)
        << lines[0];
    EXPECT_NE(
        lines[0].find("; retrying in " + std::to_string(wait) + " ms with the same messageId"),
        std::string::npos)
        << lines[0];
    // The workspace was not reached: no send yet.
    EXPECT_EQ(t.Messages()["results"].size(), 0u);
    t.Advance(wait - 1);
    EXPECT_EQ(JournalLines(t).size(), 1u);
    t.Advance(1);
    lines = JournalLines(t);
    ASSERT_EQ(lines.size(), 2u);
    if (lines[1].find(" failed ") != std::string::npos) continue;  // Failed again: next seed.
    found = true;
    EXPECT_EQ(lines[1], "m-1 accepted 202 | segment.delivery: retry, attempt 2");
    EXPECT_EQ(t.Messages()["results"].size(), 1u);
    EXPECT_FALSE(t.engine.NextDue().has_value());
  }
  EXPECT_TRUE(found) << "no seed below 100 fails once and then succeeds";
}

TEST(SegmentRetryTest, EverySimulatedFailureIsOneOfTheStatusesSegmentRetries) {
  TestEngine t(RetryWorkspace({{"failure_rate", 1}, {"retry_window", "1 minute"}}));
  for (int i = 0; i < 10; ++i) Receive(t, "m" + std::to_string(i));
  t.Advance(kHour);
  const json journal = t.Journal()["results"];
  ASSERT_GE(journal.size(), 30u);
  std::set<int> seen;
  for (const json& entry : journal) {
    seen.insert(entry["status"].get<int>());
    EXPECT_EQ(entry["source"], "segment-relay");
    EXPECT_EQ(entry["type"], "track");
    EXPECT_EQ(entry["event"], "Signed Up");
  }
  EXPECT_EQ(seen, (std::set<int>{408, 429, 500}));
}

TEST(SegmentRetryTest, ASuccessAfterRetriesAndDuplicatesHasExactlyOneEffect) {
  TestEngine t(RetryWorkspace({{"failure_rate", 0.6}, {"duplicate_rate", 1}}), Seeded(3));
  Receive(t, "m-1");
  t.Advance(5 * kHour);
  const std::vector<std::string> lines = JournalLines(t);
  EXPECT_GT(CountOutcome(lines, "failed"), 0u) << ::testing::PrintToString(lines);
  // Both copies eventually arrive (or are dropped); only one is processed.
  EXPECT_EQ(CountOutcome(lines, "accepted"), 1u) << ::testing::PrintToString(lines);
  EXPECT_EQ(t.Messages()["results"].size(), 1u);
  for (const std::string& line : lines) EXPECT_EQ(line.rfind("m-1 ", 0), 0u) << line;
}

TEST(SegmentRetryTest, RetriesStopAtTheWindowAndTheEventIsDropped) {
  TestEngine t(RetryWorkspace({{"failure_rate", 1}, {"retry_window", "10 seconds"}}));
  Receive(t, "m-1");
  t.Advance(kHour);
  const json journal = t.Journal()["results"];
  ASSERT_GE(journal.size(), 3u);  // Backoffs of at most 1, 2 and 4 s fit in 10 s.
  for (std::size_t i = 0; i + 1 < journal.size(); ++i) EXPECT_EQ(journal[i]["outcome"], "failed");
  const json& last = journal.back();
  EXPECT_EQ(last["outcome"], "dropped");
  EXPECT_LE(*ParseIso8601(last["received_at"].get<std::string>()), kTestStart + 10 * kSecond);
  EXPECT_NE(last["diagnostics"].dump().find(
                "dropped: the next retry would fall after the retry window of 10000 ms from the "
                "first attempt"),
            std::string::npos)
      << last.dump();
  EXPECT_EQ(t.Messages()["results"].size(), 0u);
  EXPECT_FALSE(t.engine.NextDue().has_value());
}

TEST(SegmentRetryTest, TheRetryWindowDefaultsToFourHours) {
  TestEngine t(RetryWorkspace({{"failure_rate", 1}}));
  Receive(t, "m-1");
  t.Advance(5 * kHour);
  const json journal = t.Journal()["results"];
  const json& last = journal.back();
  EXPECT_EQ(last["outcome"], "dropped");
  const TimePoint last_at = *ParseIso8601(last["received_at"].get<std::string>());
  // Backoffs are at most an hour, at least half of it: the last attempt falls
  // in the last hour of the window.
  EXPECT_LE(last_at, kTestStart + 4 * kHour);
  EXPECT_GT(last_at, kTestStart + 3 * kHour);
  EXPECT_FALSE(t.engine.NextDue().has_value());
}

TEST(SegmentRetryTest, ARetryWindowOfZeroDropsTheFirstFailure) {
  TestEngine t(RetryWorkspace({{"failure_rate", 1}, {"retry_window", 0}}));
  Receive(t, "m-1");
  const std::vector<std::string> lines = JournalLines(t);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("m-1 dropped "), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("; dropped (retries are off)"), std::string::npos) << lines[0];
  EXPECT_FALSE(t.engine.NextDue().has_value());
}

TEST(SegmentRetryTest, ResettingTheWorkspaceCancelsPendingRetries) {
  TestEngine t(RetryWorkspace({{"failure_rate", 1}}));
  Receive(t, "m-1");
  ASSERT_TRUE(t.engine.NextDue().has_value());
  ASSERT_TRUE(t.engine.Reset(t.key).ok());
  t.Advance(5 * kHour);
  EXPECT_EQ(t.Journal()["results"].size(), 0u);
  EXPECT_EQ(t.Messages()["results"].size(), 0u);
}

TEST(SegmentRetryTest, TheEngineOptionAppliesWhenTheWorkspaceSetsNothing) {
  EngineOptions options;
  options.segment_delivery.failure_rate = 1;
  options.segment_delivery.retry_window = 0;
  TestEngine t(RetryWorkspace(nullptr), options);
  Receive(t, "m-1");
  EXPECT_EQ(CountOutcome(JournalLines(t), "dropped"), 1u);
  // The workspace's setting wins.
  TestEngine exact(RetryWorkspace({{"failure_rate", 0}}), options);
  Receive(exact, "m-1");
  EXPECT_EQ(JournalLines(exact), (std::vector<std::string>{"m-1 accepted 202"}));
}

TEST(SegmentRetryTest, TheSameSeedGivesTheSameJournal) {
  auto run = [](std::uint64_t seed) {
    TestEngine t(RetryWorkspace({{"failure_rate", 0.5},
                                 {"duplicate_rate", 0.3},
                                 {"reorder_window", "5 seconds"},
                                 {"retry_window", "1 minute"}}),
                 Seeded(seed));
    for (int i = 0; i < 8; ++i) Receive(t, "m" + std::to_string(i), "Seen");
    t.Advance(kHour);
    std::vector<std::string> lines = JournalLines(t);
    const json journal = t.Journal();
    for (const json& entry : journal["results"]) {
      lines.push_back(entry["received_at"].get<std::string>());
    }
    return lines;
  };
  const std::vector<std::string> first = run(7);
  EXPECT_GT(CountOutcome(first, "failed"), 0u);
  EXPECT_EQ(first, run(7));
  EXPECT_NE(first, run(8));
}

// ---- A workspace answering a retryable status ----------------------------------

// A relay that journals what a workspace would, answering 503 twice, then 202.
std::atomic<int> relay_calls{0};
int FlakyWorkspace(WorkspaceState& ws, Services& svc, const Json& event) {
  const int status = ++relay_calls <= 2 ? 503 : 202;
  JournalEntry entry;
  entry.source = InboundSource::kSegmentRelay;
  entry.outcome = status == 202 ? InboundOutcome::kAccepted : InboundOutcome::kRejected;
  entry.http_status = status;
  entry.received_at = svc.clock.Now();
  entry.payload_text = std::make_shared<const std::string>(event.dump());
  ws.journal.push_back(std::move(entry));
  return status;
}

// A relay that always answers `400`: Segment does not retry it.
int RejectingWorkspace(WorkspaceState& ws, Services& svc, const Json& event) {
  ++relay_calls;
  JournalEntry entry;
  entry.source = InboundSource::kSegmentRelay;
  entry.outcome = InboundOutcome::kRejected;
  entry.http_status = 400;
  entry.received_at = svc.clock.Now();
  entry.payload_text = std::make_shared<const std::string>(event.dump());
  ws.journal.push_back(std::move(entry));
  return 400;
}

class WorkspaceAnswerRetryTest : public ::testing::Test {
 protected:
  WorkspaceAnswerRetryTest()
      : clock_(kTestStart),
        ws_(Definition(), Retention{}),
        svc_{clock_, scheduler_, fake_segment_, options_, version_} {
    ws_.ResetState(0);
    relay_calls = 0;
  }

  static WorkspaceDefinition Definition() {
    WorkspaceDefinition def;
    def.api_keys = {"k"};
    return def;
  }

  // Advances the clock to each due timer up to `until` and runs it.
  void RunTimersUntil(TimePoint until) {
    while (auto timer = scheduler_.PopDue(until)) {
      clock_.Set(timer->id.due);
      timer->callback(ws_);
    }
    clock_.Set(until);
  }

  std::vector<std::string> Diagnostics(std::size_t i) const {
    return ws_.journal.at(i).diagnostics;
  }

  ManualClock clock_;
  Scheduler scheduler_;
  FakeSegment fake_segment_;
  EngineOptions options_;  // Exact delivery: no failure rate, 4 h window.
  std::atomic<std::uint64_t> version_{0};
  WorkspaceState ws_;
  Services svc_;
};

TEST_F(WorkspaceAnswerRetryTest, A503IsRetriedWithBackoffUntilAccepted) {
  const Json event = {{"type", "track"}, {"event", "Signed Up"}, {"messageId", "m-1"}};
  DeliverRelayed(ws_, svc_, event, FlakyWorkspace);
  ASSERT_EQ(relay_calls, 1);
  ASSERT_EQ(ws_.journal.size(), 1u);
  ASSERT_EQ(Diagnostics(0).size(), 1u);
  EXPECT_EQ(Diagnostics(0)[0].rfind("segment.delivery: attempt 1 failed with 503; retrying in ", 0),
            0u);
  RunTimersUntil(kTestStart + kSecond);  // The first backoff is at most 1 s.
  ASSERT_EQ(relay_calls, 2);
  EXPECT_EQ(Diagnostics(1)[0], "segment.delivery: retry, attempt 2");
  EXPECT_EQ(Diagnostics(1)[1].rfind("segment.delivery: attempt 2 failed with 503; retrying in ", 0),
            0u);
  RunTimersUntil(kTestStart + 3 * kSecond);  // The second is at most 2 s.
  ASSERT_EQ(relay_calls, 3);
  EXPECT_EQ(ws_.journal.back().outcome, InboundOutcome::kAccepted);
  EXPECT_EQ(Diagnostics(2), (std::vector<std::string>{"segment.delivery: retry, attempt 3"}));
  EXPECT_EQ(Json::parse(ws_.journal.back().payload())["messageId"], "m-1");
  EXPECT_FALSE(scheduler_.NextDue().has_value());
}

TEST_F(WorkspaceAnswerRetryTest, A400IsNotRetried) {
  const Json event = {{"type", "track"}, {"event", "Signed Up"}, {"messageId", "m-1"}};
  DeliverRelayed(ws_, svc_, event, RejectingWorkspace);
  RunTimersUntil(kTestStart + 5 * kHour);
  EXPECT_EQ(relay_calls, 1);
  EXPECT_TRUE(Diagnostics(0).empty());
}

// ---- Bad settings ----------------------------------------------------------------

TEST(SegmentRetryBadInputTest, SettingsAreCheckedAtLoad) {
  ManualClock clock(kTestStart);
  Engine engine(clock);
  auto put = [&](json delivery) {
    return engine.PutWorkspace(
        {{"api_keys", {"k"}}, {"segment", {{"source_write_keys", {"s"}}, {"delivery", delivery}}}});
  };
  Status status = put({{"failure_rate", 1.5}});
  EXPECT_EQ(status.http_status(), 400);
  EXPECT_EQ(status.message(),
            "workspace: /segment/delivery/failure_rate: expected a probability from 0 to 1");
  EXPECT_EQ(put({{"failure_rate", "often"}}).message(),
            "workspace: /segment/delivery/failure_rate: expected a probability from 0 to 1");
  EXPECT_EQ(put({{"retry_window", "2 days"}}).message(),
            "workspace: /segment/delivery/retry_window: must be at most a day");
  EXPECT_EQ(put({{"retry_window", -1}}).message(),
            "workspace: /segment/delivery/retry_window: must not be negative");
  EXPECT_EQ(put({{"retry_window", "later"}}).message(),
            "workspace: /segment/delivery/retry_window: expected a duration: milliseconds, "
            "\"<n> <unit>\" or ISO-8601 like \"PT2S\"");
  EXPECT_FALSE(engine.HasApiKey("k"));
}

}  // namespace
}  // namespace mock_courier
