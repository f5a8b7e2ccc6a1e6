// Input the mock used to accept although Courier may not (docs/fidelity.md
// D10, D33): a capitalised delay unit is refused, as Courier's lower-case
// forms (https://www.courier.com/docs/platform/automations/steps) suggest; a
// basic-ISO `until`, the docs' own example but not a JSON-schema date-time, is
// accepted with a run diagnostic saying Courier may reject it, and so is an
// ISO 8601 duration ("PT2H"), which only older SDK types document. A /send
// `message.delay.until` in the basic form is accepted the same way, with a
// message diagnostic.
#include <gtest/gtest.h>

#include <string>

#include "mock_courier/testing/engine_fixture.h"
#include "mock_courier/time_format.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::kTestStart;
using testing::TestEngine;

json Workspace() { return {{"api_keys", {"test-key"}}}; }

Result<Reply> InvokeSteps(TestEngine& t, json steps) {
  return t.engine.Call(
      t.key, "POST", "/automations/invoke",
      {{"automation", {{"steps", std::move(steps)}}}, {"data", {{"wait", "2 Hours"}}}});
}

json OnlyRun(TestEngine& t) {
  json runs = t.Runs()["results"];
  EXPECT_EQ(runs.size(), 1u);
  return runs.empty() ? json() : runs[0];
}

TEST(DelayUnitBadInputTest, CapitalisedUnitsAreNotDelayDurations) {
  for (const char* text : {"2 Hours", "2 HOURS", "1 Day", "5 Minutes", "1 hOur"}) {
    EXPECT_FALSE(ParseDelayDuration(text)) << text;
  }
  EXPECT_EQ(ParseDelayDuration("2 hours"), 2 * kHour);
  // The admin clock forms stay lenient: they are the mock's own API.
  EXPECT_EQ(ParseDuration("2 Hours"), 2 * kHour);
}

TEST(DelayUnitBadInputTest, InvokeWithACapitalisedUnitIs400AndStartsNoRun) {
  TestEngine t(Workspace());
  for (const char* key : {"duration", "delayFor"}) {
    auto reply = InvokeSteps(t, {{{"action", "delay"}, {key, "2 Hours"}}});
    ASSERT_FALSE(reply.ok()) << key;
    EXPECT_EQ(reply.status().http_status(), 400);
    EXPECT_EQ(reply.status().message(),
              "Invalid Steps Definition: one or more steps are incorrectly defined.");
  }
  EXPECT_TRUE(t.Runs()["results"].empty());
}

TEST(DelayUnitBadInputTest, CapitalisedUnitFromAnAccessorErrorsTheStep) {
  TestEngine t(Workspace());
  auto reply = InvokeSteps(t, {{{"action", "delay"}, {"duration", {{"$ref", "data.wait"}}}}});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  json run = OnlyRun(t);
  EXPECT_EQ(run["status"], "ERROR");
  EXPECT_EQ(run["steps"][0]["error"], "Invalid delay duration definition.");
}

TEST(DelayUntilFormTest, OnlyTheExtendedFormWithSecondsIsADateTime) {
  EXPECT_TRUE(IsExtendedIsoDateTime("2024-04-08T08:09:10.123Z"));
  EXPECT_TRUE(IsExtendedIsoDateTime("2024-04-08T08:09:10+02:00"));
  EXPECT_TRUE(IsExtendedIsoDateTime("2024-04-08 08:09:10"));
  EXPECT_FALSE(IsExtendedIsoDateTime("20240408T080910.123"));
  EXPECT_FALSE(IsExtendedIsoDateTime("2024-04-08"));
  EXPECT_FALSE(IsExtendedIsoDateTime("2024-04-08T08:09"));
  EXPECT_FALSE(IsExtendedIsoDateTime("2024-04-08T08:09:10Zjunk"));
  EXPECT_FALSE(IsExtendedIsoDateTime("2024-02-30T08:09:10Z"));
}

TEST(DelayUntilFormTest, BasicIsoUntilWaitsAndSaysCourierMayReject) {
  TestEngine t(Workspace());
  // 2026-01-05T12:00:00Z in the basic form, three hours after the start.
  auto reply = InvokeSteps(t, {{{"action", "delay"}, {"until", "20260105T120000.000Z"}}});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  json run = OnlyRun(t);
  EXPECT_EQ(run["status"], "WAITING");
  ASSERT_EQ(run["diagnostics"].size(), 1u) << run["diagnostics"].dump();
  EXPECT_EQ(run["diagnostics"][0],
            "delay until '20260105T120000.000Z': accepted here; Courier may reject: it is not "
            "an extended ISO 8601 date-time such as 2024-04-08T08:09:10.123Z, the JSON-schema "
            "date-time form (https://www.courier.com/docs/platform/automations/steps)");
  t.Advance(3 * kHour - 1);
  EXPECT_EQ(OnlyRun(t)["status"], "WAITING");
  t.Advance(1);
  EXPECT_EQ(OnlyRun(t)["status"], "PROCESSED");
}

