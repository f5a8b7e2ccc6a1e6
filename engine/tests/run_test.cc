// Run inspection: GET /automations/runs/{id}, GET /automations/runs and the
// admin view (https://www.courier.com/docs/reference/automation/invoke;
// docs/server.md#the-admin-api).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "automation_steps.h"
#include "mock_courier/testing/engine_fixture.h"
#include "mock_courier/time_format.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::kTestStart;
using testing::TestEngine;

json Workspace() {
  return {{"api_keys", {"test-key"}},
          {"automations",
           {{{"id", "wait-a-bit"},
             {"cancelation_token", "${`wait-${recipient}`}"},
             {"steps", {{{"action", "delay"}, {"duration", "1 hour"}}}}}}}};
}

std::string Invoke(TestEngine& t, const std::string& duration) {
  auto reply =
      t.engine.Call(t.key, "POST", "/automations/invoke",
                    {{"automation", {{"steps", {{{"action", "delay"}, {"duration", duration}}}}}}});
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body["runId"].get<std::string>() : "";
}

TEST(RunApiTest, GetRunReturnsTheRunWithItsSteps) {
  TestEngine t(Workspace());
  auto invoked =
      t.engine.Call(t.key, "POST", "/automations/wait-a-bit/invoke", {{"recipient", "u1"}});
  ASSERT_TRUE(invoked.ok());
  std::string id = invoked->body["runId"];
  auto reply = t.engine.Call(t.key, "GET", "/automations/runs/" + id);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  json run = reply->body["run"];
  EXPECT_EQ(run["runId"], id);
  EXPECT_EQ(run["status"], "WAITING");
  EXPECT_EQ(run["source"], (json{"invoke/wait-a-bit"}));
  EXPECT_EQ(run["template_id"], "wait-a-bit");
  EXPECT_EQ(run["cancelation_token"], "wait-u1");
  EXPECT_EQ(run["created_at"], FormatIso8601(kTestStart));
  ASSERT_EQ(run["steps"].size(), 1u);
  EXPECT_EQ(run["steps"][0], (json{{"action", "delay"}, {"status", "WAITING"}}));
}

TEST(RunApiBadInputTest, UnknownRunIs404) {
  TestEngine t(Workspace());
  auto reply = t.engine.Call(t.key, "GET", "/automations/runs/1-00000000-000000000000000000000000");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 404);
  EXPECT_EQ(reply.status().ToBody(),
            (json{{"message", "Run not found"}, {"type", "invalid_request_error"}}));
}

TEST(RunApiTest, ListRunsIsNewestFirstAndPagesByCursor) {
  TestEngine t(Workspace());
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Invoke(t, i % 2 == 0 ? "1 hour" : "3 hours"));
  auto page = t.engine.Call(t.key, "GET", "/automations/runs", {}, {{"limit", "2"}});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  json body = page->body;
  ASSERT_EQ(body["results"].size(), 2u);
  EXPECT_EQ(body["results"][0]["run_id"], ids[4]);
  EXPECT_EQ(body["results"][1]["run_id"], ids[3]);
  EXPECT_EQ(body["runs"], body["results"]);
  EXPECT_EQ(body["paging"]["more"], true);
  std::string cursor = body["next_cursor"];
  EXPECT_EQ(body["paging"]["cursor"], cursor);

  auto rest =
      t.engine.Call(t.key, "GET", "/automations/runs", {}, {{"limit", "10"}, {"cursor", cursor}});
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->body["results"].size(), 3u);
  EXPECT_EQ(rest->body["results"][2]["run_id"], ids[0]);
  EXPECT_EQ(rest->body["paging"]["more"], false);
  EXPECT_FALSE(rest->body.contains("next_cursor"));
}

TEST(RunApiTest, ListRunsFiltersByStatusAndTemplate) {
  TestEngine t(Workspace());
  Invoke(t, "1 hour");
  Invoke(t, "3 hours");
  ASSERT_TRUE(
      t.engine.Call(t.key, "POST", "/automations/wait-a-bit/invoke", {{"recipient", "u1"}}).ok());
  t.Advance(2 * kHour);
  auto processed = t.engine.Call(t.key, "GET", "/automations/runs", {}, {{"status", "PROCESSED"}});
  ASSERT_TRUE(processed.ok());
  EXPECT_EQ(processed->body["results"].size(), 2u);
  auto waiting = t.engine.Call(t.key, "GET", "/automations/runs", {},
                               {{"status", json::array({"WAITING,ERROR"})}});
  ASSERT_TRUE(waiting.ok());
  EXPECT_EQ(waiting->body["results"].size(), 1u);
  auto by_template =
      t.engine.Call(t.key, "GET", "/automations/runs", {}, {{"template_id", "wait-a-bit"}});
  ASSERT_TRUE(by_template.ok());
  ASSERT_EQ(by_template->body["results"].size(), 1u);
  EXPECT_EQ(by_template->body["results"][0]["template_id"], "wait-a-bit");
}

