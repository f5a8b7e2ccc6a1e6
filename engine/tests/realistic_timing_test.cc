// Realistic timing (docs/fidelity.md "Realistic timing"): a send is accepted
// ENQUEUED and processed by a job at now + processing latency on the mock
// clock; opt-in rate limits count on the same clock.
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

json Workspace(json extra = json::object()) {
  json ws = {{"api_keys", {"test-key"}},
             {"notifications",
              {{{"id", "welcome"},
                {"channels", {"email"}},
                {"content", {{"email", {{"subject", "Hi"}, {"body", "Hello"}}}}}}}},
             {"event_maps", {{"welcome", "welcome"}}},
             {"profiles", {{"u1", {{"email", "u1@example.com"}}}}}};
  ws.update(extra);
  return ws;
}

EngineOptions WithLatency(Duration latency) {
  EngineOptions options;
  options.processing_latency = latency;
  return options;
}

std::string SendV1(TestEngine& t, const std::string& user = "u1") {
  auto reply = t.engine.Send(t.key, {{"event", "welcome"}, {"recipient", user}});
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body["messageId"].get<std::string>() : "";
}

std::string StatusOf(TestEngine& t, const std::string& id) {
  auto reply = t.engine.Call(t.key, "GET", "/messages/" + id);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body["status"].get<std::string>() : "";
}

TEST(ProcessingLatencyTest, WithoutLatencyASendIsProcessedBeforeTheAnswer) {
  TestEngine t(Workspace());
  std::string id = SendV1(t);
  EXPECT_EQ(StatusOf(t, id), "DELIVERED");
  EXPECT_FALSE(t.engine.NextDue().has_value());
}

TEST(ProcessingLatencyTest, ASendStaysEnqueuedUntilItsJobIsDue) {
  TestEngine t(Workspace(), WithLatency(kSecond));
  std::string id = SendV1(t);
  EXPECT_EQ(StatusOf(t, id), "ENQUEUED");
  ASSERT_TRUE(t.engine.NextDue().has_value());
  EXPECT_EQ(*t.engine.NextDue(), kTestStart + kSecond);

  // Settling runs only what is due now: the job is not.
  EXPECT_EQ(t.engine.Settle().processed, 0);
  EXPECT_EQ(StatusOf(t, id), "ENQUEUED");
  EXPECT_EQ(t.Advance(kSecond - 1).processed, 0);
  EXPECT_EQ(StatusOf(t, id), "ENQUEUED");

  AdvanceResult advanced = t.Advance(1);
  // A processing job is counted apart from timers (delays, scheduled sends).
  EXPECT_EQ(advanced.fired, 0);
  EXPECT_EQ(advanced.processed, 1);
  EXPECT_EQ(StatusOf(t, id), "DELIVERED");
}

TEST(ProcessingLatencyTest, HistoryShowsAcceptedThenProcessed) {
  TestEngine t(Workspace(), WithLatency(2 * kSecond));
  std::string id = SendV1(t);
  t.Advance(5 * kSecond);
  auto history = t.engine.Call(t.key, "GET", "/messages/" + id + "/history");
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  const json& items = history->body["results"];
  ASSERT_GE(items.size(), 2u);
  EXPECT_EQ(items[0]["type"], "ENQUEUED");
  EXPECT_EQ(items[0]["ts"], kTestStart);
  EXPECT_NE(items[1]["type"], "ENQUEUED");
  // Processed when the job fell due, not when the clock stopped.
  EXPECT_EQ(items[1]["ts"], kTestStart + 2 * kSecond);
  auto message = t.engine.Call(t.key, "GET", "/messages/" + id);
  EXPECT_EQ(message->body["enqueued"], kTestStart);
  EXPECT_EQ(message->body["sent"], kTestStart + 2 * kSecond);
}