TEST(DelayUntilFormTest, ExtendedUntilHasNoDiagnostic) {
  TestEngine t(Workspace());
  auto reply =
      InvokeSteps(t, {{{"action", "delay"}, {"until", FormatIso8601(kTestStart + 3 * kHour)}}});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_TRUE(OnlyRun(t)["diagnostics"].empty());
}

TEST(DelayIsoDurationTest, IsoDurationWaitsAndSaysCourierMayReject) {
  TestEngine t(Workspace());
  auto reply = InvokeSteps(t, {{{"action", "delay"}, {"duration", "PT2H"}}});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  json run = OnlyRun(t);
  ASSERT_EQ(run["diagnostics"].size(), 1u) << run["diagnostics"].dump();
  EXPECT_EQ(run["diagnostics"][0],
            "delay duration 'PT2H': accepted here; Courier may reject: its docs show only the "
            "\"<n> <unit>\" form such as \"2 hours\" "
            "(https://www.courier.com/docs/platform/automations/steps)");
  t.Advance(2 * kHour);
  EXPECT_EQ(OnlyRun(t)["status"], "PROCESSED");
}

TEST(DelayIsoDurationTest, HumanDurationHasNoDiagnostic) {
  TestEngine t(Workspace());
  ASSERT_TRUE(InvokeSteps(t, {{{"action", "delay"}, {"duration", "2 hours"}}}).ok());
  EXPECT_TRUE(OnlyRun(t)["diagnostics"].empty());
}

// ---- /send message.delay.until ------------------------------------------------

json SendWorkspace() {
  return R"({
    "api_keys": ["test-key"],
    "notifications": [{"id": "welcome", "channels": ["email"],
                       "content": {"email": {"subject": "Hi", "body": "Welcome"}}}],
    "profiles": {"ann": {"email": "ann@example.com"}}
  })"_json;
}

std::string SendWithUntil(TestEngine& t, const std::string& until) {
  auto reply = t.engine.Send(
      t.key,
      {{"message",
        {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}, {"delay", {{"until", until}}}}}});
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body["requestId"].get<std::string>() : "";
}

json OnlyMessage(TestEngine& t) {
  json messages = t.Messages()["results"];
  EXPECT_EQ(messages.size(), 1u);
  return messages.empty() ? json() : messages[0];
}

TEST(SendDelayUntilFormTest, BasicIsoUntilWaitsAndSaysCourierMayReject) {
  TestEngine t(SendWorkspace());
  // 2026-01-05T12:00:00Z in the basic form, three hours after the start.
  std::string id = SendWithUntil(t, "20260105T120000Z");
  json message = OnlyMessage(t);
  EXPECT_EQ(message["status"], "ENQUEUED");
  EXPECT_EQ(message["diagnostics"],
            json::array({"delay until '20260105T120000Z': accepted here; Courier may reject: it "
                         "is not an extended ISO 8601 date-time such as "
                         "2024-04-08T08:09:10.123Z "
                         "(https://www.courier.com/docs/reference/send/message)"}));
  // Courier's own record has no such field.
  auto record = t.engine.Call(t.key, "GET", "/messages/" + id);
  ASSERT_TRUE(record.ok());
  EXPECT_FALSE(record->body.contains("diagnostics"));
  t.Advance(3 * kHour - 1);
  EXPECT_EQ(OnlyMessage(t)["status"], "ENQUEUED");
  t.Advance(1);
  EXPECT_EQ(OnlyMessage(t)["status"], "DELIVERED");
}

TEST(SendDelayUntilFormTest, CanceledBeforeItsTimeItIsNeverSent) {
  TestEngine t(SendWorkspace());
  std::string id = SendWithUntil(t, "20260105T120000Z");
  ASSERT_TRUE(t.engine.Call(t.key, "POST", "/messages/" + id + "/cancel").ok());
  t.Advance(4 * kHour);
  json message = OnlyMessage(t);
  EXPECT_EQ(message["status"], "CANCELED");
  EXPECT_EQ(message["diagnostics"].size(), 1u);
}

TEST(SendDelayUntilFormTest, ExtendedUntilHasNoDiagnostic) {
  TestEngine t(SendWorkspace());
  SendWithUntil(t, FormatIso8601(kTestStart + 3 * kHour));
  EXPECT_FALSE(OnlyMessage(t).contains("diagnostics"));
}

TEST(SendDelayUntilFormTest, AnAutomationSendStepSaysSoToo) {
  TestEngine t(SendWorkspace());
  ASSERT_TRUE(InvokeSteps(t, {{{"action", "send"},
                               {"message",
                                {{"to", {{"user_id", "ann"}}},
                                 {"template", "welcome"},
                                 {"delay", {{"until", "2026-01-05"}}}}}}})
                  .ok());
  json message = OnlyMessage(t);
  ASSERT_EQ(message["diagnostics"].size(), 1u);
  EXPECT_EQ(message["diagnostics"][0].get<std::string>().rfind("delay until '2026-01-05': ", 0),
            0u);
}

}  // namespace
}  // namespace mock_courier
