// Profiles and lists through the Engine (https://www.courier.com/docs/reference/profiles/by-id).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::TestEngine;

TEST(ProfileTest, UnknownUserIsAnEmptyProfileNotA404) {
  TestEngine t;
  auto reply = t.engine.Call(t.key, "GET", "/profiles/nobody");
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, (json{{"profile", json::object()}, {"preferences", json::object()}}));
}

TEST(ProfileTest, MergeIsDeepAndNewValuesWin) {
  TestEngine t;
  ASSERT_TRUE(t.engine
                  .Call(t.key, "POST", "/profiles/u1",
                        {{"profile", {{"a", 1}, {"nested", {{"x", 1}, {"y", 1}}}}}})
                  .ok());
  auto reply = t.engine.Call(t.key, "POST", "/profiles/u1",
                             {{"profile", {{"b", 2}, {"nested", {{"y", 2}}}}}});
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->body, (json{{"status", "SUCCESS"}}));
  EXPECT_EQ(t.Profile("u1"), (json{{"a", 1}, {"b", 2}, {"nested", {{"x", 1}, {"y", 2}}}}));
}

TEST(ProfileTest, EmptyMergeCreatesAnEmptyProfile) {
  TestEngine t;
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/profiles/u1", {{"profile", json::object()}}).ok());
  auto profiles = *t.engine.Profiles(t.key);
  ASSERT_EQ(profiles["results"].size(), 1u);
  EXPECT_EQ(profiles["results"][0]["user_id"], "u1");
}

// Profiles are held hashed by user id; the view lists them sorted, as the
// ordered map did, whatever order they were written in.
TEST(ProfileTest, TheProfilesViewListsUsersInIdOrder) {
  TestEngine t;
  std::vector<std::string> written;
  for (int i = 0; i < 200; ++i) written.push_back("user-" + std::to_string((i * 7919) % 1000));
  for (const std::string& user : written) {
    ASSERT_TRUE(
        t.engine.Call(t.key, "POST", "/profiles/" + user, {{"profile", {{"id", user}}}}).ok());
  }
  ASSERT_TRUE(t.engine.Call(t.key, "DELETE", "/profiles/" + written[17]).ok());
  std::vector<std::string> expected = written;
  expected.erase(expected.begin() + 17);
  std::sort(expected.begin(), expected.end());
  const json profiles = *t.engine.Profiles(t.key);
  std::vector<std::string> listed;
  for (const json& item : profiles["results"]) {
    listed.push_back(item["user_id"].get<std::string>());
    EXPECT_EQ(item["profile"], (json{{"id", item["user_id"]}}));
  }
  EXPECT_EQ(listed, expected);
}

TEST(ProfileTest, ReplaceRemovesKeysMissingFromTheNewProfile) {
  TestEngine t;
  ASSERT_TRUE(
      t.engine.Call(t.key, "POST", "/profiles/u1", {{"profile", {{"a", 1}, {"b", 2}}}}).ok());
  ASSERT_TRUE(t.engine.Call(t.key, "PUT", "/profiles/u1", {{"profile", {{"c", 3}}}}).ok());
  EXPECT_EQ(t.Profile("u1"), (json{{"c", 3}}));
}

TEST(ProfileTest, PatchAppliesJsonPatchCreatingMissingParents) {
  TestEngine t;
  ASSERT_TRUE(
      t.engine.Call(t.key, "POST", "/profiles/u1", {{"profile", {{"email", "old@x.io"}, {"n", 1}}}})
          .ok());
  auto reply = t.engine.Call(t.key, "PATCH", "/profiles/u1", R"({"patch":[
      {"op":"replace","path":"/email","value":"new@x.io"},
      {"op":"add","path":"/address/city","value":"Paris"},
      {"op":"remove","path":"/n"}]})"_json);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(t.Profile("u1"), (json{{"email", "new@x.io"}, {"address", {{"city", "Paris"}}}}));
}

TEST(ProfileTest, PatchCreatesMissingParentArraysForIndexTokens) {
  TestEngine t;
  auto reply = t.engine.Call(t.key, "PATCH", "/profiles/u1", R"({"patch":[
      {"op":"add","path":"/tags/-","value":"vip"},
      {"op":"add","path":"/devices/0/token","value":"t-1"}]})"_json);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(t.Profile("u1"), R"({"tags":["vip"],"devices":[{"token":"t-1"}]})"_json);
}

TEST(ProfileTest, DeleteRemovesTheProfileButNotSubscriptions) {
  TestEngine t;
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/profiles/u1", {{"profile", {{"a", 1}}}}).ok());
  ASSERT_TRUE(t.engine.Call(t.key, "PUT", "/lists/news/subscriptions/u1", nullptr).ok());
  ASSERT_TRUE(t.engine.Call(t.key, "DELETE", "/profiles/u1").ok());
  EXPECT_EQ(t.Profile("u1"), json::object());
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/profiles/u1/lists")->body["results"].size(), 1u);
}

struct BadProfileBody {
  const char* name;
  const char* body;
  const char* message;
};