TEST(ProcessingLatencyTest, JobsRunInDueThenAcceptanceOrder) {
  TestEngine t(Workspace({{"segment", {{"write_key", "out-key"}}},
                          {"profiles",
                           {{"u1", {{"email", "u1@example.com"}}},
                            {"u2", {{"email", "u2@example.com"}}},
                            {"u3", {{"email", "u3@example.com"}}}}}}),
               WithLatency(2 * kSecond));
  std::string first = SendV1(t, "u2");
  std::string second = SendV1(t, "u1");
  t.Advance(kSecond);
  std::string third = SendV1(t, "u3");  // Due 1 s after the other two.
  t.Advance(5 * kSecond);
  auto sent_at = [&](const std::string& id) {
    return t.engine.Call(t.key, "GET", "/messages/" + id)->body["sent"].get<TimePoint>();
  };
  EXPECT_EQ(sent_at(first), kTestStart + 2 * kSecond);
  EXPECT_EQ(sent_at(second), kTestStart + 2 * kSecond);
  EXPECT_EQ(sent_at(third), kTestStart + 3 * kSecond);
  // Same due time: processed in acceptance order, as the outbound calls show.
  std::vector<std::string> order;
  const json outbox = t.Outbox();
  for (const json& call : outbox["results"]) {
    if (call["event"]["event"] == "Message Sent") order.push_back(call["event"]["userId"]);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"u2", "u1", "u3"})) << outbox.dump(1);
}

TEST(ProcessingLatencyTest, TheProfileIsReadWhenTheJobRuns) {
  // Accepted before the user has an email, processed after it arrives: the
  // send is routable, as it would be at Courier.
  TestEngine t(Workspace({{"profiles", json::object()}}), WithLatency(kSecond));
  std::string id = SendV1(t, "u9");
  ASSERT_TRUE(
      t.engine.Call(t.key, "POST", "/profiles/u9", {{"profile", {{"email", "u9@example.com"}}}})
          .ok());
  t.Advance(kSecond);
  EXPECT_EQ(StatusOf(t, id), "DELIVERED");
}

TEST(ProcessingLatencyTest, CancelingAnEnqueuedSendStopsItsJob) {
  TestEngine t(Workspace(), WithLatency(kSecond));
  std::string id = SendV1(t);
  auto canceled = t.engine.Call(t.key, "POST", "/messages/" + id + "/cancel");
  ASSERT_TRUE(canceled.ok()) << canceled.status().ToString();
  t.Advance(kMinute);
  EXPECT_EQ(StatusOf(t, id), "CANCELED");
}

TEST(ProcessingLatencyTest, TheWorkspaceSettingOverridesTheEngine) {
  TestEngine t(Workspace({{"processing_latency", "3 seconds"}}), WithLatency(kSecond));
  std::string id = SendV1(t);
  t.Advance(kSecond);
  EXPECT_EQ(StatusOf(t, id), "ENQUEUED");
  t.Advance(2 * kSecond);
  EXPECT_EQ(StatusOf(t, id), "DELIVERED");

  TestEngine zero(Workspace({{"processing_latency", 0}}), WithLatency(kSecond));
  EXPECT_EQ(StatusOf(zero, SendV1(zero)), "DELIVERED");
}

TEST(ProcessingLatencyTest, AScheduledSendIsProcessedAtItsDeliveryTime) {
  TestEngine t(Workspace(), WithLatency(kSecond));
  auto reply =
      t.engine.Send(t.key, {{"message",
                             {{"to", {{"user_id", "u1"}}},
                              {"template", "welcome"},
                              {"delay", {{"until", FormatIso8601(kTestStart + kHour)}}}}}});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  std::string id = reply->body["requestId"];
  t.Advance(kHour - 1);
  EXPECT_EQ(StatusOf(t, id), "ENQUEUED");
  t.Advance(1);
  EXPECT_EQ(StatusOf(t, id), "DELIVERED");
}

