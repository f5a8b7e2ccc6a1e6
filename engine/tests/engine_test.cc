// The Engine facade: workspaces, reset, idempotency, the fake Segment relay,
// clock advance, determinism and thread-safety.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::TestEngine;

TEST(EngineWorkspaceTest, DebugDescribesTheKeysWorkspace) {
  TestEngine prod(R"({"api_keys":["k"], "name":"Acme Shop"})"_json);
  EXPECT_EQ(prod.engine.Call("k", "POST", "/debug")->body, (json{{"environment", "production"},
                                                                 {"scope", "published/production"},
                                                                 {"tenantId", "acme-shop"},
                                                                 {"tenantName", "Acme Shop"}}));
  TestEngine test(R"({"api_keys":["t"], "name":"Acme", "environment":"test"})"_json);
  EXPECT_EQ(test.engine.Call("t", "POST", "/debug")->body["tenantId"], "acme/test");
  EXPECT_EQ(test.engine.Call("t", "POST", "/debug")->body["scope"], "draft/test");
  EXPECT_EQ(test.engine.Call("nope", "POST", "/debug").status().http_status(), 401);
}

TEST(EngineWorkspaceTest, EveryKeyReachesTheSameWorkspaceAndPutReplacesIt) {
  TestEngine t(R"({"api_keys":["a","b"]})"_json);
  ASSERT_TRUE(t.engine.Call("a", "POST", "/profiles/u1", {{"profile", {{"x", 1}}}}).ok());
  EXPECT_EQ(t.engine.Call("b", "GET", "/profiles/u1")->body["profile"]["x"], 1);
  ASSERT_TRUE(t.engine.PutWorkspace(R"({"api_keys":["b"], "name":"new"})"_json).ok());
  EXPECT_FALSE(t.engine.HasApiKey("a"));
  EXPECT_EQ(t.engine.Call("b", "GET", "/profiles/u1")->body["profile"], json::object());
  EXPECT_EQ(t.engine.ListWorkspaces()["workspaces"].size(), 1u);
}

TEST(EngineWorkspaceTest, PutWithAKeyAddsIt) {
  ManualClock clock;
  Engine engine(clock);
  ASSERT_TRUE(engine.PutWorkspace(R"({"name":"x"})"_json, "key-from-path").ok());
  EXPECT_TRUE(engine.HasApiKey("key-from-path"));
}

TEST(EngineResetTest, ResetRestoresTheFileStateOfOneWorkspaceOnly) {
  ManualClock clock;
  Engine engine(clock);
  ASSERT_TRUE(engine.PutWorkspace(R"({"api_keys":["a"], "profiles":{"seed":{"n":1}}})"_json).ok());
  ASSERT_TRUE(engine.PutWorkspace(R"({"api_keys":["b"]})"_json).ok());
  ASSERT_TRUE(engine.Call("a", "POST", "/profiles/seed", {{"profile", {{"n", 2}}}}).ok());
  ASSERT_TRUE(engine.Call("b", "POST", "/profiles/u", {{"profile", {{"n", 3}}}}).ok());
  ASSERT_TRUE(engine.SegmentInbound("a", TestEngine::Track("E", "u", "m1")).ok());
  ASSERT_TRUE(engine.Reset("a").ok());
  EXPECT_EQ(engine.Call("a", "GET", "/profiles/seed")->body["profile"]["n"], 1);
  EXPECT_TRUE(engine.Journal("a")->at("results").empty());
  EXPECT_EQ(engine.Call("b", "GET", "/profiles/u")->body["profile"]["n"], 3);
  // The same messageId is new again after a reset.
  EXPECT_EQ(engine.Journal("a")->at("results").size(), 0u);
  ASSERT_TRUE(engine.SegmentInbound("a", TestEngine::Track("E", "u", "m1")).ok());
  EXPECT_EQ(engine.Journal("a")->at("results")[0]["outcome"], "unmapped");
  EXPECT_EQ(engine.Reset("zzz").http_status(), 404);
}

TEST(EngineIdempotencyTest, StoredReplyIsReplayedPerPathUntilItExpires) {
  TestEngine t;
  auto begin = t.engine.BeginIdempotent(t.key, "idem-1", "/send", std::nullopt);
  ASSERT_TRUE(begin.ok());
  EXPECT_FALSE(begin->has_value());
  // While the first request runs, a duplicate gets 202 with an empty body
  // (https://www.courier.com/docs/reference/idempotent-requests).
  auto in_flight = t.engine.BeginIdempotent(t.key, "idem-1", "/send", std::nullopt);
  ASSERT_TRUE(in_flight->has_value());
  EXPECT_EQ((*in_flight)->status, 202);
  EXPECT_TRUE((*in_flight)->body.is_null());
  t.engine.FinishIdempotent(t.key, "idem-1", "/send", Reply{202, {{"requestId", "r1"}}}, true);
  auto replay = t.engine.BeginIdempotent(t.key, "idem-1", "/send", std::nullopt);
  EXPECT_EQ((*replay)->body["requestId"], "r1");
  // Scoped to the path.
  EXPECT_FALSE(
      t.engine.BeginIdempotent(t.key, "idem-1", "/automations/invoke", std::nullopt)->has_value());
  // 24 hours of mock clock.
  t.Advance(kDay);
  EXPECT_FALSE(t.engine.BeginIdempotent(t.key, "idem-1", "/send", std::nullopt)->has_value());
}

