// Delay steps (https://www.courier.com/docs/platform/automations/steps): timers on the engine's
// clock, and a cancel sibling for every delayed behaviour.
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

json RunById(TestEngine& t, const std::string& id) {
  json runs = t.Runs()["results"];
  for (const json& run : runs) {
    if (run["id"] == id) return run;
  }
  return nullptr;
}

json Mark(const std::string& value) {
  return {{"action", "update-profile"},
          {"recipient_id", "u1"},
          {"merge", "overwrite"},
          {"profile", {{"mark", value}}}};
}

std::string Invoke(TestEngine& t, json steps, const std::string& token = "") {
  json automation = {{"steps", std::move(steps)}};
  if (!token.empty()) automation["cancelation_token"] = token;
  auto reply =
      t.engine.Call(t.key, "POST", "/automations/invoke",
                    {{"automation", automation}, {"data", {{"wait", "2 hours"}, {"bad", "soon"}}}});
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body["runId"].get<std::string>() : "";
}

std::string Cancel(TestEngine& t, const std::string& token) {
  return Invoke(t, {{{"action", "cancel"}, {"cancelation_token", token}}});
}

json MarkOf(TestEngine& t) { return t.Profile("u1").value("mark", json()); }

TEST(DelayTest, DurationWaitsThenContinuesAtExactlyTheDueTime) {
  TestEngine t(Workspace());
  std::string id = Invoke(t, {{{"action", "delay"}, {"duration", "2 hours"}}, Mark("after")});
  json run = RunById(t, id);
  EXPECT_EQ(run["status"], "WAITING");
  EXPECT_EQ(run["steps"][0]["status"], "WAITING");
  EXPECT_EQ(run["steps"][0]["result"]["expectedDelayValue"], FormatIso8601(kTestStart + 2 * kHour));
  EXPECT_EQ(run["steps"][1]["status"], "NOT PROCESSED");
  ASSERT_TRUE(t.engine.NextDue().has_value());
  EXPECT_EQ(*t.engine.NextDue(), kTestStart + 2 * kHour);

  EXPECT_EQ(t.Advance(2 * kHour - 1).fired, 0);
  EXPECT_EQ(RunById(t, id)["status"], "WAITING");
  EXPECT_TRUE(MarkOf(t).is_null());

  EXPECT_EQ(t.Advance(1).fired, 1);
  run = RunById(t, id);
  EXPECT_EQ(run["status"], "PROCESSED");
  EXPECT_EQ(run["steps"][0]["status"], "PROCESSED");
  EXPECT_EQ(run["steps"][0]["processed_at"], FormatIso8601(kTestStart + 2 * kHour));
  EXPECT_EQ(run["steps"][1]["status"], "PROCESSED");
  EXPECT_EQ(run["steps"][1]["processed_at"], FormatIso8601(kTestStart + 2 * kHour));
  EXPECT_EQ(MarkOf(t), "after");
}

// A processed delay shows both values Courier records on the step, and a
// `ref` to it hands them to later steps.
TEST(DelayTest, AProcessedDelayRecordsItsExpectedAndActualValues) {
  TestEngine t(Workspace());
  json mark = Mark("");
  mark["profile"]["mark"] = {{"$ref", "wait.expectedDelayValue"}};
  mark["profile"]["actual"] = {{"$ref", "wait.actualDelayValue"}};
  std::string id =
      Invoke(t, {{{"action", "delay"}, {"duration", "2 hours"}, {"ref", "wait"}}, mark});
  t.Advance(3 * kHour);
  const std::string due = FormatIso8601(kTestStart + 2 * kHour);
  json run = RunById(t, id);
  EXPECT_EQ(run["status"], "PROCESSED");
  EXPECT_EQ(run["steps"][0]["result"],
            (json{{"expectedDelayValue", due}, {"actualDelayValue", due}}));
  EXPECT_EQ(run["steps"][0]["processed_at"], due);
  EXPECT_EQ(MarkOf(t), due);
  EXPECT_EQ(t.Profile("u1")["actual"], due);
}

TEST(DelayTest, CanceledDelayedRunNeverContinues) {
  TestEngine t(Workspace());
  std::string id =
      Invoke(t, {{{"action", "delay"}, {"duration", "2 hours"}}, Mark("after")}, "tok");
  Cancel(t, "tok");
  EXPECT_FALSE(t.engine.NextDue().has_value());
  EXPECT_EQ(t.Advance(3 * kHour).fired, 0);
  json run = RunById(t, id);
  EXPECT_EQ(run["status"], "CANCELED");
  EXPECT_EQ(run["steps"][1]["status"], "NOT PROCESSED");
  EXPECT_TRUE(MarkOf(t).is_null());
}

TEST(DelayTest, AdvancingPastSeveralDelaysRunsThemInOrder) {
  TestEngine t(Workspace());
  std::string id = Invoke(t, {{{"action", "delay"}, {"duration", "1 hour"}},
                              Mark("one"),
                              {{"action", "delay"}, {"duration", "PT30M"}},
                              Mark("two")});
  EXPECT_EQ(t.Advance(5 * kHour).fired, 2);
  json run = RunById(t, id);
  EXPECT_EQ(run["status"], "PROCESSED");
  EXPECT_EQ(run["steps"][2]["processed_at"], FormatIso8601(kTestStart + 90 * kMinute));
  EXPECT_EQ(MarkOf(t), "two");
}

