// POST /journeys/cancel: by cancelation token or by run id, with the shapes of
// CancelJourneyRequest / CancelJourneyResponse in Courier's SDKs
// (https://www.rubydoc.info/gems/trycourier/Courier/Models/CancelJourneyResponse).
#include <gtest/gtest.h>

#include <string>

#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::TestEngine;

json RunById(TestEngine& t, const std::string& id) {
  const json runs = t.Runs()["results"];
  for (const json& run : runs) {
    if (run["id"] == id) return run;
  }
  return nullptr;
}

// An ad hoc run that waits an hour, then sets `mark` on u1's profile.
std::string Delayed(TestEngine& t, const std::string& token, const std::string& mark) {
  json automation = {{"steps",
                      {{{"action", "delay"}, {"duration", "1 hour"}},
                       {{"action", "update-profile"},
                        {"recipient_id", "u1"},
                        {"merge", "overwrite"},
                        {"profile", {{mark, true}}}}}}};
  if (!token.empty()) automation["cancelation_token"] = token;
  auto reply = t.engine.Call(t.key, "POST", "/automations/invoke", {{"automation", automation}});
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body["runId"].get<std::string>() : "";
}

Result<Reply> Cancel(TestEngine& t, json body) {
  return t.engine.Call(t.key, "POST", "/journeys/cancel", std::move(body));
}

TEST(JourneysCancelTest, ByTokenStopsEveryRunWithTheTokenAndEchoesIt) {
  TestEngine t;
  std::string a = Delayed(t, "order-1", "a");
  std::string b = Delayed(t, "order-1", "b");
  std::string other = Delayed(t, "order-2", "other");

  auto reply = Cancel(t, {{"cancelation_token", "order-1"}});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 202);
  EXPECT_EQ(reply->body, (json{{"cancelation_token", "order-1"}}));
  for (const std::string& id : {a, b}) {
    json run = RunById(t, id);
    EXPECT_EQ(run["status"], "CANCELED");
    EXPECT_EQ(run["diagnostics"],
              json::array({"canceled by POST /journeys/cancel (cancelation_token 'order-1')"}));
  }
  EXPECT_EQ(RunById(t, other)["status"], "WAITING");

  t.Advance(2 * kHour);
  EXPECT_EQ(t.Profile("u1"), (json{{"other", true}}));
  EXPECT_EQ(RunById(t, other)["status"], "PROCESSED");
}

TEST(JourneysCancelTest, ByRunIdStopsOnlyThatRun) {
  TestEngine t;
  std::string first = Delayed(t, "order-1", "first");
  std::string second = Delayed(t, "order-1", "second");

  auto reply = Cancel(t, {{"run_id", first}});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 202);
  EXPECT_EQ(reply->body, (json{{"run_id", first}, {"status", "CANCELED"}}));
  EXPECT_EQ(RunById(t, first)["diagnostics"], json::array({"canceled by POST /journeys/cancel"}));
  EXPECT_EQ(RunById(t, second)["status"], "WAITING");

  t.Advance(2 * kHour);
  EXPECT_EQ(t.Profile("u1"), (json{{"second", true}}));
  EXPECT_EQ(RunById(t, first)["status"], "CANCELED");
}

TEST(JourneysCancelTest, ARunCanceledByIdLeavesItsTokenToTheOthers) {
  TestEngine t;
  std::string first = Delayed(t, "order-1", "first");
  std::string second = Delayed(t, "order-1", "second");
  ASSERT_TRUE(Cancel(t, {{"run_id", first}}).ok());
  ASSERT_TRUE(Cancel(t, {{"cancelation_token", "order-1"}}).ok());
  EXPECT_EQ(RunById(t, second)["status"], "CANCELED");
  // The first keeps the diagnostic of the call that canceled it, only.
  EXPECT_EQ(RunById(t, first)["diagnostics"].size(), 1u);
}