class ProfileBadInputTest : public ::testing::TestWithParam<BadProfileBody> {};

TEST_P(ProfileBadInputTest, MergeRejectsWithCouriersMessageAndChangesNothing) {
  TestEngine t;
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/profiles/u1", {{"profile", {{"a", 1}}}}).ok());
  auto reply = t.engine.Call(t.key, "POST", "/profiles/u1", json::parse(GetParam().body));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 400);
  EXPECT_EQ(reply.status().type(), "invalid_request_error");
  EXPECT_EQ(reply.status().message(), GetParam().message);
  EXPECT_EQ(t.Profile("u1"), (json{{"a", 1}}));
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, ProfileBadInputTest,
    ::testing::Values(BadProfileBody{"ExtraKeys", R"({"profile":{},"user_id":"x"})",
                                     "body contains extra keys"},
                      BadProfileBody{"MissingProfile", R"({})", "profile property is required"},
                      BadProfileBody{"ProfileNotObject", R"({"profile":"a@b.c"})",
                                     "profile property must be an object"},
                      BadProfileBody{"NotAnObject", R"([1])", "No Body Provided"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ProfileBadInputTest, PatchRequiresPatchAndKeepsProfileOnFailure) {
  TestEngine t;
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/profiles/u1", {{"profile", {{"a", 1}}}}).ok());
  EXPECT_EQ(t.engine.Call(t.key, "PATCH", "/profiles/u1").status().message(),
            "patch property is required");
  auto failed = t.engine.Call(t.key, "PATCH", "/profiles/u1", R"({"patch":[
      {"op":"add","path":"/b","value":2}, {"op":"remove","path":"/missing"}]})"_json);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().http_status(), 400);
  EXPECT_NE(failed.status().message().find("Invalid patch operation at index 1 (remove /missing)"),
            std::string::npos)
      << failed.status().message();
  EXPECT_EQ(t.Profile("u1"), (json{{"a", 1}}));
}

TEST(ProfileBadInputTest, UnknownKeyIsUnauthorized) {
  TestEngine t;
  auto reply = t.engine.Call("wrong-key", "GET", "/profiles/u1");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 401);
  EXPECT_EQ(reply.status().ToBody(),
            (json{{"message", "Unauthorized"}, {"type", "authentication_error"}}));
}

TEST(ListTest, SubscribingCreatesTheListAndAnswers204) {
  TestEngine t;
  auto reply = t.engine.Call(t.key, "PUT", "/lists/orders.eu/subscriptions/u1", nullptr);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 204);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/lists/orders.eu")->body["id"], "orders.eu");
  auto subs = t.engine.Call(t.key, "GET", "/lists/orders.eu/subscriptions");
  ASSERT_TRUE(subs.ok());
  EXPECT_EQ(subs->body["items"][0]["recipientId"], "u1");
  EXPECT_EQ(t.engine.Call(t.key, "DELETE", "/lists/orders.eu/subscriptions/u1")->status, 204);
  EXPECT_TRUE(t.engine.Call(t.key, "GET", "/lists/orders.eu/subscriptions")->body["items"].empty());
}

TEST(ListTest, SeedSubscribersComeFromTheWorkspaceFile) {
  TestEngine t(
      R"({"api_keys":["k"], "lists":[{"id":"news","name":"News","subscribers":["a","b"]}]})"_json);
  EXPECT_EQ(t.engine.Call("k", "GET", "/lists/news/subscriptions")->body["items"].size(), 2u);
  EXPECT_EQ(t.engine.Call("k", "GET", "/lists")->body["items"][0]["name"], "News");
}

TEST(ListTest, PatternsMatchDotSeparatedSegments) {
  TestEngine t;
  for (std::string id : {"orders.eu", "orders.us", "orders.eu.vip", "news"}) {
    ASSERT_TRUE(t.engine.Call(t.key, "PUT", "/lists/" + id, {{"name", id}}).ok());
  }
  auto eu = t.engine.Call(t.key, "GET", "/lists", {}, {{"pattern", "orders.*"}});
  ASSERT_EQ(eu->body["items"].size(), 2u);
  EXPECT_EQ(eu->body["items"][0]["id"], "orders.eu");
  EXPECT_EQ(
      t.engine.Call(t.key, "GET", "/lists", {}, {{"pattern", "orders.**"}})->body["items"].size(),
      3u);
}

TEST(ListBadInputTest, UnknownListIs404AndBadBodiesAre400) {
  TestEngine t;
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/lists/nope").status().ToBody(),
            (json{{"message", "List not found"}, {"type", "invalid_request_error"}}));
  EXPECT_EQ(t.engine.Call(t.key, "PUT", "/lists/l", {{"title", "x"}}).status().message(),
            "'title' is not a valid property of a list");
  EXPECT_EQ(
      t.engine.Call(t.key, "PUT", "/lists/l/subscriptions/u", {{"prefs", 1}}).status().message(),
      "'prefs' is not a valid property of a subscription");
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/lists/l").status().http_status(), 404);
}

}  // namespace
}  // namespace mock_courier
