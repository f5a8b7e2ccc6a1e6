// Audiences: filters over profiles, membership and the "Audience User
// Matched/Unmatched" outbound events
// (https://www.courier.com/docs/external-integrations/cdp/segment).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::TestEngine;

json Workspace() {
  return R"({"api_keys": ["k"], "segment": {"write_key": "wk"},
    "profiles": {"ann": {"title": "Software Engineer", "age": 30, "email": "ann@acme.com", "tags": ["a", "b"]},
                 "bob": {"title": "Designer", "age": 20, "email": "bob@other.org"}}})"_json;
}

json Eq(const std::string& path, const std::string& value) {
  return {{"operator", "EQ"}, {"path", path}, {"value", value}};
}

std::vector<std::string> Members(TestEngine& t, const std::string& audience) {
  std::vector<std::string> users;
  auto reply = t.engine.Call(t.key, "GET", "/audiences/" + audience + "/members");
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  if (!reply.ok()) return users;
  for (const json& item : reply->body["items"]) users.push_back(item["member_id"]);
  return users;
}

std::vector<std::string> MembersFor(TestEngine& t, const json& filter) {
  auto put = t.engine.Call(t.key, "PUT", "/audiences/a", {{"filter", filter}});
  EXPECT_TRUE(put.ok()) << put.status().ToString();
  return Members(t, "a");
}

TEST(AudienceTest, PutEvaluatesEveryProfile) {
  TestEngine t(Workspace());
  auto put = t.engine.Call(t.key, "PUT", "/audiences/engineers",
                           {{"name", "Engineers"}, {"filter", Eq("title", "Software Engineer")}});
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->body["audience"]["id"], "engineers");
  EXPECT_EQ(put->body["audience"]["name"], "Engineers");
  EXPECT_EQ(Members(t, "engineers"), (std::vector<std::string>{"ann"}));
  auto members = t.engine.Call(t.key, "GET", "/audiences/engineers/members");
  EXPECT_EQ(members->body["items"][0]["reason"], "EQ('title', 'Software Engineer') => true");
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/audiences/engineers")->body["filter"],
            Eq("title", "Software Engineer"));
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/audiences")->body["items"].size(), 1u);
}

TEST(AudienceTest, Operators) {
  TestEngine t(Workspace());
  using V = std::vector<std::string>;
  EXPECT_EQ(MembersFor(t, {{"operator", "NEQ"}, {"path", "title"}, {"value", "Designer"}}),
            V{"ann"});
  EXPECT_EQ(MembersFor(t, {{"operator", "GT"}, {"path", "age"}, {"value", "25"}}), V{"ann"});
  EXPECT_EQ(MembersFor(t, {{"operator", "GTE"}, {"path", "age"}, {"value", "20"}}),
            (V{"ann", "bob"}));
  EXPECT_EQ(MembersFor(t, {{"operator", "LT"}, {"path", "age"}, {"value", "25"}}), V{"bob"});
  EXPECT_EQ(MembersFor(t, {{"operator", "LTE"}, {"path", "age"}, {"value", "30"}}),
            (V{"ann", "bob"}));
  EXPECT_EQ(MembersFor(t, {{"operator", "EXISTS"}, {"path", "tags"}}), V{"ann"});
  EXPECT_EQ(MembersFor(t, {{"operator", "OMIT"}, {"path", "tags"}}), V{"bob"});
  EXPECT_EQ(MembersFor(t, {{"operator", "INCLUDES"}, {"path", "tags"}, {"value", "b"}}), V{"ann"});
  EXPECT_EQ(MembersFor(t, {{"operator", "STARTS_WITH"}, {"path", "title"}, {"value", "Des"}}),
            V{"bob"});
  EXPECT_EQ(MembersFor(t, {{"operator", "ENDS_WITH"}, {"path", "email"}, {"value", "@acme.com"}}),
            V{"ann"});
  EXPECT_EQ(
      MembersFor(
          t, {{"operator", "AND"},
              {"filters",
               {Eq("title", "Designer"), {{"operator", "LT"}, {"path", "age"}, {"value", "21"}}}}}),
      V{"bob"});
  EXPECT_EQ(
      MembersFor(t, {{"operator", "OR"}, {"filters", {Eq("title", "Designer"), Eq("age", "30")}}}),
      (V{"ann", "bob"}));
}

TEST(AudienceTest, ProfileChangesEmitMatchedAndUnmatched) {
  TestEngine t(Workspace());
  ASSERT_TRUE(
      t.engine.Call(t.key, "PUT", "/audiences/designers", {{"filter", Eq("title", "Designer")}})
          .ok());
  ASSERT_TRUE(
      t.engine.Call(t.key, "POST", "/profiles/ann", {{"profile", {{"title", "Designer"}}}}).ok());
  ASSERT_TRUE(
      t.engine.Call(t.key, "POST", "/profiles/bob", {{"profile", {{"title", "Manager"}}}}).ok());
  EXPECT_EQ(Members(t, "designers"), (std::vector<std::string>{"ann"}));
  json outbox = t.Outbox()["results"];
  ASSERT_EQ(outbox.size(), 3u);
  EXPECT_EQ(outbox[0]["event"]["event"], "Audience User Matched");  // bob at PUT
  EXPECT_EQ(outbox[1]["event"]["event"], "Audience User Matched");
  EXPECT_EQ(outbox[1]["event"]["userId"], "ann");
  EXPECT_EQ(outbox[1]["event"]["properties"], (json{{"audience_id", "designers"},
                                                    {"audience_version", 1},
                                                    {"reason", "EQ('title', 'Designer') => true"},
                                                    {"user_id", "ann"}}));
  EXPECT_EQ(outbox[2]["event"]["event"], "Audience User Unmatched");
  EXPECT_EQ(outbox[2]["event"]["properties"]["reason"], "EQ('title', 'Designer') => false");
}

