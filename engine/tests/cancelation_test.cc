// Cancelation tokens and cancel steps (https://www.courier.com/docs/platform/automations/steps),
// and the Segment-triggered abandoned-checkout seed scenario
// (https://www.courier.com/docs/external-integrations/cdp/segment/).
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

json RunById(TestEngine& t, const std::string& id) {
  json runs = t.Runs()["results"];
  for (const json& run : runs) {
    if (run["id"] == id) return run;
  }
  return nullptr;
}

json DelayThenMark(const std::string& mark) {
  return {{{"action", "delay"}, {"duration", "1 hour"}},
          {{"action", "update-profile"},
           {"recipient_id", "u1"},
           {"merge", "overwrite"},
           {"profile", {{mark, true}}}}};
}

std::string Invoke(TestEngine& t, json automation, json extra = json::object()) {
  extra["automation"] = std::move(automation);
  auto reply = t.engine.Call(t.key, "POST", "/automations/invoke", extra);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body["runId"].get<std::string>() : "";
}

std::string Delayed(TestEngine& t, const std::string& token, const std::string& mark,
                    json extra = json::object()) {
  return Invoke(t, {{"cancelation_token", token}, {"steps", DelayThenMark(mark)}}, extra);
}

std::string CancelRun(TestEngine& t, const std::string& token, json extra = json::object()) {
  return Invoke(t, {{"steps", {{{"action", "cancel"}, {"cancelation_token", token}}}}}, extra);
}

TEST(CancelationTest, CancelStepStopsEveryRunWithToken) {
  TestEngine t;
  std::string a = Delayed(t, "shared", "a");
  std::string b = Delayed(t, "shared", "b");
  std::string other = Delayed(t, "other", "c");
  std::string canceler = CancelRun(t, "shared");
  EXPECT_EQ(RunById(t, a)["status"], "CANCELED");
  EXPECT_EQ(RunById(t, b)["status"], "CANCELED");
  EXPECT_EQ(RunById(t, a)["steps"][1]["status"], "NOT PROCESSED");
  EXPECT_EQ(RunById(t, other)["status"], "WAITING");
  json cancel_step = RunById(t, canceler)["steps"][0];
  EXPECT_EQ(cancel_step["status"], "PROCESSED");
  EXPECT_EQ(cancel_step["result"]["canceled"], (json{a, b}));
  EXPECT_EQ(t.Advance(2 * kHour).fired, 1);
  json profile = t.Profile("u1");
  EXPECT_FALSE(profile.contains("a"));
  EXPECT_FALSE(profile.contains("b"));
  EXPECT_EQ(profile["c"], true);
}

TEST(CancelationTest, CancelingAFinishedRunDoesNothing) {
  TestEngine t;
  std::string done = Delayed(t, "tok", "a");
  t.Advance(kHour);
  ASSERT_EQ(RunById(t, done)["status"], "PROCESSED");
  std::string canceler = CancelRun(t, "tok");
  EXPECT_EQ(RunById(t, done)["status"], "PROCESSED");
  EXPECT_EQ(RunById(t, canceler)["steps"][0]["result"]["canceled"], json::array());
}

TEST(CancelationTest, TheCancelingRunContinuesWithItsNextStep) {
  TestEngine t;
  std::string target = Delayed(t, "tok", "a");
  std::string canceler = Invoke(t, {{"steps",
                                     {{{"action", "cancel"}, {"cancelationToken", "tok"}},
                                      {{"action", "update-profile"},
                                       {"recipient_id", "u1"},
                                       {"merge", "overwrite"},
                                       {"profile", {{"after_cancel", true}}}}}}});
  EXPECT_EQ(RunById(t, target)["status"], "CANCELED");
  EXPECT_EQ(RunById(t, canceler)["status"], "PROCESSED");
  EXPECT_EQ(t.Profile("u1")["after_cancel"], true);
}

TEST(CancelationTest, ARunCancelsItselfWhenItsOwnTokenMatches) {
  // Follows from Courier's lookup by token only
  // (https://www.courier.com/docs/platform/automations/cancel).
  TestEngine t;
  std::string id = Invoke(t, {{"cancelation_token", "self"},
                              {"steps",
                               {{{"action", "cancel"}, {"cancelation_token", "self"}},
                                {{"action", "update-profile"},
                                 {"recipient_id", "u1"},
                                 {"merge", "overwrite"},
                                 {"profile", {{"x", 1}}}}}}});
  json run = RunById(t, id);
  EXPECT_EQ(run["status"], "CANCELED");
  EXPECT_EQ(run["steps"][0]["status"], "PROCESSED");
  EXPECT_EQ(run["steps"][1]["status"], "NOT PROCESSED");
}