TEST(DelayTest, CancelBetweenTwoDelaysStopsTheSecond) {
  TestEngine t(Workspace());
  std::string id = Invoke(t,
                          {{{"action", "delay"}, {"duration", "1 hour"}},
                           Mark("one"),
                           {{"action", "delay"}, {"duration", "1 hour"}},
                           Mark("two")},
                          "tok");
  t.Advance(kHour);
  EXPECT_EQ(MarkOf(t), "one");
  Cancel(t, "tok");
  EXPECT_EQ(t.Advance(5 * kHour).fired, 0);
  EXPECT_EQ(MarkOf(t), "one");
  EXPECT_EQ(RunById(t, id)["steps"][3]["status"], "NOT PROCESSED");
}

TEST(DelayTest, IsoDurationAndDeprecatedDelayForAreAccepted) {
  TestEngine t(Workspace());
  std::string iso = Invoke(t, {{{"action", "delay"}, {"duration", "PT2H"}}});
  std::string legacy = Invoke(t, {{{"action", "delay"}, {"delayFor", "2 hours"}}});
  t.Advance(2 * kHour - 1);
  EXPECT_EQ(RunById(t, iso)["status"], "WAITING");
  EXPECT_EQ(RunById(t, legacy)["status"], "WAITING");
  t.Advance(1);
  EXPECT_EQ(RunById(t, iso)["status"], "PROCESSED");
  EXPECT_EQ(RunById(t, legacy)["status"], "PROCESSED");
}

TEST(DelayTest, UntilWaitsForTheTimestamp) {
  TestEngine t(Workspace());
  std::string id = Invoke(
      t, {{{"action", "delay"}, {"until", FormatIso8601(kTestStart + kDay)}}, Mark("later")});
  EXPECT_EQ(RunById(t, id)["status"], "WAITING");
  t.Advance(kDay);
  EXPECT_EQ(RunById(t, id)["status"], "PROCESSED");
  EXPECT_EQ(MarkOf(t), "later");
}

TEST(DelayTest, CanceledUntilDelayNeverContinues) {
  TestEngine t(Workspace());
  std::string id = Invoke(
      t, {{{"action", "delay"}, {"delayUntil", FormatIso8601(kTestStart + kDay)}}, Mark("later")},
      "tok");
  Cancel(t, "tok");
  EXPECT_EQ(t.Advance(2 * kDay).fired, 0);
  EXPECT_EQ(RunById(t, id)["status"], "CANCELED");
  EXPECT_TRUE(MarkOf(t).is_null());
}

TEST(DelayTest, UntilInThePastContinuesImmediately) {
  TestEngine t(Workspace());
  std::string id =
      Invoke(t, {{{"action", "delay"}, {"until", "2020-01-01T00:00:00.000Z"}}, Mark("now")});
  json run = RunById(t, id);
  EXPECT_EQ(run["status"], "PROCESSED");
  EXPECT_EQ(run["steps"][0]["status"], "PROCESSED");
  EXPECT_EQ(MarkOf(t), "now");
  EXPECT_FALSE(t.engine.NextDue().has_value());
}

TEST(DelayTest, DurationFromAnAccessorIsReadAtRunTime) {
  TestEngine t(Workspace());
  std::string id = Invoke(t, {{{"action", "delay"}, {"duration", {{"$ref", "data.wait"}}}}});
  EXPECT_EQ(RunById(t, id)["status"], "WAITING");
  t.Advance(2 * kHour);
  EXPECT_EQ(RunById(t, id)["status"], "PROCESSED");
}

TEST(DelayBadInputTest, UnparsableAccessorDurationErrorsTheStep) {
  TestEngine t(Workspace());
  std::string id =
      Invoke(t, {{{"action", "delay"}, {"duration", {{"$ref", "data.bad"}}}}, Mark("x")});
  json run = RunById(t, id);
  EXPECT_EQ(run["status"], "ERROR");
  EXPECT_EQ(run["steps"][0]["status"], "ERROR");
  EXPECT_EQ(run["steps"][0]["error"], "Invalid delay duration definition.");
  EXPECT_EQ(run["steps"][1]["status"], "NOT PROCESSED");
}

TEST(DelayBadInputTest, UnparsableAccessorUntilErrorsTheStep) {
  TestEngine t(Workspace());
  std::string id = Invoke(t, {{{"action", "delay"}, {"until", {{"$ref", "data.bad"}}}}});
  json run = RunById(t, id);
  EXPECT_EQ(run["status"], "ERROR");
  EXPECT_EQ(run["steps"][0]["error"], "Invalid delay interval defined.");
}