TEST(JourneysCancelTest, AnAlreadyCanceledRunAnswersCanceledAgain) {
  TestEngine t;
  std::string id = Delayed(t, "", "x");
  ASSERT_TRUE(Cancel(t, {{"run_id", id}}).ok());
  auto again = Cancel(t, {{"run_id", id}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->body, (json{{"run_id", id}, {"status", "CANCELED"}}));
  EXPECT_EQ(RunById(t, id)["diagnostics"].size(), 1u);
}

TEST(JourneysCancelTest, AFinishedRunIsLeftAsItIsAndSaysItsStatus) {
  TestEngine t;
  auto done = t.engine.Call(t.key, "POST", "/automations/invoke",
                            {{"automation",
                              {{"cancelation_token", "t"},
                               {"steps",
                                {{{"action", "update-profile"},
                                  {"recipient_id", "u1"},
                                  {"merge", "overwrite"},
                                  {"profile", {{"done", true}}}}}}}}});
  auto failed = t.engine.Call(
      t.key, "POST", "/automations/invoke",
      {{"automation", {{"steps", {{{"action", "delay"}, {"duration", {{"$ref", "data.wait"}}}}}}}},
       {"data", {{"wait", "soon"}}}});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  const std::string done_id = done->body["runId"];
  const std::string failed_id = failed->body["runId"];
  ASSERT_EQ(RunById(t, done_id)["status"], "PROCESSED");
  ASSERT_EQ(RunById(t, failed_id)["status"], "ERROR");

  auto processed = Cancel(t, {{"run_id", done_id}});
  ASSERT_TRUE(processed.ok());
  EXPECT_EQ(processed->body, (json{{"run_id", done_id}, {"status", "PROCESSED"}}));
  auto error = Cancel(t, {{"run_id", failed_id}});
  ASSERT_TRUE(error.ok());
  EXPECT_EQ(error->body, (json{{"run_id", failed_id}, {"status", "ERROR"}}));
  EXPECT_TRUE(RunById(t, done_id)["diagnostics"].empty());
  EXPECT_EQ(RunById(t, done_id)["status"], "PROCESSED");
}

TEST(JourneysCancelTest, ATokenNoRunHoldsIsAcceptedAndCancelsNothing) {
  TestEngine t;
  std::string id = Delayed(t, "order-1", "x");
  auto reply = Cancel(t, {{"cancelation_token", "nobody-has-it"}});
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 202);
  EXPECT_EQ(reply->body, (json{{"cancelation_token", "nobody-has-it"}}));
  EXPECT_EQ(RunById(t, id)["status"], "WAITING");
}

class JourneysCancelBodyBadInputTest : public ::testing::TestWithParam<json> {};

TEST_P(JourneysCancelBodyBadInputTest, IsRejectedAndChangesNothing) {
  TestEngine t;
  std::string id = Delayed(t, "order-1", "x");
  json body = GetParam();
  if (body.is_object() && body.contains("run_id") && body["run_id"] == "RUN") body["run_id"] = id;
  auto reply = Cancel(t, body);
  ASSERT_FALSE(reply.ok()) << body.dump();
  EXPECT_EQ(reply.status().http_status(), 400);
  EXPECT_EQ(reply.status().type(), "invalid_request_error");
  EXPECT_EQ(RunById(t, id)["status"], "WAITING");
  t.Advance(2 * kHour);
  EXPECT_EQ(RunById(t, id)["status"], "PROCESSED");
}

INSTANTIATE_TEST_SUITE_P(
    Courier, JourneysCancelBodyBadInputTest,
    ::testing::Values(json::object(), json::array({"order-1"}),
                      json{{"cancelation_token", "order-1"}, {"run_id", "RUN"}},
                      json{{"cancelation_token", ""}}, json{{"cancelation_token", nullptr}},
                      json{{"run_id", 5}}, json{{"token", "order-1"}}));

TEST(JourneysCancelBadInputTest, MessagesNameWhatIsWrong) {
  TestEngine t;
  auto neither = Cancel(t, json::object());
  ASSERT_FALSE(neither.ok());
  EXPECT_EQ(neither.status().message(),
            "Invalid Request. Provide exactly one of 'cancelation_token' or 'run_id'.");
  auto wrong_type = Cancel(t, {{"run_id", 5}});
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.status().message(), "Invalid Request. 'run_id' must be a non-empty string.");
}

TEST(JourneysCancelBadInputTest, UnknownRunIs404AsForGetRun) {
  TestEngine t;
  auto reply = Cancel(t, {{"run_id", "1-nope"}});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().ToBody(),
            (json{{"message", "Run not found"}, {"type", "invalid_request_error"}}));
}

}  // namespace
}  // namespace mock_courier
