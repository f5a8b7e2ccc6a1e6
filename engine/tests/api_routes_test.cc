// The Courier API route table (mock_courier/courier_api.h) and Engine::Call.
#include <set>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "mock_courier/courier_api.h"
#include "mock_courier/engine.h"
#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using json = nlohmann::json;
using testing::TestEngine;

TEST(ApiRouteTableTest, EveryRouteIsUniqueAndKnowsItsPosition) {
  std::set<std::pair<std::string, std::string>> seen;
  const std::vector<ApiRoute>& routes = ApiRoutes();
  ASSERT_FALSE(routes.empty());
  for (std::size_t i = 0; i < routes.size(); ++i) {
    EXPECT_EQ(routes[i].index, i) << routes[i].path;
    EXPECT_TRUE(seen.insert({routes[i].method, routes[i].path}).second)
        << routes[i].method << " " << routes[i].path << " appears twice";
    EXPECT_EQ(ApiRouteFor(routes[i].method, routes[i].path), &routes[i]);
  }
}

TEST(ApiRouteTableTest, FindsTheRouteAndItsPathParameters) {
  ApiRouteMatch match = FindApiRoute("PUT", "/lists/news/subscriptions/ada");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->path, "/lists/{list_id}/subscriptions/{user_id}");
  EXPECT_EQ(match.route->body, BodyRule::kOptional);
  EXPECT_EQ(match.params, (std::vector<std::string>{"news", "ada"}));
  EXPECT_TRUE(match.path_known);
}

TEST(ApiRouteTableTest, TrailingSlashIsIgnoredAsApiGatewayDoes) {
  ApiRouteMatch match = FindApiRoute("POST", "/send/");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->path, "/send");
}

// The one splitter the route table and the server's own routes share.
TEST(PathSegmentsTest, DropsTheLeadingAndATrailingSlashAndKeepsInnerEmptySegments) {
  using Parts = std::vector<std::string_view>;
  EXPECT_EQ(PathSegments(""), Parts{});
  EXPECT_EQ(PathSegments("/"), Parts{});
  EXPECT_EQ(PathSegments("/send"), Parts{"send"});
  EXPECT_EQ(PathSegments("/send/"), Parts{"send"});
  EXPECT_EQ(PathSegments("/_mock/workspaces/k"), (Parts{"_mock", "workspaces", "k"}));
  EXPECT_EQ(PathSegments("/a//b"), (Parts{"a", "", "b"}));
  EXPECT_EQ(PathSegments("//"), Parts{""});
}

TEST(ApiRouteTableTest, AnotherMethodOnAKnownPathHasNoRoute) {
  ApiRouteMatch match = FindApiRoute("DELETE", "/send");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_TRUE(match.path_known);
}

TEST(ApiRouteTableTest, UnknownPathAndEmptyParameterAreUnknown) {
  EXPECT_FALSE(FindApiRoute("GET", "/brands").path_known);
  EXPECT_FALSE(FindApiRoute("GET", "/messages//history").path_known);
  EXPECT_EQ(ApiRouteFor("GET", "/messages/abc"), nullptr);
}

TEST(ApiRouteTableTest, InboundSegmentKeepsItsTextAndAnswersMessageOnlyErrors) {
  const ApiRoute* route = ApiRouteFor("POST", "/inbound/segment");
  ASSERT_NE(route, nullptr);
  EXPECT_TRUE(route->keeps_body_text);
  EXPECT_EQ(route->body_error_shape, ErrorShape::kMessageOnly);
  EXPECT_EQ(route->body, BodyRule::kRequired);
}

TEST(EngineCallTest, RunsTheRouteUnderTheWorkspace) {
  TestEngine t;
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/profiles/ada", {{"profile", {{"name", "Ada"}}}}).ok());
  auto reply = t.engine.Call(t.key, "GET", "/profiles/ada");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body["profile"], (json{{"name", "Ada"}}));
}

TEST(EngineCallTest, ExplicitParametersMayHoldASlash) {
  TestEngine t;
  const ApiRoute* merge = ApiRouteFor("POST", "/profiles/{user_id}");
  ASSERT_NE(merge, nullptr);
  ASSERT_TRUE(t.engine
                  .Call(t.key, *merge,
                        ApiCall{{"team/ada"}, json::object(), {{"profile", {{"a", 1}}}}, "", {}})
                  .ok());
  EXPECT_EQ(t.Profile("team/ada"), (json{{"a", 1}}));
}

TEST(EngineCallTest, RoutesThatReadNoBodyIgnoreTheGivenOne) {
  TestEngine t;
  auto reply = t.engine.Call(t.key, "GET", "/profiles/ada", "not an object");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->body["profile"], json::object());
}