TEST(DelayBadInputTest, MissingAccessorValueErrorsTheStep) {
  TestEngine t(Workspace());
  std::string id = Invoke(t, {{{"action", "delay"}, {"duration", {{"$ref", "data.none"}}}}});
  EXPECT_EQ(RunById(t, id)["steps"][0]["error"], "Invalid delay duration definition.");
}

// A run that waits keeps its data packed, and its send step reads the
// packed data in place (packed_json.h). What the message renders and shows
// must be what the same send renders without the wait, for every lookup
// form: data.<path> (the data's own `data` member first), a bare data key,
// array items, missing paths, profile and recipient.
json Send() { return {{"action", "send"}, {"template", "n1"}, {"recipient", "u1"}}; }

// A template's variables mostly share a parent, and the packed lookup keeps
// the last one it reached: the same parent again, another, back, a missing
// one twice, an array item's member, a parent too long to keep, and one of
// the same length as the last.
const std::string kLongKey(70, 'k');
const std::string kSharedParents =
    "{{data.properties.total}}|{{data.properties.item}}|{{data.missing.deep}}|"
    "{{data.missing.other}}|{{data.list.2.x}}|{{properties.total}}|{{data.properties.item}}|"
    "{{data.}}|{{data..item}}|{{data." +
    kLongKey + ".b}}|{{data." + kLongKey + ".c}}|{{data." + kLongKey +
    ".b}}|{{list.2.x}}|{{data.properties.total}}|{{data.propertiez.item}}";

json DelayedSendWorkspace() {
  const std::string text =
      "{{data.properties.item}}|{{properties.item}}|{{data.list.1}}|{{list.0}}|{{data.list.9}}|"
      "{{data.missing.deep}}|{{data.properties}}|{{profile.name}}|{{recipient}}|{{data}}|"
      "{{userId}}|{{data.properties.item.length}}";
  return {
      {"api_keys", {"test-key"}},
      {"profiles", {{"u1", {{"email", "u1@example.com"}, {"name", "Ada"}}}}},
      {"notifications",
       {{{"id", "n1"},
         {"channels", {"email"}},
         {"content", {{"email", {{"subject", text}, {"body", kSharedParents}}}}}}}},
      {"automations",
       {{{"id", "now"}, {"steps", {Send()}}},
        {{"id", "later"}, {"steps", {{{"action", "delay"}, {"duration", "1 minute"}}, Send()}}}}}};
}

json SendMessage(TestEngine& t, const json& data, bool wait) {
  // Template runs: an ad hoc run keeps its extended steps, so its send
  // copies the data rather than sharing it.
  auto reply = t.engine.Call(t.key, "POST",
                             std::string("/automations/") + (wait ? "later" : "now") + "/invoke",
                             {{"data", data}});
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  if (wait) t.Advance(kMinute);
  json messages = t.Messages()["results"];
  EXPECT_FALSE(messages.empty());
  return messages.empty() ? json() : messages.back();
}

json EnqueuedData(const json& message) {
  for (const json& item : message["history"]) {
    if (item["type"] == "ENQUEUED") return item["data"];
  }
  return nullptr;
}

TEST(DelayTest, ASendAfterADelayRendersAndShowsItsDataAsWithout) {
  const json plain = {{"properties", {{"item", "Boots"}, {"total", 99.5}}},
                      {"list", {1, "two", {{"x", true}}}},
                      {"userId", "u1"},
                      {"at", "2026-11-23T08:00:00.000Z"},
                      {kLongKey, {{"b", "long"}, {"c", 3}}},
                      {"propertiez", {{"item", "Z"}}}};
  json nested = plain;
  nested["data"] = {{"properties", {{"item", "Inner"}}}, {"list", {"a", "b"}}};
  for (const json& data : {plain, nested}) {
    TestEngine now(DelayedSendWorkspace());
    TestEngine later(DelayedSendWorkspace());
    const json sent = SendMessage(now, data, false);
    const json waited = SendMessage(later, data, true);
    ASSERT_TRUE(sent.is_object());
    ASSERT_TRUE(waited.is_object());
    EXPECT_EQ(waited["rendered"], sent["rendered"]) << data.dump();
    EXPECT_EQ(EnqueuedData(waited), data);
    EXPECT_EQ(EnqueuedData(sent), data);
  }
  // The lookups read what they should (not only alike): the outer data, and
  // then the data's own `data` member.
  TestEngine t(DelayedSendWorkspace());
  EXPECT_EQ(
      SendMessage(t, plain, true)["rendered"]["email"]["subject"],
      "Boots|Boots|two|1|||{\"item\":\"Boots\",\"total\":99.5}|Ada|u1|" + plain.dump() + "|u1|");
  EXPECT_EQ(SendMessage(t, nested, true)["rendered"]["email"]["subject"],
            "Inner|Boots|b|1|||{\"item\":\"Inner\"}|Ada|u1|" + nested["data"].dump() + "|u1|");
  EXPECT_EQ(SendMessage(t, plain, true)["rendered"]["email"]["body"],
            "99.5|Boots|||true|99.5|Boots|||long|3|long|true|99.5|Z");
}

}  // namespace
}  // namespace mock_courier
