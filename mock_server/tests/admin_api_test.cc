// The admin API under /_mock/ (docs/server.md#the-admin-api).
#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mock_courier/time_format.h"
#include "server_fixture.h"

namespace mock_courier::server::testing {
namespace {

using mock_courier::testing::kTestStart;

std::string Encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

class AdminApiTest : public ServerTest {
 protected:
  httplib::Result SendSegment(const std::string& message_id,
                              const std::string& event = "Signed Up") {
    return Post(
        "/inbound/segment",
        json({{"type", "track"}, {"event", event}, {"userId", "ada"}, {"messageId", message_id}})
            .dump());
  }
};

TEST_F(AdminApiTest, HealthReportsStatusAndVersion) {
  auto res = Get("/_mock/health", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(Body(res), json({{"status", "ok"}, {"version", "0.1.0"}}));
}

TEST_F(AdminApiTest, ClockShowsVirtualTime) {
  json clock = Body(Get("/_mock/clock", ""));
  EXPECT_EQ(clock["now"], FormatIso8601(kTestStart));
  EXPECT_EQ(clock["mode"], "virtual");
}

TEST_F(AdminApiTest, AdvanceMovesTheClockAndReportsFiredTimers) {
  ASSERT_EQ(
      Post(
          "/automations/invoke",
          R"({"recipient":"ada","automation":{"steps":[{"action":"delay","duration":"2 hours"}]}})")
          ->status,
      200);
  auto res = Post("/_mock/clock/advance", R"({"by":"2 hours"})", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  json body = Body(res);
  EXPECT_EQ(body["now"], FormatIso8601(kTestStart + 2 * kHour));
  EXPECT_EQ(body["fired"], 1);
  EXPECT_EQ(t_.clock.Now(), kTestStart + 2 * kHour);
}

TEST_F(AdminApiTest, AdvanceAcceptsMilliseconds) {
  ASSERT_EQ(Post("/_mock/clock/advance", R"({"by":1500})", "")->status, 200);
  EXPECT_EQ(t_.clock.Now(), kTestStart + 1500);
}

TEST_F(AdminApiTest, SetMovesTheVirtualClockAnywhere) {
  auto res = Post("/_mock/clock/set", R"({"now":"2025-01-01T00:00:00Z"})", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(Body(res)["now"], "2025-01-01T00:00:00.000Z");
  EXPECT_EQ(t_.clock.Now(), *ParseIso8601("2025-01-01T00:00:00Z"));
}

TEST_F(AdminApiTest, WorkspacesCanBeListedAndPut) {
  auto put = Put("/_mock/workspaces/fresh-key", R"({"name":"Fresh"})", "");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(Post("/debug", "", Bearer("fresh-key"))->status, 200);
  json list = Body(Get("/_mock/workspaces", ""));
  ASSERT_EQ(list["workspaces"].size(), 2u) << list;
}

// The journal keeps the body as sent (not written out again); its view shows
// the same JSON value whatever the spacing and number spelling.
TEST_F(AdminApiTest, InboundJournalShowsTheBodyAsParsed) {
  const std::string body =
      "{\n  \"type\": \"track\", \"event\": \"Signed Up\",\n  \"userId\": \"ada\",  "
      "\"messageId\": \"raw-1\",\n  \"properties\": {\"n\": 1e2, \"z\": -0, \"s\": "
      "\"\\u00e9\\n\", \"a\": [ 1 , 2.50 ]}\n}\n";
  ASSERT_EQ(Post("/inbound/segment", body)->status, 202);
  json inbound = Body(Get("/_mock/inbound?workspace=test-key", ""));
  ASSERT_EQ(inbound["results"].size(), 1u) << inbound;
  EXPECT_EQ(inbound["results"][0]["payload"], json::parse(body));
  EXPECT_EQ(inbound["results"][0]["payload"]["properties"]["s"], "\u00e9\n");
}

TEST_F(AdminApiTest, InspectionEndpointsShowOneWorkspace) {
  ASSERT_EQ(SendSegment("j-1")->status, 202);
  json inbound = Body(Get("/_mock/inbound?workspace=test-key", ""));
  ASSERT_EQ(inbound["results"].size(), 1u) << inbound;
  for (const char* path :
       {"/_mock/runs", "/_mock/messages", "/_mock/segment/outbox", "/_mock/profiles"}) {
    auto res = Get(std::string(path) + "?workspace=test-key", "");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_TRUE(Body(res).contains("results")) << path << ": " << res->body;
  }
  EXPECT_EQ(Get("/_mock/segment/received", "")->status, 200);
}

TEST_F(AdminApiTest, ResetClearsAWorkspaceButKeepsItsDefinition) {
  ASSERT_EQ(SendSegment("r-1")->status, 202);
  auto res = Post("/_mock/reset?workspace=test-key", "", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(t_.Journal()["results"].size(), 0u);
  EXPECT_EQ(t_.Profile("ada")["email"], "ada@example.com");
  EXPECT_EQ(Post("/_mock/reset", "", "")->status, 200);
}

// POST /_mock/reset {"seed": N} reseeds the workspace's generators: the ids
// are those of an engine made with seed N, and a later reset without a seed
// goes back to the server's own (here 0).
TEST_F(AdminApiTest, ResetWithASeedGivesTheIdsOfAnEngineWithThatSeed) {
  auto send = [this] {
    auto res = Post("/send", R"({"message":{"to":{"user_id":"ada"},"template":"welcome"}})");
    EXPECT_TRUE(res && res->status == 202);
    return res ? Body(res)["requestId"].get<std::string>() : "";
  };
  EngineOptions seeded;
  seeded.seed = 7;
  mock_courier::testing::TestEngine seven(TestWorkspace(), seeded);
  auto expected = seven.engine.Send(
      kKey, json::parse(R"({"message":{"to":{"user_id":"ada"},"template":"welcome"}})"));
  ASSERT_TRUE(expected.ok());

  const std::string unseeded = send();
  auto res = Post("/_mock/reset?workspace=test-key", R"({"seed": 7})", "");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const std::string with_seven = send();
  EXPECT_EQ(with_seven, expected->body["requestId"]);
  EXPECT_NE(with_seven, unseeded);
  ASSERT_EQ(Post("/_mock/reset?workspace=test-key", "", "")->status, 200);
  EXPECT_EQ(send(), unseeded);
}

TEST_F(AdminApiTest, EngagementOpensADeliveredMessage) {
  auto sent = Post("/send", R"({"message":{"to":{"user_id":"ada"},"template":"welcome"}})");
  ASSERT_TRUE(sent);
  ASSERT_EQ(sent->status, 202) << sent->body;
  std::string id = Body(sent)["requestId"];
  (void)Post("/_mock/clock/advance", R"({"by":"1 minute"})", "");
  auto res = Post("/_mock/messages/" + id + "/engagement", R"({"event":"opened"})", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(Body(Get("/messages/" + id))["status"], "OPENED");
}

TEST_F(AdminApiTest, WaitReturnsOnceEnoughEntriesMatch) {
  ASSERT_EQ(SendSegment("w-1", "Signed Up")->status, 202);
  int status = 0;
  json body;
  std::thread waiter([&] {
    httplib::Client other("127.0.0.1", server_.port());
    std::string match = Encode(R"({"payload":{"event":"Order Completed"}})");
    auto waited = other.Get(
        ("/_mock/wait?workspace=test-key&kind=inbound&count=1&timeout_ms=10000&match=" + match)
            .c_str());
    if (waited) {
      status = waited->status;
      body = json::parse(waited->body);
    }
  });
  // The waiter is released by this later event, not by a timeout.
  ASSERT_EQ(SendSegment("w-2", "Order Completed")->status, 202);
  waiter.join();
  EXPECT_EQ(status, 200) << body;
  ASSERT_EQ(body["results"].size(), 1u);
  EXPECT_EQ(body["results"][0]["payload"]["messageId"], "w-2");
}

TEST_F(AdminApiTest, WaitTimesOutWith408AndWhatWasSeen) {
  ASSERT_EQ(SendSegment("t-1")->status, 202);
  auto res = Get("/_mock/wait?workspace=test-key&kind=inbound&count=2&timeout_ms=0", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 408);
  json body = Body(res);
  EXPECT_EQ(body["message"], "Timed out after 0 ms: 1 of 2 inbound entries matched");
  EXPECT_EQ(body["seen"].size(), 1u);
}

class AdminApiBadInputTest : public ServerTest {};

TEST_F(AdminApiBadInputTest, BadDurationNamesTheAcceptedForms) {
  auto res = Post("/_mock/clock/advance", R"({"by":"soon"})", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Body(res)["message"],
            "\"by\" must be a duration such as \"2 hours\", \"30 minutes\", \"1 day\", \"30 "
            "seconds\", \"PT2H\", or a number of milliseconds");
  EXPECT_EQ(t_.clock.Now(), kTestStart);
}

TEST_F(AdminApiBadInputTest, NegativeDurationIsRefused) {
  auto res = Post("/_mock/clock/advance", R"({"by":-5})", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Body(res)["message"],
            "\"by\" must be a duration such as \"2 hours\", \"30 minutes\", \"1 day\", "
            "\"30 seconds\", \"PT2H\", or a number of milliseconds");
}

TEST_F(AdminApiBadInputTest, MissingWorkspaceParamIs404) {
  auto res = Get("/_mock/inbound", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(Body(res)["message"],
            "The workspace query parameter is required: ?workspace=<an API key of the workspace>");
}

TEST_F(AdminApiBadInputTest, UnknownWorkspaceIs404) {
  auto res = Get("/_mock/messages?workspace=nope", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(Body(res)["message"],
            "No workspace has the API key 'nope' (GET /_mock/workspaces lists them)");
  EXPECT_EQ(Post("/_mock/reset?workspace=nope", "", "")->status, 404);
}

// A reset body other than {"seed": N} is refused, and nothing is reset.
TEST_F(AdminApiBadInputTest, BadResetBodyIs400AndResetsNothing) {
  ASSERT_EQ(Post("/send", R"({"message":{"to":{"user_id":"ada"},"template":"welcome"}})")->status,
            202);
  const std::string form =
      "The reset body is optional; when given it is {\"seed\": N}, N a whole number from 0 to "
      "18446744073709551615";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"seed": -1})", "Invalid seed -1. " + form},
      {R"({"seed": "7"})", "Invalid seed \"7\". " + form},
      {R"({"seed": 1.5})", "Invalid seed 1.5. " + form},
      {R"({"seed": 18446744073709551616})", "Invalid seed 1.8446744073709552e+19. " + form},
      {R"({"sed": 1})", "Unknown field 'sed'. " + form},
      {R"([7])", form},
      // As a fuzzer would: out-of-range numbers, invalid UTF-8, truncation, depth.
      {R"({"seed": 1e400})", "number overflow parsing '1e400'"},
      {"{\"seed\": \"\xff\"}",
       "parse error at line 1, column 11: syntax error while parsing value - invalid string: "
       "ill-formed UTF-8 byte"},
      {R"({"seed": 7)",
       "parse error at line 1, column 11: syntax error while parsing object - unexpected end of "
       "input; expected '}'"},
      {std::string(100, '['), "JSON nesting is deeper than the limit of 64 levels"},
  };
  for (const auto& [body, message] : cases) {
    auto res = Post("/_mock/reset?workspace=test-key", body, "");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << body;
    EXPECT_EQ(Body(res)["message"], message) << body;
  }
  auto unparsable = Post("/_mock/reset", "{seed: 7}", "");
  ASSERT_TRUE(unparsable);
  EXPECT_EQ(unparsable->status, 400);
  EXPECT_EQ(t_.Messages()["results"].size(), 1u);  // Nothing was reset.
  // An empty object is a reset without a seed.
  EXPECT_EQ(Post("/_mock/reset?workspace=test-key", "{}", "")->status, 200);
  EXPECT_EQ(t_.Messages()["results"].size(), 0u);
}

TEST_F(AdminApiBadInputTest, BadWorkspaceDefinitionIs400NamingThePath) {
  auto res = Put("/_mock/workspaces/k2", R"({"automations":[{"id":"a","steps":{}}]})", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Body(res)["message"], "workspace: /automations/0/steps: expected an array, got object");
  EXPECT_EQ(Post("/debug", "", Bearer("k2"))->status, 401);
}

TEST_F(AdminApiBadInputTest, UnknownAdminEndpointIs404) {
  auto res = Get("/_mock/nothing", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(Body(res)["message"],
            "Unknown admin endpoint: GET /_mock/nothing (see docs/server.md)");
}

TEST_F(AdminApiBadInputTest, WaitNeedsAKnownKindAndAJsonMatch) {
  auto kind = Get("/_mock/wait?workspace=test-key&kind=bogus", "");
  ASSERT_TRUE(kind);
  EXPECT_EQ(kind->status, 400);
  EXPECT_EQ(Body(kind)["message"],
            "kind must be one of messages, runs, inbound, outbox, profiles, received");
  auto match = Get("/_mock/wait?workspace=test-key&kind=runs&match=%7Bnope", "");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->status, 400);
  EXPECT_EQ(Body(match)["message"], "match must be a URL-encoded JSON object");
}

TEST_F(AdminApiBadInputTest, EngagementOnUnknownMessageIs404) {
  auto res = Post("/_mock/messages/1-00000000-000000000000000000000000/engagement",
                  R"({"event":"opened"})", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(Body(res)["message"], "Message not found");
}

class AdminTokenTest : public ServerTest {
 protected:
  AdminTokenTest()
      : ServerTest([] {
          ServerOptions o;
          o.api.admin_token = "s3cret";
          return o;
        }()) {}
};

TEST_F(AdminTokenTest, AdminCallsNeedTheTokenExceptHealth) {
  EXPECT_EQ(Get("/_mock/health", "")->status, 200);
  auto denied = Get("/_mock/clock", "");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(Get("/_mock/clock", "Bearer s3cret")->status, 200);
  httplib::Headers headers = {{"X-Mock-Admin-Token", "s3cret"}};
  EXPECT_EQ(client_->Get("/_mock/clock", headers)->status, 200);
}

TEST(AdminClockTest, SetIsRefusedForARealClock) {
  ScaledSystemClock clock(kTestStart, 1.0);
  Engine engine(clock);
  Api api(engine);
  ApiResponse res =
      api.Handle({"POST", "/_mock/clock/set", {}, {}, R"({"now":"2025-01-01T00:00:00Z"})"});
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(res.JsonBody()["message"],
            "The clock is real; /_mock/clock/set needs the virtual clock (--clock virtual)");
}

}  // namespace
}  // namespace mock_courier::server::testing