TEST(ProcessingLatencyTest, ASegmentMappedSendAppearsWhenTheEventIsProcessed) {
  // The event is accepted first; its job (one latency later) makes the send
  // and processes it, without a second latency (processing_jobs_test.cc).
  TestEngine t(Workspace({{"event_maps", {{"Segment-TrackEvent:Signed Up", "welcome"}}}}),
               WithLatency(kSecond));
  auto reply = t.engine.SegmentInbound(t.key, TestEngine::Track("Signed Up", "u1", "m-1"));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_TRUE(t.Messages()["results"].empty());
  t.Advance(kSecond);
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["status"], "DELIVERED");
}

TEST(WorkspaceDefinitionBadInputTest, ProcessingLatencyMustBeADuration) {
  ManualClock clock(kTestStart);
  Engine engine(clock);
  Status status = engine.PutWorkspace({{"api_keys", {"k"}}, {"processing_latency", "soon"}});
  EXPECT_EQ(status.http_status(), 400);
  EXPECT_EQ(status.message(),
            "workspace: /processing_latency: expected a duration: milliseconds, \"<n> <unit>\" "
            "or ISO-8601 like \"PT2S\"");
  EXPECT_FALSE(engine.HasApiKey("k"));
}

// ---- Rate limits ------------------------------------------------------------

TEST(RateLimitTest, TheTwentyFirstListSubscriptionInAMinuteIs429) {
  TestEngine t(Workspace({{"rate_limits", true}}));
  for (int i = 0; i < 20; ++i) {
    auto reply =
        t.engine.Call(t.key, "PUT", "/lists/news/subscriptions/" + ("u" + std::to_string(i)));
    ASSERT_TRUE(reply.ok()) << i << ": " << reply.status().ToString();
  }
  auto refused = t.engine.Call(t.key, "PUT", "/lists/news/subscriptions/u20");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().http_status(), 429);
  EXPECT_EQ(refused.status().ToBody(),
            json({{"message", "Rate limit exceeded: 20 list writes per minute"},
                  {"type", "rate_limit_error"}}));
  // Refused: nothing changed.
  auto subscribers = t.engine.Call(t.key, "GET", "/lists/news/subscriptions");
  ASSERT_TRUE(subscribers.ok());
  EXPECT_EQ(subscribers->body["items"].size(), 20u);
  // A list PUT counts in the same family.
  EXPECT_EQ(t.engine.Call(t.key, "PUT", "/lists/other", {{"name", "Other"}}).status().http_status(),
            429);

  // The window slides on the mock clock.
  t.Advance(kMinute);
  EXPECT_TRUE(t.engine.Call(t.key, "PUT", "/lists/news/subscriptions/u20").ok());
}

TEST(RateLimitTest, EventsApiPutHasItsOwnLimit) {
  TestEngine t(Workspace({{"rate_limits", {{"events_put", 2}}}}));
  EXPECT_TRUE(
      t.engine.Call(t.key, "PUT", "/events/a", {{"id", "welcome"}, {"type", "notification"}}).ok());
  EXPECT_TRUE(
      t.engine.Call(t.key, "PUT", "/events/b", {{"id", "welcome"}, {"type", "notification"}}).ok());
  auto refused =
      t.engine.Call(t.key, "PUT", "/events/c", {{"id", "welcome"}, {"type", "notification"}});
  EXPECT_EQ(refused.status().http_status(), 429);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/events/c").status().http_status(), 404);
  // List writes are not limited by this workspace.
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(
        t.engine.Call(t.key, "PUT", "/lists/news/subscriptions/" + ("u" + std::to_string(i))).ok());
  }
}

TEST(RateLimitTest, WithoutTheSettingNothingIsLimited) {
  TestEngine t(Workspace());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(
        t.engine.Call(t.key, "PUT", "/lists/news/subscriptions/" + ("u" + std::to_string(i))).ok());
  }
}

TEST(RateLimitBadInputTest, ARejectedRequestIsNotCounted) {
  TestEngine t(Workspace({{"rate_limits", {{"events_put", 1}}}}));
  // A bad body is a 400 and uses none of the limit.
  auto bad = t.engine.Call(t.key, "PUT", "/events/a", {{"id", 5}});
  EXPECT_EQ(bad.status().http_status(), 400);
  EXPECT_TRUE(
      t.engine.Call(t.key, "PUT", "/events/a", {{"id", "welcome"}, {"type", "notification"}}).ok());
}

