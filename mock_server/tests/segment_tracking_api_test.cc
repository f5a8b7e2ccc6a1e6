// The fake Segment Tracking API under /v1/
// (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/), and the
// concurrency guarantee of the inbound path.
#include <string>
#include <thread>
#include <vector>

#include "mock_courier/time_format.h"
#include "server_fixture.h"

namespace mock_courier::server::testing {
namespace {

using mock_courier::testing::kTestStart;

const json kSuccess = {{"success", true}};

class SegmentTrackingApiTest : public ServerTest {
 protected:
  json Received(const std::string& write_key) {
    return Body(Get("/_mock/segment/received?write_key=" + write_key, ""))["results"];
  }
};

TEST_F(SegmentTrackingApiTest, WriteKeyInBodyIsAcceptedAndRecorded) {
  auto res = Post("/v1/track", R"({"writeKey":"wk","event":"Clicked","userId":"u1"})", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(Body(res), kSuccess);
  json received = Received("wk");
  ASSERT_EQ(received.size(), 1u);
  json event = received[0]["event"];
  EXPECT_EQ(event["type"], "track");
  EXPECT_FALSE(event.contains("writeKey"));
  EXPECT_EQ(event["messageId"].get<std::string>().rfind("api-", 0), 0u) << event;
  EXPECT_EQ(event["receivedAt"], FormatIso8601(kTestStart));
  EXPECT_EQ(event["timestamp"], FormatIso8601(kTestStart));
}

TEST_F(SegmentTrackingApiTest, BasicWriteKeyIsAccepted) {
  auto res =
      Post("/v1/identify", R"({"userId":"u1","traits":{"plan":"pro"}})", "Basic YWJjMTIzOg==");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(Received("abc123").size(), 1u);
}

TEST_F(SegmentTrackingApiTest, AnyNonEmptyWriteKeyGets200AsSegmentsEdgeIsStateless) {
  auto res = Post("/v1/page", R"({"writeKey":"not-configured-anywhere","anonymousId":"a"})", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(SegmentTrackingApiTest, ClientTimestampIsSkewCorrectedWithSentAt) {
  // The client's clock is 10 s behind: sentAt - timestamp = 1 s.
  auto res = Post("/v1/track",
                  R"({"writeKey":"wk","event":"E","userId":"u","messageId":"keep-me",
                      "timestamp":"2026-01-05T08:59:49.000Z","sentAt":"2026-01-05T08:59:50.000Z"})",
                  "");
  ASSERT_EQ(res->status, 200);
  json event = Received("wk")[0]["event"];
  EXPECT_EQ(event["messageId"], "keep-me");
  EXPECT_EQ(event["originalTimestamp"], "2026-01-05T08:59:49.000Z");
  EXPECT_EQ(event["timestamp"], FormatIso8601(kTestStart - 1000));
  EXPECT_EQ(event["sentAt"], "2026-01-05T08:59:50.000Z");
}

TEST_F(SegmentTrackingApiTest, BatchIsSplitWithContextAndIntegrationsMerged) {
  auto res = Post("/v1/batch", R"({"writeKey":"wk","context":{"app":{"name":"shop"},"locale":"en"},
      "integrations":{"All":true},
      "batch":[{"type":"track","event":"A","userId":"u","context":{"locale":"fr"}},
               {"type":"identify","userId":"u","traits":{}}]})",
                  "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  json received = Received("wk");
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0]["event"]["context"], json({{"app", {{"name", "shop"}}}, {"locale", "fr"}}));
  EXPECT_EQ(received[1]["event"]["context"]["locale"], "en");
  EXPECT_EQ(received[1]["event"]["integrations"], json({{"All", true}}));
  EXPECT_NE(received[0]["event"]["messageId"], received[1]["event"]["messageId"]);
}

TEST_F(SegmentTrackingApiTest, BrowserShortPathsAreAliases) {
  EXPECT_EQ(Post("/v1/t", R"({"writeKey":"wk","event":"E","userId":"u"})", "")->status, 200);
  EXPECT_EQ(Received("wk")[0]["event"]["type"], "track");
}