TEST(RunApiBadInputTest, ListRunsRejectsABadStartDate) {
  TestEngine t(Workspace());
  auto reply = t.engine.Call(t.key, "GET", "/automations/runs", {}, {{"start_date", "yesterday"}});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 400);
  EXPECT_EQ(reply.status().message(), "Invalid start_date: expected an ISO 8601 date");
}

TEST(RunAdminTest, RunsForAdminShowsStepStatesAndTimestamps) {
  TestEngine t(Workspace());
  std::string id = Invoke(t, "1 hour");
  t.Advance(kHour);
  json runs = t.Runs()["results"];
  ASSERT_EQ(runs.size(), 1u);
  json run = runs[0];
  EXPECT_EQ(run["id"], id);
  EXPECT_EQ(run["source"], "invoke");
  EXPECT_TRUE(run["template"].is_null());
  EXPECT_EQ(run["status"], "PROCESSED");
  EXPECT_TRUE(run["cancelation_token"].is_null());
  EXPECT_EQ(run["created_at"], FormatIso8601(kTestStart));
  EXPECT_EQ(run["updated_at"], FormatIso8601(kTestStart + kHour));
  EXPECT_TRUE(run["diagnostics"].is_array());
  EXPECT_TRUE(run["context"].contains("data"));
  json step = run["steps"][0];
  EXPECT_EQ(step["action"], "delay");
  EXPECT_EQ(step["status"], "PROCESSED");
  EXPECT_EQ(step["processed_at"], FormatIso8601(kTestStart + kHour));
  EXPECT_EQ(step["result"]["actualDelayValue"], FormatIso8601(kTestStart + kHour));
  EXPECT_TRUE(step["error"].is_null());
}

TEST(RunAdminTest, EveryStateChangeBumpsTheVersion) {
  TestEngine t(Workspace());
  std::uint64_t before = t.engine.Version();
  Invoke(t, "1 hour");
  std::uint64_t after_invoke = t.engine.Version();
  EXPECT_GT(after_invoke, before);
  t.Advance(kHour);
  EXPECT_GT(t.engine.Version(), after_invoke);
}

TEST(TriggerTest, SegmentTrackStartsTheLinkedAutomationWithTheEventAsData) {
  TestEngine t({{"api_keys", {"test-key"}},
                {"automations",
                 {{{"id", "visited"},
                   {"trigger", "track/Pricing Viewed"},
                   {"steps", {{{"action", "delay"}, {"duration", "1 day"}}}}},
                  {{"id", "unrelated"},
                   {"trigger", "track/Something Else"},
                   {"steps", {{{"action", "delay"}, {"duration", "1 day"}}}}}}}});
  const json event = TestEngine::Track("Pricing Viewed", "u1", "m1", {{"plan", "pro"}});
  auto reply = t.engine.SegmentInbound(t.key, event);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  json runs = t.Runs()["results"];
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["template"], "visited");
  json context = runs[0]["context"];
  // The run holds the event itself (shared, not copied) as its data.
  EXPECT_EQ(context["data"], event);
  EXPECT_EQ(context["recipient"], "u1");
  EXPECT_EQ(context["template"], "Pricing Viewed");
  EXPECT_EQ(context["data"]["properties"]["plan"], "pro");
  EXPECT_EQ(context["data"]["userId"], "u1");
  EXPECT_TRUE(context["brand"].is_null());
  EXPECT_TRUE(context["profile"].is_null());
}

// Trigger validation is cached by the context's shape: an event whose shape
// differs (here: no userId, so no recipient) must be validated on its own.
TEST(TriggerTest, StepValidationFollowsEachEventsShape) {
  TestEngine t({{"api_keys", {"test-key"}},
                {"automations",
                 {{{"id", "visited"},
                   {"trigger", "track/Pricing Viewed"},
                   {"steps",
                    {{{"action", "delay"}, {"duration", "1 day"}},
                     {{"action", "send"}, {"template", "welcome"}}}}}}}});
  auto track = [&](const std::string& message_id, const std::string& user) {
    json body = {{"event", "Pricing Viewed"},
                 {"messageId", message_id},
                 {"properties", json::object()},
                 {"type", "track"}};
    if (!user.empty()) body["userId"] = user;
    ASSERT_TRUE(t.engine.Call(t.key, "POST", "/inbound/courier", body).ok());
  };
  track("c-1", "u1");
  track("c-2", "");
  track("c-3", "u2");
  json runs = t.Runs()["results"];
  ASSERT_EQ(runs.size(), 3u);
  std::map<std::string, std::string> status;  // recipient -> status
  for (const json& run : runs) {
    const json& recipient = run["context"]["recipient"];
    status[recipient.is_string() ? recipient.get<std::string>() : "(none)"] = run["status"];
  }
  EXPECT_EQ(status["u1"], "WAITING");
  EXPECT_EQ(status["(none)"], "ERROR");
  EXPECT_EQ(status["u2"], "WAITING");
}