TEST(CancelationTest, TokenFormsResolveAtRunCreation) {
  TestEngine t;
  json data = {{"data", {{"userId", "user_123"}}}};
  std::string lookup = Delayed(t, "refs.data.userId", "a", data);
  std::string interpolated = Delayed(t, "${data.userId}", "b", data);
  std::string templated = Delayed(t, "${`onboarding-${data.userId}`}", "c", data);
  std::string literal = Delayed(t, "onboarding-refs.data.user_id", "d", data);
  EXPECT_EQ(RunById(t, lookup)["cancelation_token"], "user_123");
  EXPECT_EQ(RunById(t, interpolated)["cancelation_token"], "user_123");
  EXPECT_EQ(RunById(t, templated)["cancelation_token"], "onboarding-user_123");
  EXPECT_EQ(RunById(t, literal)["cancelation_token"], "onboarding-refs.data.user_id");

  // The cancel step's token resolves the same way, against its own run.
  CancelRun(t, "refs.data.userId", data);
  EXPECT_EQ(RunById(t, lookup)["status"], "CANCELED");
  EXPECT_EQ(RunById(t, interpolated)["status"], "CANCELED");
  EXPECT_EQ(RunById(t, templated)["status"], "WAITING");
  CancelRun(t, "${`onboarding-${data.userId}`}", data);
  EXPECT_EQ(RunById(t, templated)["status"], "CANCELED");
  EXPECT_EQ(RunById(t, literal)["status"], "WAITING");
}

TEST(CancelationTest, AccessorTokenOnTheAutomationResolves) {
  TestEngine t;
  std::string id =
      Invoke(t, {{"cancelation_token", {{"$ref", "data.userId"}}}, {"steps", DelayThenMark("a")}},
             {{"data", {{"userId", "u42"}}}});
  EXPECT_EQ(RunById(t, id)["cancelation_token"], "u42");
}

TEST(CancelationTest, MisspelledAutomationTokenMakesTheRunUncancelable) {
  TestEngine t;
  std::string id = Invoke(t, {{"cancellation_token", "tok"}, {"steps", DelayThenMark("a")}});
  CancelRun(t, "tok");
  EXPECT_EQ(RunById(t, id)["status"], "WAITING");
  t.Advance(kHour);
  EXPECT_EQ(RunById(t, id)["status"], "PROCESSED");
  EXPECT_EQ(t.Profile("u1")["a"], true);
}

TEST(CancelationTest, ManyRunsSharingATokenAreAllCanceled) {
  TestEngine t;
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(Delayed(t, "bulk", "m" + std::to_string(i)));
  // Some finish first (exercising the token index's pruning), some wait.
  t.Advance(kHour);
  for (int i = 0; i < 40; ++i) ids.push_back(Delayed(t, "bulk", "n" + std::to_string(i)));
  CancelRun(t, "bulk");
  EXPECT_FALSE(t.engine.NextDue().has_value());
  for (int i = 0; i < 40; ++i) EXPECT_EQ(RunById(t, ids[i])["status"], "PROCESSED");
  for (int i = 40; i < 80; ++i) EXPECT_EQ(RunById(t, ids[i])["status"], "CANCELED");
}

// ---- The seed scenario: abandoned checkout (DOCS platform/automations/segment.mdx) ----

json CheckoutWorkspace() {
  return {
      {"api_keys", {"test-key"}},
      {"notifications",
       {{{"id", "reminder"}, {"content", {{"email", {{"subject", "You left something"}}}}}},
        {{"id", "invoice"}, {"content", {{"email", {{"subject", "Your invoice"}}}}}}}},
      {"profiles", {{"user_1", {{"email", "user_1@example.com"}}}}},
      {"automations",
       {{{"id", "abandoned-checkout"},
         {"trigger", "track/Checkout Page Visited"},
         {"cancelation_token", "refs.data.userId"},
         {"steps",
          {{{"action", "delay"}, {"duration", "2 hours"}},
           {{"action", "send"}, {"template", "reminder"}, {"recipient", "refs.data.userId"}}}}},
        {{"id", "checkout-complete"},
         {"trigger", "segment/track/Checkout Complete"},
         {"steps",
          {{{"action", "cancel"}, {"cancelation_token", "refs.data.userId"}},
           {{"action", "send"}, {"template", "invoice"}, {"recipient", "refs.data.userId"}}}}}}}};
}