TEST_F(SegmentTrackingApiTest, SourceWriteKeyEventsAreRelayedToTheLinkedWorkspace) {
  auto res = Post("/v1/track", R"({"event":"Signed Up","userId":"ada","messageId":"relay-1"})",
                  Basic("src-write-key:"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  json journal = t_.Journal()["results"];
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0]["payload"]["messageId"], "relay-1");
  EXPECT_TRUE(journal[0]["payload"].contains("receivedAt"));
}

class SegmentTrackingApiBadInputTest : public SegmentTrackingApiTest {};

TEST_F(SegmentTrackingApiBadInputTest, MissingWriteKeyIs400) {
  for (const std::string& auth : {std::string(), std::string("Bearer oauth-token")}) {
    auto res = Post("/v1/track", R"({"event":"E","userId":"u"})", auth);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
    EXPECT_EQ(Body(res), json({{"success", false}, {"message", "Missing write key"}}));
  }
}

TEST_F(SegmentTrackingApiBadInputTest, EventOver32KbIs400) {
  std::string big = R"({"writeKey":"wk","event":"E","userId":"u","properties":{"x":")" +
                    std::string(33 * 1024, 'x') + R"("}})";
  auto res = Post("/v1/track", big, "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Body(res)["message"], "Event exceeds 32 KB");
  EXPECT_EQ(Received("wk").size(), 0u);
}

TEST_F(SegmentTrackingApiBadInputTest, BatchOver500KbIs400) {
  json batch = json::array();
  for (int i = 0; i < 20; ++i) {
    batch.push_back({{"type", "track"},
                     {"event", "E"},
                     {"userId", "u"},
                     {"properties", {{"x", std::string(30 * 1024, 'x')}}}});
  }
  auto res = Post("/v1/batch", json({{"writeKey", "wk"}, {"batch", batch}}).dump(), "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Body(res)["message"], "Batch exceeds 500 KB");
}

TEST_F(SegmentTrackingApiBadInputTest, BatchItemOver32KbIs400) {
  json batch = json::array({{{"type", "track"},
                             {"event", "E"},
                             {"userId", "u"},
                             {"properties", {{"x", std::string(40 * 1024, 'x')}}}}});
  auto res = Post("/v1/batch", json({{"writeKey", "wk"}, {"batch", batch}}).dump(), "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Body(res)["message"], "Event exceeds 32 KB");
}

TEST_F(SegmentTrackingApiBadInputTest, MalformedJsonIs400) {
  auto res = Post("/v1/track", R"({"writeKey":)", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Body(res)["success"], false);
}

TEST_F(SegmentTrackingApiBadInputTest, BatchItemWithoutValidTypeIs400) {
  auto res = Post("/v1/batch", R"({"writeKey":"wk","batch":[{"type":"nope","userId":"u"}]})", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Body(res)["message"], "Every batch item needs a valid type");
}

TEST_F(SegmentTrackingApiBadInputTest, UnknownPathIs404) {
  EXPECT_EQ(Post("/v1/nothing", R"({"writeKey":"wk"})", "")->status, 404);
}

// The issue's concurrency bar: 8 threads x 500 distinct Segment events ->
// exactly 4,000 journal entries, none lost or doubled.
class SegmentConcurrencyTest : public ServerTest {};

TEST_F(SegmentConcurrencyTest, EightThreadsTimesFiveHundredEventsGiveExactly4000Entries) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", server_.port());
      client.set_tcp_nodelay(true);
      client.set_keep_alive(true);
      httplib::Headers headers = {{"Authorization", Bearer()}};
      for (int i = 0; i < kPerThread; ++i) {
        json event = {{"type", "track"},
                      {"event", "Load"},
                      {"userId", "u" + std::to_string(t)},
                      {"messageId", "m-" + std::to_string(t) + "-" + std::to_string(i)}};
        auto res = client.Post("/inbound/segment", headers, event.dump(), "application/json");
        if (!res || res->status != 202) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  json journal = t_.Journal()["results"];
  ASSERT_EQ(journal.size(), 4000u);
  std::set<std::string> ids;
  for (const json& entry : journal) ids.insert(entry["payload"]["messageId"].get<std::string>());
  EXPECT_EQ(ids.size(), 4000u);
}

}  // namespace
}  // namespace mock_courier::server::testing