TEST(AudienceTest, RePutBumpsTheVersionAndReEvaluates) {
  TestEngine t(Workspace());
  ASSERT_TRUE(
      t.engine.Call(t.key, "PUT", "/audiences/a", {{"filter", Eq("title", "Designer")}}).ok());
  auto second =
      t.engine.Call(t.key, "PUT", "/audiences/a", {{"filter", Eq("title", "Software Engineer")}});
  EXPECT_EQ(second->body["audience"]["version"], 2);
  EXPECT_EQ(Members(t, "a"), (std::vector<std::string>{"ann"}));
  json outbox = t.Outbox()["results"];
  ASSERT_EQ(outbox.size(), 3u);
  EXPECT_EQ(outbox[1]["event"]["event"], "Audience User Matched");
  EXPECT_EQ(outbox[2]["event"]["event"], "Audience User Unmatched");
  EXPECT_EQ(outbox[2]["event"]["userId"], "bob");
}

TEST(AudienceTest, DeletedProfileLeavesTheAudience) {
  TestEngine t(Workspace());
  ASSERT_TRUE(
      t.engine.Call(t.key, "PUT", "/audiences/a", {{"filter", Eq("title", "Designer")}}).ok());
  ASSERT_TRUE(t.engine.Call(t.key, "DELETE", "/profiles/bob").ok());
  EXPECT_TRUE(Members(t, "a").empty());
}

TEST(AudienceTest, FileAudiencesAreEvaluatedOnFirstUse) {
  json ws = Workspace();
  ws["audiences"] = {{{"id", "eng"}, {"filter", Eq("title", "Software Engineer")}}};
  TestEngine t(ws);
  EXPECT_EQ(Members(t, "eng"), (std::vector<std::string>{"ann"}));
}

TEST(AudienceTest, SendToAnAudience) {
  TestEngine t(Workspace());
  ASSERT_TRUE(
      t.engine.Call(t.key, "PUT", "/audiences/a", {{"filter", Eq("title", "Designer")}}).ok());
  auto reply = t.engine.Send(
      t.key, {{"message", {{"to", {{"audience_id", "a"}}}, {"content", {{"body", "hi"}}}}}});
  ASSERT_TRUE(reply.ok());
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["recipient"], "bob");
}

TEST(AudienceTest, DeleteRemovesIt) {
  TestEngine t(Workspace());
  ASSERT_TRUE(
      t.engine.Call(t.key, "PUT", "/audiences/a", {{"filter", Eq("title", "Designer")}}).ok());
  EXPECT_EQ(t.engine.Call(t.key, "DELETE", "/audiences/a")->status, 204);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/audiences/a").status().ToBody(),
            (json{{"message", "Audience not found"}, {"type", "invalid_request_error"}}));
}

TEST(AudienceBadInputTest, UnknownAudienceIs404) {
  TestEngine t(Workspace());
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/audiences/x").status().http_status(), 404);
  EXPECT_EQ(t.engine.Call(t.key, "DELETE", "/audiences/x").status().http_status(), 404);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/audiences/x/members").status().http_status(), 404);
  auto send = t.engine.Send(
      t.key, {{"message", {{"to", {{"audience_id", "x"}}}, {"content", {{"body", "hi"}}}}}});
  EXPECT_EQ(send.status().message(), "Invalid Request. The audience id 'x', was not found.");
}

TEST(AudienceBadInputTest, FilterIsValidated) {
  TestEngine t(Workspace());
  EXPECT_EQ(t.engine.Call(t.key, "PUT", "/audiences/a", {{"name", "x"}}).status().message(),
            "Invalid Request. 'filter' is required.");
  EXPECT_EQ(
      t.engine
          .Call(t.key, "PUT", "/audiences/a",
                {{"filter", {{"operator", "LIKE"}, {"path", "x"}, {"value", "y"}}}})
          .status()
          .message(),
      "Invalid Request. 'LIKE' is not a valid operator in 'filter'. Expected one of: AND, OR, "
      "EQ, NEQ, GT, GTE, LT, LTE, EXISTS, OMIT, INCLUDES, STARTS_WITH, ENDS_WITH, IS_BEFORE, "
      "IS_AFTER.");
  EXPECT_EQ(
      t.engine
          .Call(t.key, "PUT", "/audiences/a", {{"filter", {{"operator", "EQ"}, {"value", "y"}}}})
          .status()
          .message(),
      "Invalid Request. 'filter.path' is required.");
  EXPECT_EQ(t.engine
                .Call(t.key, "PUT", "/audiences/a",
                      {{"filter", {{"operator", "AND"}, {"filters", json::array()}}}})
                .status()
                .message(),
            "Invalid Request. 'filter.filters' must be a non-empty array for AND.");
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/audiences/a").status().http_status(), 404);
  EXPECT_TRUE(t.Outbox()["results"].empty());
}

}  // namespace
}  // namespace mock_courier