TEST(EngineIdempotencyTest, FailedValidationReleasesTheKey) {
  TestEngine t;
  ASSERT_FALSE(t.engine.BeginIdempotent(t.key, "k", "/send", std::nullopt)->has_value());
  t.engine.FinishIdempotent(t.key, "k", "/send", Reply{400, nullptr}, false);
  EXPECT_FALSE(t.engine.BeginIdempotent(t.key, "k", "/send", std::nullopt)->has_value());
}

TEST(EngineIdempotencyTest, ExpirationExtendsRetentionButNotBelow24Hours) {
  TestEngine t;
  TimePoint now = t.clock.Now();
  ASSERT_FALSE(t.engine.BeginIdempotent(t.key, "long", "/send", now + 3 * kDay)->has_value());
  t.engine.FinishIdempotent(t.key, "long", "/send", Reply{202, {{"requestId", "r"}}}, true);
  ASSERT_FALSE(t.engine.BeginIdempotent(t.key, "short", "/send", now + kHour)->has_value());
  t.Advance(2 * kDay);
  EXPECT_TRUE(t.engine.BeginIdempotent(t.key, "long", "/send", std::nullopt)->has_value());
  EXPECT_FALSE(t.engine.BeginIdempotent(t.key, "short", "/send", std::nullopt)->has_value());
}

const char* kRelayWorkspace = R"({"api_keys":["k"],
  "segment":{"source_write_keys":["src-key"], "destination":"actions"}})";

TEST(FakeSegmentRelayTest, ActionsDestinationForwardsTrackIdentifyGroupOnly) {
  TestEngine t(json::parse(kRelayWorkspace));
  json events = json::array({TestEngine::Identify("u1", "m1", {{"plan", "pro"}}),
                             json{{"type", "page"}, {"userId", "u1"}, {"messageId", "m2"}},
                             TestEngine::Track("E", "u1", "m3")});
  auto reply = t.engine.SegmentTrackingReceive("src-key", events, "/v1/batch");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->body, (json{{"success", true}}));
  EXPECT_EQ(t.engine.SegmentReceived("src-key")["results"].size(), 3u);
  auto journal = t.Journal()["results"];
  ASSERT_EQ(journal.size(), 2u) << journal.dump(2);
  EXPECT_EQ(journal[0]["source"], "segment-relay");
  EXPECT_EQ(t.Profile("u1")["plan"], "pro");
}

TEST(FakeSegmentRelayTest, ClassicDestinationForwardsPageAndCourierAnswers501) {
  TestEngine t(
      R"({"api_keys":["k"], "segment":{"source_write_keys":["s"], "destination":"classic"}})"_json);
  ASSERT_TRUE(t.engine
                  .SegmentTrackingReceive(
                      "s", {{"type", "page"}, {"userId", "u"}, {"messageId", "p"}}, "/v1/page")
                  .ok());
  auto journal = t.Journal()["results"];
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0]["status"], 501);
}

TEST(FakeSegmentRelayTest, OtherWriteKeysAreRecordedButNotRelayed) {
  TestEngine t(json::parse(kRelayWorkspace));
  ASSERT_TRUE(
      t.engine.SegmentTrackingReceive("other", TestEngine::Track("E", "u", "m"), "/v1/track").ok());
  EXPECT_TRUE(t.Journal()["results"].empty());
  EXPECT_EQ(t.engine.SegmentReceived("other")["results"].size(), 1u);
  EXPECT_EQ(t.engine.SegmentReceived()["results"].size(), 1u);
}

TEST(FakeSegmentRelayTest, EngageAudienceIdentifyBecomesAListSubscription) {
  TestEngine t(json::parse(kRelayWorkspace));
  json enter = R"({"type":"identify","userId":"u123","messageId":"e1",
    "traits":{"first_time_shopper":true},
    "context":{"personas":{"computation_class":"audience","computation_id":"aud_1","computation_key":"first_time_shopper"}}})"_json;
  ASSERT_TRUE(t.engine.SegmentTrackingReceive("src-key", enter, "/v1/identify").ok());
  auto subs = t.engine.Call(t.key, "GET", "/lists/first_time_shopper-aud_1/subscriptions");
  ASSERT_TRUE(subs.ok());
  EXPECT_EQ(subs->body["items"][0]["recipientId"], "u123");
  // Forward to Courier rejects audience events, so nothing reaches /inbound/segment.
  EXPECT_TRUE(t.Journal()["results"].empty());
  json exit = enter;
  exit["messageId"] = "e2";
  exit["traits"]["first_time_shopper"] = false;
  ASSERT_TRUE(t.engine.SegmentTrackingReceive("src-key", exit, "/v1/identify").ok());
  EXPECT_TRUE(t.engine.Call(t.key, "GET", "/lists/first_time_shopper-aud_1/subscriptions")
                  ->body["items"]
                  .empty());
}

