// Input the mock used to accept although Courier may not (docs/fidelity.md
// D10, D33): a capitalised delay unit is refused, as Courier's lower-case
// forms (https://www.courier.com/docs/platform/automations/steps) suggest; a
// basic-ISO `until`, the docs' own example but not a JSON-schema date-time, is
// accepted with a run diagnostic saying Courier may reject it, and so is an
// ISO 8601 duration ("PT2H"), which only older SDK types document.
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

}  // namespace
}  // namespace mock_courier