std::vector<std::string> SentTemplates(TestEngine& t) {
  std::vector<std::string> out;
  json messages = t.Messages()["results"];
  for (const json& m : messages) out.push_back(m.value("event", ""));
  return out;
}

bool MessagingAvailable() {
  TestEngine probe;
  auto reply = probe.engine.Send(
      probe.key, {{"message", {{"to", {{"email", "a@b.c"}}}, {"template", "reminder"}}}});
  return reply.ok() || reply.status().http_status() != 501;
}

TEST(CheckoutScenarioTest, CompletingCheckoutWithinTwoHoursCancelsTheReminder) {
  TestEngine t(CheckoutWorkspace());
  auto visited =
      t.engine.SegmentInbound(t.key, TestEngine::Track("Checkout Page Visited", "user_1", "m1"));
  ASSERT_TRUE(visited.ok()) << visited.status().ToString();
  json runs = t.Runs()["results"];
  ASSERT_EQ(runs.size(), 1u);
  std::string reminder_run = runs[0]["id"];
  EXPECT_EQ(runs[0]["status"], "WAITING");
  EXPECT_EQ(runs[0]["cancelation_token"], "user_1");
  EXPECT_EQ(runs[0]["source"].get<std::string>().rfind("track/Checkout Page Visited/", 0), 0u);

  t.Advance(kHour);
  auto complete =
      t.engine.SegmentInbound(t.key, TestEngine::Track("Checkout Complete", "user_1", "m2"));
  ASSERT_TRUE(complete.ok()) << complete.status().ToString();
  EXPECT_EQ(RunById(t, reminder_run)["status"], "CANCELED");
  EXPECT_EQ(RunById(t, reminder_run)["steps"][1]["status"], "NOT PROCESSED");
  // The run the `segment/track/...` trigger started names the event as
  // received (without the prefix), the inbound id, and the event as template.
  const json all_runs = t.Runs()["results"];
  json complete_run;
  for (const json& run : all_runs) {
    if (run["id"] != reminder_run) complete_run = run;
  }
  EXPECT_EQ(complete_run["source"],
            "track/Checkout Complete/" + complete->body["messageId"].get<std::string>());
  EXPECT_EQ(complete_run["context"]["template"], "Checkout Complete");
  t.Advance(5 * kHour);
  EXPECT_EQ(RunById(t, reminder_run)["status"], "CANCELED");

  if (!MessagingAvailable()) GTEST_SKIP() << "messaging module not landed: sends not checked";
  EXPECT_EQ(SentTemplates(t), (std::vector<std::string>{"invoice"}));
}

TEST(CheckoutScenarioTest, WithoutCheckoutCompleteTheReminderIsSentAtExactlyTwoHours) {
  TestEngine t(CheckoutWorkspace());
  ASSERT_TRUE(
      t.engine.SegmentInbound(t.key, TestEngine::Track("Checkout Page Visited", "user_1", "m1"))
          .ok());
  std::string run_id = t.Runs()["results"][0]["id"];
  t.Advance(2 * kHour - 1);
  EXPECT_EQ(RunById(t, run_id)["status"], "WAITING");
  t.Advance(1);
  json run = RunById(t, run_id);
  EXPECT_EQ(run["steps"][0]["status"], "PROCESSED");
  EXPECT_EQ(run["steps"][0]["processed_at"], FormatIso8601(kTestStart + 2 * kHour));

  if (!MessagingAvailable()) GTEST_SKIP() << "messaging module not landed: sends not checked";
  EXPECT_EQ(run["status"], "PROCESSED") << run.dump();
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["event"], "reminder");
  EXPECT_EQ(messages[0]["recipient"], "user_1");
  EXPECT_EQ(messages[0]["enqueued"], kTestStart + 2 * kHour);
}

TEST(CheckoutScenarioTest, ReminderRunsOfOtherUsersAreNotCanceled) {
  TestEngine t(CheckoutWorkspace());
  ASSERT_TRUE(
      t.engine.SegmentInbound(t.key, TestEngine::Track("Checkout Page Visited", "user_1", "m1"))
          .ok());
  ASSERT_TRUE(
      t.engine.SegmentInbound(t.key, TestEngine::Track("Checkout Page Visited", "user_2", "m2"))
          .ok());
  ASSERT_TRUE(
      t.engine.SegmentInbound(t.key, TestEngine::Track("Checkout Complete", "user_2", "m3")).ok());
  json runs = t.Runs()["results"];
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0]["status"], "WAITING");
  EXPECT_EQ(runs[1]["status"], "CANCELED");
}

}  // namespace
}  // namespace mock_courier