TEST(EngineCallTest, AnUnparsedBodyIsParsedForARouteThatKeepsNoText) {
  TestEngine t;
  const ApiRoute* merge = ApiRouteFor("POST", "/profiles/{user_id}");
  ASSERT_NE(merge, nullptr);
  ApiCall call{{"ada"}, json::object(), json(), R"({"profile":{"a":1}})", {}};
  call.body_unparsed = true;
  ASSERT_TRUE(t.engine.Call(t.key, *merge, std::move(call)).ok());
  EXPECT_EQ(t.Profile("ada"), (json{{"a", 1}}));
}

TEST(EngineCallBadInputTest, AnUnparsedBodyThatIsNotJsonIs400AndChangesNothing) {
  TestEngine t;
  const ApiRoute* merge = ApiRouteFor("POST", "/profiles/{user_id}");
  ASSERT_NE(merge, nullptr);
  ApiCall call{{"ada"}, json::object(), json(), "[1e400]", {}};
  call.body_unparsed = true;
  auto reply = t.engine.Call(t.key, *merge, std::move(call));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().ToBody(), (json{{"message", "number overflow parsing '1e400'"},
                                           {"type", "invalid_request_error"}}));
  EXPECT_EQ(t.Profile("ada"), json::object());
}

TEST(EngineCallBadInputTest, UnknownRouteIs403BeforeTheKeyIsChecked) {
  TestEngine t;
  for (const std::string& key : {t.key, std::string("no-such-key")}) {
    auto reply = t.engine.Call(key, "GET", "/brands");
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.status().ToBody(),
              (json{{"message", "Missing Authentication Token"}, {"type", "authorization_error"}}));
  }
}

TEST(EngineCallBadInputTest, RouteFromNoTableIs403) {
  TestEngine t;
  ApiRoute forged{"GET", "/brands", BodyRule::kNone, ErrorShape::kStandard, false, 100000};
  auto reply = t.engine.Call(t.key, forged, ApiCall{});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 403);
}

TEST(EngineCallBadInputTest, UnknownKeyIs401AndChangesNothing) {
  TestEngine t;
  auto reply = t.engine.Call("no-such-key", "POST", "/profiles/ada", {{"profile", {{"a", 1}}}});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 401);
  EXPECT_EQ(t.Profile("ada"), json::object());
}

TEST(EngineCallTest, ARateLimitedRowCountsAgainstItsFamily) {
  TestEngine t({{"api_keys", {"k"}}, {"rate_limits", {{"list_writes", 2}}}});
  // PUT /lists/{id} and PUT /lists/{id}/subscriptions/{user} share one family.
  ASSERT_TRUE(t.engine.Call(t.key, "PUT", "/lists/news", {{"name", "News"}}).ok());
  ASSERT_TRUE(t.engine.Call(t.key, "PUT", "/lists/news/subscriptions/ada").ok());
  auto refused = t.engine.Call(t.key, "DELETE", "/lists/news/subscriptions/ada");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().http_status(), 429);
  // Reads are not limited, and the refused call changed nothing.
  auto subscribers = t.engine.Call(t.key, "GET", "/lists/news/subscriptions");
  ASSERT_TRUE(subscribers.ok());
  EXPECT_EQ(subscribers->body["items"].size(), 1u);
}

TEST(EngineCallTest, SegmentInboundShorthandJournalsTheGivenText) {
  TestEngine t;
  const std::string text = R"({"type":"track","event":"E","userId":"u","messageId":"m-1"})";
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, json::parse(text), text).ok());
  auto journal = t.Journal()["results"];
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0]["payload"]["messageId"], "m-1");
}

// Without parameters the engine gets a null query: every listing reads it as
// no filter (docs/server.md; the same as an empty query).
TEST(QueryTest, ListingsReadANullQueryAsNoFilter) {
  TestEngine t;
  ASSERT_TRUE(t.engine
                  .Send(t.key, {{"message",
                                 {{"to", {{"email", "a@example.com"}}},
                                  {"content", {{"title", "t"}, {"body", "b"}}}}}})
                  .ok());
  for (const char* path : {"/messages", "/automations/runs", "/automations", "/lists"}) {
    auto with_null = t.engine.Call(t.key, "GET", path, json::object(), nullptr);
    auto with_empty = t.engine.Call(t.key, "GET", path, json::object(), json::object());
    ASSERT_TRUE(with_null.ok()) << path << ": " << with_null.status().message();
    ASSERT_TRUE(with_empty.ok()) << path;
    EXPECT_EQ(with_null->body, with_empty->body) << path;
    EXPECT_EQ(with_null->status, with_empty->status) << path;
  }
}

}  // namespace
}  // namespace mock_courier