TEST(RateLimitBadInputTest, SettingMustBeABooleanOrCounts) {
  ManualClock clock(kTestStart);
  Engine engine(clock);
  Status status = engine.PutWorkspace({{"api_keys", {"k"}}, {"rate_limits", {{"lists", 5}}}});
  EXPECT_EQ(status.http_status(), 400);
  EXPECT_EQ(
      status.message(),
      "workspace: /rate_limits/lists: unknown key (expected one of: events_put, list_writes)");
  status = engine.PutWorkspace({{"api_keys", {"k"}}, {"rate_limits", {{"list_writes", -1}}}});
  EXPECT_EQ(status.message(),
            "workspace: /rate_limits/list_writes: expected requests per minute from 0 (no limit) "
            "to 1000000, got -1");
  status = engine.PutWorkspace({{"api_keys", {"k"}}, {"rate_limits", "yes"}});
  EXPECT_EQ(status.message(),
            "workspace: /rate_limits: expected true, false or an object, got string");
  EXPECT_FALSE(engine.HasApiKey("k"));
}

// ---- Segment delivery semantics ----------------------------------------------

json RelayWorkspace(json delivery) {
  json ws = Workspace({{"segment", {{"source_write_keys", {"src-key"}}}},
                       {"event_maps", {{"Segment-TrackEvent:Signed Up", "welcome"}}},
                       {"profiles", json::object()}});
  if (!delivery.is_null()) ws["segment"]["delivery"] = delivery;
  return ws;
}

// The journal as "messageId outcome | segment.delivery marks..." lines.
std::vector<std::string> JournalLines(TestEngine& t) {
  std::vector<std::string> lines;
  const json journal = t.Journal();
  for (const json& entry : journal["results"]) {
    std::string line = entry["payload"].value("messageId", "") + " " + entry.value("outcome", "");
    for (const json& d : entry["diagnostics"]) {
      const std::string text = d.get<std::string>();
      if (text.rfind("segment.delivery:", 0) == 0) line += " | " + text;
    }
    lines.push_back(line);
  }
  return lines;
}

TEST(SegmentDeliveryTest, ByDefaultEveryEventIsRelayedOnceInOrder) {
  TestEngine t(RelayWorkspace(nullptr));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        t.engine
            .SegmentTrackingReceive(
                "src-key", TestEngine::Track("Seen", "u1", "m" + std::to_string(i)), "/v1/track")
            .ok());
  }
  EXPECT_EQ(JournalLines(t), (std::vector<std::string>{"m0 unmapped", "m1 unmapped", "m2 unmapped",
                                                       "m3 unmapped", "m4 unmapped"}));
}

TEST(SegmentDeliveryTest, ADuplicateIsDeliveredWithTheSameMessageIdAndDeduped) {
  TestEngine t(RelayWorkspace({{"duplicate_rate", 1}}));
  ASSERT_TRUE(t.engine
                  .SegmentTrackingReceive("src-key", TestEngine::Track("Signed Up", "u1", "m-1"),
                                          "/v1/track")
                  .ok());
  std::vector<std::string> lines = JournalLines(t);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1],
            "m-1 duplicate | segment.delivery: delivered again with the same messageId "
            "(at-least-once)");
  // Courier dedupes on messageId: one send.
  EXPECT_EQ(t.Messages()["results"].size(), 1u);
}

TEST(SegmentDeliveryTest, HeldEventsAreReleasedShuffledWithinTheWindow) {
  TestEngine t(RelayWorkspace({{"reorder_window", "10 seconds"}}));
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(
        t.engine
            .SegmentTrackingReceive(
                "src-key", TestEngine::Track("Seen", "u1", "m" + std::to_string(i)), "/v1/track")
            .ok());
  }
  // Nothing arrives before the holds end (a hold of 0 delivers at once).
  const std::size_t early = t.Journal()["results"].size();
  t.Advance(10 * kSecond);
  std::vector<std::string> lines = JournalLines(t);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_LT(early, 6u);
  int out_of_order = 0;
  for (const std::string& line : lines) {
    out_of_order += line.find("delivered out of order") != std::string::npos;
  }
  EXPECT_GT(out_of_order, 0) << ::testing::PrintToString(lines);
  // Nothing is held past the window.
  EXPECT_FALSE(t.engine.NextDue().has_value());
}