TEST(ValidationKeyTest, DependsOnShapeNotOnStringContent) {
  auto key = [](json context) {
    std::string text;
    AppendValidationKey(RunContext(std::move(context)), text);
    return text;
  };
  EXPECT_EQ(key({{"recipient", "a"}, {"data", {{"x", 1}}}}),
            key({{"recipient", "bbb"}, {"data", {{"y", {1, 2}}}}}));
  EXPECT_NE(key({{"recipient", "a"}}), key({{"recipient", ""}}));
  EXPECT_NE(key({{"recipient", "a"}}), key(json::object()));
  EXPECT_NE(key({{"recipient", "a"}}), key({{"recipient", 5}}));
  // Objects are truthy (JavaScript), so any object data is the same shape.
  EXPECT_EQ(key({{"data", json::object()}}), key({{"data", {{"x", 1}}}}));
  EXPECT_NE(key({{"data", json::object()}}), key({{"data", false}}));
  // Roots in order (brand, data, profile, recipient, template): absent, the
  // {} or "-" stand-in, or any other value as its JSON text.
  EXPECT_EQ(key({{"template", ""},
                 {"recipient", "a"},
                 {"profile", false},
                 {"data", {{"x", 1}}},
                 {"brand", {{"id", "b"}}}}),
            R"(={"id":"b"};o;=false;s;="";)");
  EXPECT_EQ(key(json::object()), "a;a;a;a;a;");
  // A value that looks like a stand-in is not taken for one.
  EXPECT_NE(key({{"brand", json::object()}}), key({{"brand", {{"x", 1}}}}));
  EXPECT_NE(key({{"brand", "-"}}), key({{"brand", json::object()}}));
  EXPECT_NE(key({{"recipient", "o"}}), key({{"recipient", ""}}));
  // It appends: what the buffer held stays in front.
  std::string text = "visited\n";
  AppendValidationKey(RunContext(json{{"recipient", "a"}}), text);
  EXPECT_EQ(text, "visited\na;a;a;s;a;");
}

// Decision (docs/fidelity.md): /inbound/courier events are tracking requests like
// Segment's, so they start the automations triggered by track/<event> too.
TEST(TriggerTest, CourierInboundTrackStartsTheLinkedAutomation) {
  TestEngine t({{"api_keys", {"test-key"}},
                {"automations",
                 {{{"id", "visited"},
                   {"trigger", "track/Pricing Viewed"},
                   {"steps", {{{"action", "delay"}, {"duration", "1 day"}}}}}}}});
  json body = {{"event", "Pricing Viewed"},
               {"messageId", "c-1"},
               {"properties", {{"plan", "pro"}}},
               {"type", "track"},
               {"userId", "u1"}};
  auto reply = t.engine.Call(t.key, "POST", "/inbound/courier", body);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  json runs = t.Runs()["results"];
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["template"], "visited");
  EXPECT_EQ(runs[0]["context"]["recipient"], "u1");
  EXPECT_EQ(runs[0]["context"]["data"]["properties"]["plan"], "pro");

  json other = body;
  other["event"] = "Something Else";
  other["messageId"] = "c-2";
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/inbound/courier", other).ok());
  EXPECT_EQ(t.Runs()["results"].size(), 1u);
}

// Decision D39 (docs/fidelity.md): a triggered automation whose steps fail
// Courier's invoke validation is recorded as a run in ERROR, visible to tests.
TEST(TriggerTest, InvalidStepsRecordARunInErrorWithTheValidationMessage) {
  TestEngine t({{"api_keys", {"test-key"}},
                {"automations",
                 {{{"id", "misspelled"},
                   {"trigger", "track/Pricing Viewed"},
                   {"steps", {{{"action", "cancel"}, {"cancellation_token", "x"}}}}}}}});
  auto reply = t.engine.SegmentInbound(t.key, TestEngine::Track("Pricing Viewed", "u1", "m1"));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  json runs = t.Runs()["results"];
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "ERROR");
  ASSERT_FALSE(runs[0]["diagnostics"].empty());
  EXPECT_NE(runs[0]["diagnostics"][0].get<std::string>().find("the run did not start"),
            std::string::npos)
      << runs[0].dump();
}

}  // namespace
}  // namespace mock_courier