TEST(FakeSegmentRelayTest, AudienceTrackUsesPropertiesForMembership) {
  TestEngine t(json::parse(kRelayWorkspace));
  json entered = R"({"type":"track","event":"Audience Entered","userId":"u9","messageId":"t1",
    "properties":{"audience_key":"vip","vip":true},
    "context":{"personas":{"computation_class":"audience","computation_id":"aud_9","computation_key":"vip"}}})"_json;
  ASSERT_TRUE(t.engine.SegmentTrackingReceive("src-key", entered, "/v1/track").ok());
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/lists/vip-aud_9/subscriptions")->body["items"].size(),
            1u);
}

TEST(EngineClockTest, AdvanceWithNothingPendingMovesTheClock) {
  TestEngine t;
  auto result = t.Advance(2 * kHour);
  EXPECT_EQ(result.fired, 0);
  EXPECT_EQ(result.now, testing::kTestStart + 2 * kHour);
  EXPECT_EQ(t.engine.ClockState()["now"], "2026-01-05T11:00:00.000Z");
  EXPECT_EQ(t.engine.ClockState()["mode"], "virtual");
}

// Five tracks a minute apart, from an engine made with `seed`, or made with
// seed 0 and then reset with `seed` (`reset_to`).
json Transcript(std::uint64_t seed, bool reset_to = false) {
  EngineOptions options;
  options.seed = reset_to ? 0 : seed;
  TestEngine t(R"({"api_keys":["k"]})"_json, options);
  if (reset_to) {
    (void)t.engine.SegmentInbound("k", TestEngine::Track("E", "before", "m-before"));
    EXPECT_TRUE(t.engine.Reset("k", seed).ok());
  }
  for (int i = 0; i < 5; ++i) {
    (void)t.engine.SegmentInbound(
        "k", TestEngine::Track("E", "u" + std::to_string(i), "m" + std::to_string(i)));
    t.Advance(kMinute);
  }
  return t.Journal();
}

TEST(EngineDeterminismTest, SameSeedSameJournalOtherSeedOtherIds) {
  EXPECT_EQ(Transcript(7).dump(), Transcript(7).dump());
  EXPECT_NE(Transcript(7)["results"][0]["id"], Transcript(8)["results"][0]["id"]);
}

// Reset with a seed starts the workspace over as an engine made with it.
TEST(EngineDeterminismTest, ResetWithASeedIsLikeAnEngineWithThatSeed) {
  EXPECT_EQ(Transcript(7, /*reset_to=*/true).dump(), Transcript(7).dump());
  EXPECT_NE(Transcript(7, /*reset_to=*/true).dump(), Transcript(0).dump());
}

// The workspace's generator is seeded from the engine seed and a hash fixed by
// its definition (FNV-1a of the API key), not std::hash: a recorded id stays
// valid whatever compiler or standard library built the mock.
TEST(EngineDeterminismTest, IdsDoNotDependOnTheStandardLibrary) {
  EXPECT_EQ(Transcript(7)["results"][0]["id"], "1-695b7d90-0e29b2a6c77236350a48c308");
}

TEST(EngineConcurrencyTest, ParallelSegmentEventsAreAllJournaledOnce) {
  EngineOptions options;
  TestEngine t(R"({"api_keys":["k"]})"_json, options);
  constexpr int kThreads = 8;
  constexpr int kEach = 250;
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < kEach; ++i) {
        std::string id = "m-" + std::to_string(th) + "-" + std::to_string(i);
        (void)t.engine.SegmentInbound(
            "k", TestEngine::Identify("u" + std::to_string(th), id, {{"n", i}}));
      }
    });
  }
  std::thread advancer([&] {
    for (int i = 0; i < 50; ++i) t.engine.AdvanceClock(kSecond);
  });
  for (auto& th : threads) th.join();
  advancer.join();
  auto journal = t.Journal()["results"];
  EXPECT_EQ(journal.size(), static_cast<size_t>(kThreads * kEach));
  std::set<std::string> ids;
  for (const auto& e : journal) ids.insert(e["id"].get<std::string>());
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(t.Profile("u3")["n"], kEach - 1);
}

}  // namespace
}  // namespace mock_courier
