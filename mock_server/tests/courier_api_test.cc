// The Courier surface over HTTP: auth forms, unknown routes, body errors,
// size limit, idempotency, security headers, and the route table.
#include <string>
#include <vector>

#include "server_fixture.h"

namespace mock_courier::server::testing {
namespace {

const json kUnauthorized = {{"message", "Unauthorized"}, {"type", "authentication_error"}};
const json kMissingToken = {{"message", "Missing Authentication Token"},
                            {"type", "authorization_error"}};

class CourierAuthTest : public ServerTest {};

TEST_F(CourierAuthTest, BearerKeyIsAccepted) {
  auto res = Post("/debug", "", Bearer());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(Body(res)["tenantName"], "Server Test");
}

TEST_F(CourierAuthTest, BasicKeyColonIsAcceptedAsSegmentClassicSendsIt) {
  auto res = Post("/debug", "", Basic("test-key:"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(CourierAuthTest, BasicEmailKeyIsAccepted) {
  auto res = Post("/debug", "", Basic("me@example.com:test-key"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

class CourierAuthBadInputTest : public ServerTest {};

TEST_F(CourierAuthBadInputTest, MissingHeaderIs401AuthenticationError) {
  auto res = Post("/debug", "", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(Body(res), kUnauthorized);
}

TEST_F(CourierAuthBadInputTest, UnknownKeyIs401) {
  auto res = Get("/profiles/ada", Bearer("nobody"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(Body(res), kUnauthorized);
}

TEST_F(CourierAuthBadInputTest, LowercaseSchemeIs401) {
  auto res = Get("/profiles/ada", "bearer test-key");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
}

TEST_F(CourierAuthBadInputTest, BasicKeyWithoutColonLosesLastCharacterAndFails) {
  auto res = Get("/profiles/ada", Basic("test-key"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
}

class CourierRoutingTest : public ServerTest {};

TEST_F(CourierRoutingTest, UnknownRouteIs403MissingAuthenticationTokenBeforeAuth) {
  for (const std::string& auth : {Bearer(), std::string()}) {
    auto res = Get("/nope", auth);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403);
    EXPECT_EQ(Body(res), kMissingToken);
  }
}

TEST_F(CourierRoutingTest, KnownPathWithAnotherMethodIs403) {
  auto res = Delete("/send");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(Body(res), kMissingToken);
}

TEST_F(CourierRoutingTest, ResponsesCarrySecurityAndCorsHeaders) {
  for (const auto& [path, auth] : std::vector<std::pair<std::string, std::string>>{
           {"/profiles/ada", Bearer()}, {"/nope", Bearer()}, {"/profiles/ada", ""}}) {
    auto res = Get(path, auth);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_FALSE(res->get_header_value("Strict-Transport-Security").empty());
    EXPECT_EQ(res->get_header_value("Access-Control-Allow-Origin"), "*");
  }
}

TEST_F(CourierRoutingTest, PercentEncodedUserIdsAreDecoded) {
  ASSERT_EQ(Post("/profiles/user%201", R"({"profile":{"email":"u@example.com"}})")->status, 200);
  auto res = Get("/profiles/user%201");
  ASSERT_TRUE(res);
  EXPECT_EQ(Body(res)["profile"]["email"], "u@example.com");
}

// Every route of the table reaches the engine: authenticated, it is neither
// the gateway's 403 nor a 401 (some engine modules may still answer 501).
TEST_F(CourierRoutingTest, EveryCourierRouteReachesTheEngine) {
  struct Call {
    std::string method, path, body;
  };
  const std::vector<Call> calls = {
      {"POST", "/debug", ""},
      {"POST", "/inbound/segment", R"({"type":"track","event":"E","userId":"u","messageId":"m1"})"},
      {"POST", "/inbound/courier",
       R"({"type":"track","event":"E","messageId":"c1","properties":{}})"},
      {"POST", "/send", R"({"message":{"to":{"user_id":"ada"},"template":"welcome"}})"},
      {"POST", "/automations/invoke",
       R"({"automation":{"steps":[{"action":"delay","duration":"1 hour"}]}})"},
      {"POST", "/automations/t1/invoke", R"({"recipient":"ada"})"},
      {"GET", "/automations/runs", ""},
      {"GET", "/automations/runs/r1", ""},
      {"GET", "/profiles/ada", ""},
      {"POST", "/profiles/ada", R"({"profile":{"a":1}})"},
      {"PUT", "/profiles/ada", R"({"profile":{"a":1}})"},
      {"PATCH", "/profiles/ada", R"({"patch":[]})"},
      {"DELETE", "/profiles/ada", ""},
      {"GET", "/profiles/ada/lists", ""},
      {"GET", "/lists", ""},
      {"PUT", "/lists/l1", R"({"name":"L1"})"},
      {"GET", "/lists/l1", ""},
      {"GET", "/lists/l1/subscriptions", ""},
      {"PUT", "/lists/l1/subscriptions/ada", ""},
      {"DELETE", "/lists/l1/subscriptions/ada", ""},
      {"DELETE", "/lists/l1", ""},
      {"GET", "/messages", ""},
      {"GET", "/messages/m1", ""},
      {"GET", "/messages/m1/history", ""},
      {"POST", "/messages/m1/cancel", ""},
      {"GET", "/events", ""},
      {"PUT", "/events/e1", R"({"id":"welcome","type":"notification"})"},
      {"GET", "/events/e1", ""},
      {"DELETE", "/events/e1", ""},
      {"GET", "/users/ada/preferences", ""},
      {"PUT", "/users/ada/preferences/t1", R"({"topic":{"status":"OPTED_OUT"}})"},
      {"GET", "/users/ada/preferences/t1", ""},
      {"GET", "/audiences", ""},
      {"PUT", "/audiences/a1", R"({"filter":{"operator":"EQ","path":"title","value":"x"}})"},
      {"GET", "/audiences/a1", ""},
      {"GET", "/audiences/a1/members", ""},
      {"DELETE", "/audiences/a1", ""},
  };
  for (const Call& call : calls) {
    httplib::Headers headers = {{"Authorization", Bearer()}};
    httplib::Result res =
        call.method == "GET"      ? client_->Get(call.path.c_str(), headers)
        : call.method == "DELETE" ? client_->Delete(call.path.c_str(), headers)
        : call.method == "PUT"
            ? client_->Put(call.path.c_str(), headers, call.body, "application/json")
        : call.method == "PATCH"
            ? client_->Patch(call.path.c_str(), headers, call.body, "application/json")
            : client_->Post(call.path.c_str(), headers, call.body, "application/json");
    ASSERT_TRUE(res) << call.method << " " << call.path;
    EXPECT_NE(res->status, 403) << call.method << " " << call.path << ": " << res->body;
    EXPECT_NE(res->status, 401) << call.method << " " << call.path << ": " << res->body;
  }
}

// The server serves the engine's whole table (courier_api.h) with no route
// of its own: each row, with "x" for its path parameters, is answered by the
// engine, never 403 (unknown route) or 401.
TEST_F(CourierRoutingTest, EveryRowOfTheEngineTableIsServed) {
  for (const ApiRoute& route : ApiRoutes()) {
    std::string path;
    for (std::size_t i = 0; i < route.path.size(); ++i) {
      if (route.path[i] != '{') {
        path += route.path[i];
        continue;
      }
      path += 'x';
      i = route.path.find('}', i);
    }
    const std::string body = route.body == BodyRule::kNone ? "" : "{}";
    httplib::Headers headers = {{"Authorization", Bearer()}};
    httplib::Result res =
        route.method == "GET"      ? client_->Get(path.c_str(), headers)
        : route.method == "DELETE" ? client_->Delete(path.c_str(), headers)
        : route.method == "PUT"    ? client_->Put(path.c_str(), headers, body, "application/json")
        : route.method == "PATCH"  ? client_->Patch(path.c_str(), headers, body, "application/json")
                                   : client_->Post(path.c_str(), headers, body, "application/json");
    ASSERT_TRUE(res) << route.method << " " << path;
    EXPECT_NE(res->status, 403) << route.method << " " << path << ": " << res->body;
    EXPECT_NE(res->status, 401) << route.method << " " << path << ": " << res->body;
  }
}

class CourierBodyBadInputTest : public ServerTest {};

TEST_F(CourierBodyBadInputTest, MalformedJsonIs400WithTheParserMessage) {
  auto res = Post("/profiles/ada", R"({"profile": )");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  json body = Body(res);
  EXPECT_EQ(body["type"], "invalid_request_error");
  EXPECT_EQ(body["message"].get<std::string>().rfind("parse error at line 1", 0), 0u) << body;
}

TEST_F(CourierBodyBadInputTest, EmptyBodyIsNoBodyProvided) {
  auto res = Post("/send", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Body(res), json({{"message", "No Body Provided"}, {"type", "invalid_request_error"}}));
}

TEST_F(CourierBodyBadInputTest, SmartQuotesAre400WithCouriersMessage) {
  auto res = Post("/profiles/ada", "{\xE2\x80\x9Cprofile\xE2\x80\x9D: {}}");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Body(res)["message"],
            "Body contains a key or value wrapped in a smart quote. Switch the smart quote to a "
            "straight quote.");
}

TEST_F(CourierBodyBadInputTest, InboundSegmentBodyErrorsAreMessageOnly) {
  auto res = Post("/inbound/segment", "{oops");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  json body = Body(res);
  EXPECT_TRUE(body.contains("message"));
  EXPECT_FALSE(body.contains("type")) << body;
}

TEST_F(CourierBodyBadInputTest, BodyOverSixMegabytesIs413) {
  std::string big = R"({"profile":{"blob":")" + std::string(6 * 1024 * 1024, 'x') + R"("}})";
  auto res = Post("/profiles/ada", big);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(Body(res), json({{"message", "Payload Too Large"}, {"type", "invalid_request_error"}}));
  EXPECT_FALSE(Body(Get("/profiles/ada"))["profile"].contains("blob"));
}

TEST_F(CourierBodyBadInputTest, FarOversizedBodyIsStill413WithCouriersBody) {
  std::string huge(8 * 1024 * 1024, 'x');
  auto res = Post("/profiles/ada", huge);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(Body(res)["message"], "Payload Too Large");
}

TEST(CourierBodyTest, UrlEncodedBodiesWorkLikeJson) {
  mock_courier::testing::TestEngine t(TestWorkspace());
  Api api(t.engine);
  ApiRequest request{"POST", "/profiles/grace", {}, {}, "profile[email]=grace%40example.com"};
  request.headers["authorization"] = Bearer();
  ApiResponse response = api.Handle(request);
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(t.Profile("grace")["email"], "grace@example.com");
}

class IdempotencyTest : public ServerTest {};

TEST_F(IdempotencyTest, RepeatedKeyReplaysTheFirstResponse) {
  httplib::Headers idem = {{"Idempotency-Key", "order-1"}};
  auto first =
      Post("/inbound/segment", R"({"type":"track","event":"E","userId":"u","messageId":"seg-1"})",
           Bearer(), idem);
  auto second =
      Post("/inbound/segment", R"({"type":"track","event":"E","userId":"u","messageId":"seg-2"})",
           Bearer(), idem);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 202);
  EXPECT_EQ(second->status, 202);
  EXPECT_EQ(Body(first), Body(second));
  EXPECT_EQ(t_.Journal()["results"].size(), 1u);
}

TEST_F(IdempotencyTest, KeyIsScopedToThePath) {
  httplib::Headers idem = {{"Idempotency-Key", "same"}};
  ASSERT_EQ(Post("/profiles/a", R"({"profile":{"x":1}})", Bearer(), idem)->status, 200);
  ASSERT_EQ(Post("/profiles/b", R"({"profile":{"x":2}})", Bearer(), idem)->status, 200);
  EXPECT_EQ(t_.Profile("b")["x"], 2);
}

TEST_F(IdempotencyTest, ValidationFailuresAreNotStored) {
  httplib::Headers idem = {{"Idempotency-Key", "retry-me"}};
  auto bad =
      Post("/inbound/segment", R"({"type":"track","userId":"u","messageId":"s1"})", Bearer(), idem);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  // A new Segment messageId: the engine itself replays stored 400s per
  // messageId (https://www.courier.com/docs/external-integrations/cdp/segment/); the
  // Idempotency-Key must have been released.
  auto good = Post("/inbound/segment",
                   R"({"type":"track","event":"E","userId":"u","messageId":"s2"})", Bearer(), idem);
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 202) << good->body;
}

TEST_F(IdempotencyTest, GetRequestsIgnoreTheHeader) {
  httplib::Headers headers = {{"Authorization", Bearer()}, {"Idempotency-Key", "k"}};
  ASSERT_EQ(client_->Get("/profiles/ada", headers)->status, 200);
  ASSERT_EQ(Post("/profiles/ada", R"({"profile":{"n":1}})")->status, 200);
  EXPECT_EQ(Body(client_->Get("/profiles/ada", headers))["profile"]["n"], 1);
}

class IdempotencyBadInputTest : public ServerTest {};

TEST_F(IdempotencyBadInputTest, InvalidExpirationIs400) {
  httplib::Headers headers = {{"Idempotency-Key", "k"},
                              {"x-idempotency-expiration", "next tuesday"}};
  auto res = Post("/profiles/ada", R"({"profile":{"n":1}})", Bearer(), headers);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Body(res), json({{"message", "Expiration is not a valid date"},
                             {"type", "invalid_request_error"}}));
  EXPECT_FALSE(t_.Profile("ada").contains("n"));
}

TEST_F(IdempotencyTest, ExpirationAcceptsIsoAndEpochMilliseconds) {
  for (std::string expiration : {"2027-01-01T00:00:00Z", "1800000000000"}) {
    httplib::Headers headers = {{"Idempotency-Key", "k-" + expiration},
                                {"x-idempotency-expiration", expiration}};
    auto res = Post("/profiles/ada", R"({"profile":{"n":1}})", Bearer(), headers);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << expiration << ": " << res->body;
  }
}

class SegmentInboundRouteTest : public ServerTest {};

TEST_F(SegmentInboundRouteTest, ActionsBearerAndClassicBasicBothGet202WithAFreshId) {
  auto actions =
      Post("/inbound/segment",
           R"({"type":"track","event":"Order Completed","userId":"u","messageId":"a-1"})");
  auto classic = Post(
      "/inbound/segment",
      R"({"type":"identify","traits":{"email":"u@example.com"},"userId":"u","messageId":"c-1"})",
      Basic("test-key:"));
  ASSERT_TRUE(actions && classic);
  EXPECT_EQ(actions->status, 202);
  EXPECT_EQ(classic->status, 202);
  EXPECT_EQ(Body(actions)["messageId"].get<std::string>().rfind("1-", 0), 0u);
  EXPECT_NE(Body(actions)["messageId"], "a-1");
}

TEST_F(SegmentInboundRouteTest, RepeatedMessageIdReplaysTheFirstResponse) {
  const std::string event = R"({"type":"track","event":"E","userId":"u","messageId":"dup"})";
  auto first = Post("/inbound/segment", event);
  auto second = Post("/inbound/segment", event);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(second->status, 202);
  EXPECT_EQ(Body(first), Body(second));
}

TEST_F(SegmentInboundRouteTest, UnsupportedTypeIs501MessageOnly) {
  auto res = Post("/inbound/segment", R"({"type":"page","userId":"u","messageId":"p1"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 501);
  EXPECT_EQ(Body(res), json({{"message", "Event Type Unsupported: page"}}));
}

class ProfilesRouteTest : public ServerTest {};

TEST_F(ProfilesRouteTest, MergeReplacePatchDeleteAnswerSuccess) {
  const json success = {{"status", "SUCCESS"}};
  auto merge = Post("/profiles/ada", R"({"profile":{"name":"Ada"}})");
  ASSERT_TRUE(merge);
  EXPECT_EQ(merge->status, 200);
  EXPECT_EQ(Body(merge), success);
  EXPECT_EQ(t_.Profile("ada"), json({{"email", "ada@example.com"}, {"name", "Ada"}}));

  EXPECT_EQ(
      Body(Patch("/profiles/ada", R"({"patch":[{"op":"add","path":"/plan","value":"pro"}]})")),
      success);
  EXPECT_EQ(t_.Profile("ada")["plan"], "pro");

  EXPECT_EQ(Body(Put("/profiles/ada", R"({"profile":{"email":"new@example.com"}})")), success);
  EXPECT_EQ(t_.Profile("ada"), json({{"email", "new@example.com"}}));

  auto del = Delete("/profiles/ada");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200);
  auto get = Get("/profiles/ada");
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(Body(get)["profile"], json::object());
}

}  // namespace
}  // namespace mock_courier::server::testing