TEST(SegmentDeliveryTest, TheSameSeedGivesTheSameJournal) {
  auto run = [](std::uint64_t seed) {
    EngineOptions options;
    options.seed = seed;
    TestEngine t(RelayWorkspace({{"reorder_window", "5 seconds"}, {"duplicate_rate", 0.5}}),
                 options);
    for (int i = 0; i < 8; ++i) {
      (void)t.engine.SegmentTrackingReceive(
          "src-key", TestEngine::Track("Seen", "u1", "m" + std::to_string(i)), "/v1/track");
    }
    t.Advance(5 * kSecond);
    return JournalLines(t);
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

TEST(SegmentDeliveryTest, ATrackOvertakingItsIdentifyIsUnroutable) {
  // The trap: the identify that sets the email is received first, but the
  // track that sends is delivered first, before the profile has an email.
  EngineOptions options;
  options.segment_delivery.reorder_window = 10 * kSecond;
  bool found = false;
  for (std::uint64_t seed = 0; seed < 50 && !found; ++seed) {
    options.seed = seed;
    TestEngine t(RelayWorkspace(nullptr), options);
    ASSERT_TRUE(t.engine
                    .SegmentTrackingReceive(
                        "src-key",
                        TestEngine::Identify("u1", "id-1", {{"email", "u1@example.com"}}),
                        "/v1/identify")
                    .ok());
    ASSERT_TRUE(t.engine
                    .SegmentTrackingReceive("src-key", TestEngine::Track("Signed Up", "u1", "tr-1"),
                                            "/v1/track")
                    .ok());
    t.Advance(10 * kSecond);
    json messages = t.Messages()["results"];
    ASSERT_EQ(messages.size(), 1u);
    std::vector<std::string> lines = JournalLines(t);
    ASSERT_EQ(lines.size(), 2u);
    if (lines[0].rfind("tr-1", 0) == 0) {
      found = true;
      EXPECT_EQ(messages[0]["status"], "UNROUTABLE") << "seed " << seed;
      EXPECT_NE(lines[1].find("delivered out of order (received #1, after #2)"), std::string::npos)
          << lines[1];
    } else {
      EXPECT_EQ(messages[0]["status"], "DELIVERED") << "seed " << seed;
    }
  }
  EXPECT_TRUE(found) << "no seed below 50 delivers the track first";
}

TEST(SegmentDeliveryBadInputTest, SettingsAreChecked) {
  ManualClock clock(kTestStart);
  Engine engine(clock);
  auto put = [&](json delivery) {
    return engine.PutWorkspace(
        {{"api_keys", {"k"}}, {"segment", {{"source_write_keys", {"s"}}, {"delivery", delivery}}}});
  };
  EXPECT_EQ(put({{"duplicate_rate", 1.5}}).message(),
            "workspace: /segment/delivery/duplicate_rate: expected a probability from 0 to 1");
  EXPECT_EQ(put({{"reorder_window", "soon"}}).message(),
            "workspace: /segment/delivery/reorder_window: expected a duration: milliseconds, "
            "\"<n> <unit>\" or ISO-8601 like \"PT2S\"");
  EXPECT_EQ(put({{"retries", 3}}).message(),
            "workspace: /segment/delivery/retries: unknown key (expected one of: duplicate_rate, "
            "failure_rate, reorder_window, retry_window)");
  EXPECT_EQ(put({{"reorder_window", "2 days"}}).message(),
            "workspace: /segment/delivery/reorder_window: must be at most a day");
  EXPECT_FALSE(engine.HasApiKey("k"));
}

}  // namespace
}  // namespace mock_courier
