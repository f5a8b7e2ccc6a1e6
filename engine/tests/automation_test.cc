// Automation invokes and step types (https://www.courier.com/docs/reference/automation/invoke).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::TestEngine;

json Workspace() {
  return {{"api_keys", {"test-key"}},
          {"notifications",
           {{{"id", "reminder"}, {"content", {{"email", {{"subject", "Come back"}}}}}},
            {{"id", "invoice"}, {"content", {{"email", {{"subject", "Invoice"}}}}}}}},
          {"profiles", {{"u1", {{"email", "u1@example.com"}, {"plan", "free"}}}}},
          {"automations",
           {{{"id", "onboarding"},
             {"alias", "welcome-flow"},
             {"cancelation_token", "refs.recipient"},
             {"steps",
              {{{"action", "update-profile"},
                {"recipient_id", {{"$ref", "recipient"}}},
                {"merge", "overwrite"},
                {"profile", {{"onboarded", true}}}}}}},
            {{"id", "misspelled"},
             {"cancellation_token", "refs.recipient"},
             {"steps", {{{"action", "delay"}, {"duration", "1 hour"}}}}}}}};
}

EngineOptions Seeded(std::uint64_t seed) {
  EngineOptions options;
  options.seed = seed;
  return options;
}

EngineOptions WithFetcher(DataFetcher* fetcher) {
  EngineOptions options;
  options.fetcher = fetcher;
  return options;
}

json Runs(TestEngine& t) { return t.Runs()["results"]; }

json RunById(TestEngine& t, const std::string& id) {
  for (const json& run : Runs(t)) {
    if (run["id"] == id) return run;
  }
  return nullptr;
}

std::string Invoke(TestEngine& t, const json& body) {
  auto reply = t.engine.Call(t.key, "POST", "/automations/invoke", body);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  if (!reply.ok()) return "";
  EXPECT_EQ(reply->status, 200);
  return reply->body["runId"].get<std::string>();
}

// Pass steps as json::array({...}) when the list is one json value: `{step}`
// copy-initializes an object under clang but makes an array under g++.
json AdHoc(json steps, json extra = json::object()) {
  json body = extra;
  body["automation"] = {{"steps", std::move(steps)}};
  return body;
}

// ---- Invokes ----------------------------------------------------------------

TEST(AutomationInvokeTest, AdHocInvokeAnswers200WithARunId) {
  TestEngine t(Workspace());
  std::string id = Invoke(t, AdHoc({{{"action", "update-profile"},
                                     {"recipient_id", "u2"},
                                     {"merge", "replace"},
                                     {"profile", {{"name", "Bo"}}}}}));
  EXPECT_EQ(id.rfind("1-", 0), 0u);
  json run = RunById(t, id);
  EXPECT_EQ(run["status"], "PROCESSED");
  EXPECT_EQ(run["source"], "invoke");
  EXPECT_EQ(run["steps"][0]["status"], "PROCESSED");
  EXPECT_EQ(t.Profile("u2"), (json{{"name", "Bo"}}));
}

TEST(AutomationInvokeTest, JsonStringFieldsAreParsed) {
  TestEngine t(Workspace());
  json body = {{"automation", json{{"steps",
                                    {{{"action", "update-profile"},
                                      {"recipient_id", {{"$ref", "data.user"}}},
                                      {"merge", "replace"},
                                      {"profile", {{"city", {{"$ref", "profile.city"}}}}}}}}}
                                  .dump()},
               {"data", R"({"user":"u3"})"},
               {"profile", R"({"city":"Oslo"})"}};
  std::string id = Invoke(t, body);
  EXPECT_EQ(RunById(t, id)["context"]["data"], (json{{"user", "u3"}}));
  EXPECT_EQ(t.Profile("u3"), (json{{"city", "Oslo"}}));
}

TEST(AutomationInvokeTest, TemplateInvokeAcceptsIdOrAlias) {
  TestEngine t(Workspace());
  auto by_alias =
      t.engine.Call(t.key, "POST", "/automations/welcome-flow/invoke", {{"recipient", "u9"}});
  ASSERT_TRUE(by_alias.ok()) << by_alias.status().ToString();
  EXPECT_EQ(by_alias->status, 200);
  json run = RunById(t, by_alias->body["runId"]);
  EXPECT_EQ(run["source"], "invoke/welcome-flow");
  EXPECT_EQ(run["template"], "onboarding");
  EXPECT_EQ(run["status"], "PROCESSED");
  EXPECT_EQ(run["cancelation_token"], "u9");
  EXPECT_EQ(t.Profile("u9")["onboarded"], true);
  auto by_id =
      t.engine.Call(t.key, "POST", "/automations/onboarding/invoke", {{"recipient", "u8"}});
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(RunById(t, by_id->body["runId"])["source"], "invoke/onboarding");
}

TEST(AutomationInvokeTest, MisspelledTokenOnAnAutomationIsIgnoredWithADiagnostic) {
  TestEngine t(Workspace());
  std::string id = Invoke(t, {{"recipient", "u1"},
                              {"automation",
                               {{"cancellation_token", "user-u1"},
                                {"steps", {{{"action", "delay"}, {"duration", "1 hour"}}}}}}});
  json run = RunById(t, id);
  EXPECT_TRUE(run["cancelation_token"].is_null());
  ASSERT_FALSE(run["diagnostics"].empty());
  EXPECT_NE(run["diagnostics"][0].get<std::string>().find("'cancellation_token' (two Ls)"),
            std::string::npos);
  auto templ =
      t.engine.Call(t.key, "POST", "/automations/misspelled/invoke", {{"recipient", "u1"}});
  ASSERT_TRUE(templ.ok());
  json template_run = RunById(t, templ->body["runId"]);
  EXPECT_TRUE(template_run["cancelation_token"].is_null());
  EXPECT_FALSE(template_run["diagnostics"].empty());
}

TEST(AutomationInvokeTest, DeprecatedCamelCaseTokenIsAccepted) {
  TestEngine t(Workspace());
  std::string id = Invoke(t, {{"automation",
                               {{"cancelationToken", "legacy-token"},
                                {"steps", {{{"action", "delay"}, {"duration", "1 hour"}}}}}}});
  EXPECT_EQ(RunById(t, id)["cancelation_token"], "legacy-token");
}

TEST(AutomationInvokeTest, SameSeedGivesTheSameRunIds) {
  auto ids = [] {
    TestEngine t(Workspace(), Seeded(42));
    std::vector<std::string> out;
    for (int i = 0; i < 3; ++i) {
      out.push_back(Invoke(t, AdHoc({{{"action", "delay"}, {"duration", "1 hour"}}})));
    }
    return out;
  };
  std::vector<std::string> first = ids();
  EXPECT_EQ(first, ids());
  EXPECT_NE(first[0], first[1]);
}

// ---- Invoke validation (https://www.courier.com/docs/reference/automation/invoke): exact
// messages, nothing created ----------------

void ExpectRejected(TestEngine& t, const Result<Reply>& reply, const std::string& message) {
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 400);
  EXPECT_EQ(reply.status().type(), "invalid_request_error");
  EXPECT_EQ(reply.status().message(), message);
  EXPECT_TRUE(Runs(t).empty());
}

const char* const kInvalidSteps =
    "Invalid Steps Definition: one or more steps are incorrectly defined.";

TEST(AutomationInvokeBadInputTest, TopLevelOverrideIsRejected) {
  TestEngine t(Workspace());
  json body = AdHoc({{{"action", "delay"}, {"duration", "1 hour"}}});
  body["override"] = {{"channel", "email"}};
  ExpectRejected(t, t.engine.Call(t.key, "POST", "/automations/invoke", body),
                 "Invalid request property. 'override' is only applicable to send and send-list "
                 "steps.");
  ExpectRejected(t, t.engine.Call(t.key, "POST", "/automations/onboarding/invoke", body),
                 "Invalid request property. 'override' is only applicable to send and send-list "
                 "steps.");
}

TEST(AutomationInvokeBadInputTest, MissingAutomationIsRejected) {
  TestEngine t(Workspace());
  ExpectRejected(t, t.engine.Call(t.key, "POST", "/automations/invoke", {{"recipient", "u1"}}),
                 "Either an ad hoc automation or valid templateId is required.");
}

TEST(AutomationInvokeBadInputTest, MissingOrEmptyStepsAreRejected) {
  TestEngine t(Workspace());
  const std::string message = "Invalid automation definition. An array of valid steps is required.";
  ExpectRejected(
      t, t.engine.Call(t.key, "POST", "/automations/invoke", {{"automation", json::object()}}),
      message);
  ExpectRejected(t, t.engine.Call(t.key, "POST", "/automations/invoke", AdHoc(json::array())),
                 message);
  ExpectRejected(
      t,
      t.engine.Call(t.key, "POST", "/automations/invoke", {{"automation", {{"steps", "delay"}}}}),
      message);
}

TEST(AutomationInvokeBadInputTest, UnknownTemplateIsRejected) {
  TestEngine t(Workspace());
  ExpectRejected(t, t.engine.Call(t.key, "POST", "/automations/nope/invoke", {{"recipient", "u1"}}),
                 "Invalid TemplateId.");
}

TEST(AutomationInvokeBadInputTest, StepsAreValidatedStrictly) {
  TestEngine t(Workspace());
  std::vector<json> bad_steps = {
      // Unknown keys fail (additionalProperties: false).
      {{"action", "delay"}, {"duration", "1 hour"}, {"note", "x"}},
      // The two-L spelling on a cancel step.
      {{"action", "cancel"}, {"cancellation_token", "abc"}},
      // Both delay forms together.
      {{"action", "delay"}, {"duration", "1 hour"}, {"until", "2026-02-01T00:00:00Z"}},
      // Neither delay form.
      {{"action", "delay"}},
      // Literal delay values that cannot parse.
      {{"action", "delay"}, {"duration", "2 fortnights"}},
      {{"action", "delay"}, {"duration", "30 seconds"}},
      {{"action", "delay"}, {"until", "next tuesday"}},
      // Unknown action.
      {{"action", "teleport"}},
      // A send with no recipient anywhere.
      {{"action", "send"}, {"template", "reminder"}},
      // A send with no template anywhere.
      {{"action", "send"}, {"recipient", "u1"}},
      // Bad merge strategies.
      {{"action", "update-profile"},
       {"recipient_id", "u1"},
       {"merge", "merge"},
       {"profile", json::object()}},
      {{"action", "fetch-data"}, {"webhook", {{"url", "https://x.test"}}}},
      {{"action", "fetch-data"},
       {"webhook", {{"url", "https://x.test"}, {"method", "PUT"}}},
       {"merge_strategy", "replace"}},
      {{"action", "subscribe"}, {"list_id", "l1"}},
      {{"action", "invoke"}},
      {{"action", "send"}, {"template", "reminder"}, {"recipient", "u1"}, {"if", true}},
  };
  for (const json& step : bad_steps) {
    SCOPED_TRACE(step.dump());
    ExpectRejected(t,
                   t.engine.Call(t.key, "POST", "/automations/invoke", AdHoc(json::array({step}))),
                   kInvalidSteps);
  }
}

TEST(AutomationInvokeBadInputTest, OneBadStepRejectsTheWholeInvoke) {
  TestEngine t(Workspace());
  ExpectRejected(t,
                 t.engine.Call(t.key, "POST", "/automations/invoke",
                               AdHoc({{{"action", "delay"}, {"duration", "1 hour"}},
                                      {{"action", "cancel"}, {"cancellation_token", "abc"}}})),
                 kInvalidSteps);
}

TEST(AutomationInvokeBadInputTest, RejectedInvokesDoNotConsumeIds) {
  TestEngine a(Workspace(), Seeded(7));
  TestEngine b(Workspace(), Seeded(7));
  (void)a.engine.Call(a.key, "POST", "/automations/invoke", AdHoc({{{"action", "teleport"}}}));
  json good = AdHoc({{{"action", "delay"}, {"duration", "1 hour"}}});
  EXPECT_EQ(Invoke(a, good), Invoke(b, good));
}

TEST(AutomationInvokeTest, ContextDefaultsFillSendStepsBeforeValidation) {
  TestEngine t(Workspace());
  // recipient and template come from the invoke body
  // (https://www.courier.com/docs/platform/automations/steps), so this validates.
  auto reply =
      t.engine.Call(t.key, "POST", "/automations/invoke",
                    AdHoc({{{"action", "send"}}}, {{"recipient", "u1"}, {"template", "reminder"}}));
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
}

// ---- Steps ------------------------------------------------------------------

json UpdateProfile(const std::string& merge, json profile) {
  return {{"action", "update-profile"},
          {"recipient_id", "u1"},
          {"merge", merge},
          {"profile", std::move(profile)}};
}

TEST(UpdateProfileStepTest, ReplaceRemovesKeysMissingFromTheNewProfile) {
  TestEngine t(Workspace());
  Invoke(t, AdHoc(json::array({UpdateProfile("replace", {{"name", "Ada"}})})));
  EXPECT_EQ(t.Profile("u1"), (json{{"name", "Ada"}}));
}

TEST(UpdateProfileStepTest, OverwriteDeepMergesNewValuesWinning) {
  TestEngine t(Workspace());
  Invoke(t, AdHoc(json::array({UpdateProfile("overwrite", {{"plan", "pro"}, {"name", "Ada"}})})));
  EXPECT_EQ(t.Profile("u1"), (json{{"email", "u1@example.com"}, {"plan", "pro"}, {"name", "Ada"}}));
}

TEST(UpdateProfileStepTest, SoftMergeOnlyAddsMissingKeys) {
  TestEngine t(Workspace());
  Invoke(t, AdHoc(json::array({UpdateProfile("soft-merge", {{"plan", "pro"}, {"name", "Ada"}})})));
  EXPECT_EQ(t.Profile("u1"),
            (json{{"email", "u1@example.com"}, {"plan", "free"}, {"name", "Ada"}}));
}

TEST(UpdateProfileStepTest, NoneWritesOnlyWhenNoProfileExists) {
  TestEngine t(Workspace());
  Invoke(t, AdHoc(json::array({UpdateProfile("none", {{"plan", "pro"}})})));
  EXPECT_EQ(t.Profile("u1")["plan"], "free");
  json step = UpdateProfile("none", {{"plan", "pro"}});
  step["recipient_id"] = "fresh";
  Invoke(t, AdHoc(json::array({step})));
  EXPECT_EQ(t.Profile("fresh"), (json{{"plan", "pro"}}));
}

TEST(UpdateProfileStepTest, RecipientFromADesignerLookup) {
  TestEngine t(Workspace());
  json step = UpdateProfile("overwrite", {{"seen", true}});
  step["recipient_id"] = "refs.data.userId";
  Invoke(t, AdHoc(json::array({step}), {{"data", {{"userId", "u5"}}}}));
  EXPECT_EQ(t.Profile("u5"), (json{{"seen", true}}));
}

TEST(SubscribeStepTest, SubscribesTheRecipientToTheList) {
  TestEngine t(Workspace());
  Invoke(t, AdHoc({{{"action", "subscribe"},
                    {"list_id", "weekly"},
                    {"recipient_id", {{"$ref", "recipient"}}}}},
                  {{"recipient", "u1"}}));
  auto subscriptions = t.engine.Call(t.key, "GET", "/lists/weekly/subscriptions");
  ASSERT_TRUE(subscriptions.ok()) << subscriptions.status().ToString();
  EXPECT_NE(subscriptions->body.dump().find("u1"), std::string::npos) << subscriptions->body.dump();
}

TEST(InvokeStepTest, StartsARunOfTheTemplateWithTheStepContext) {
  TestEngine t(Workspace());
  std::string parent = Invoke(t, AdHoc({{{"action", "invoke"},
                                         {"template", "welcome-flow"},
                                         {"context", {{"recipient", "u7"}}}}}));
  json run = RunById(t, parent);
  EXPECT_EQ(run["status"], "PROCESSED");
  std::string child = run["steps"][0]["result"]["runId"];
  json child_run = RunById(t, child);
  EXPECT_EQ(child_run["source"], "invoke/welcome-flow");
  EXPECT_EQ(child_run["status"], "PROCESSED");
  EXPECT_EQ(child_run["context"]["recipient"], "u7");
  EXPECT_EQ(t.Profile("u7")["onboarded"], true);
}

TEST(InvokeStepTest, UnknownTemplateFailsTheStepAtRunTime) {
  TestEngine t(Workspace());
  std::string id = Invoke(t, AdHoc({{{"action", "invoke"}, {"template", "ghost"}}}));
  json run = RunById(t, id);
  EXPECT_EQ(run["status"], "ERROR");
  EXPECT_EQ(run["steps"][0]["status"], "ERROR");
  EXPECT_EQ(run["steps"][0]["error"], "Invalid Step Definition: Template ghost not found");
}

class FakeFetcher : public DataFetcher {
 public:
  Result<Json> Fetch(const Json& webhook) override {
    requests.push_back(webhook);
    if (fail) return Status::Error(502, "bad gateway");
    return answer;
  }
  Json answer = {{"tier", "gold"}, {"name", "Fetched"}};
  bool fail = false;
  std::vector<Json> requests;
};

json FetchThenStore(const std::string& strategy) {
  return AdHoc({{{"action", "fetch-data"},
                 {"webhook", {{"url", "https://crm.test/users"}, {"method", "GET"}}},
                 {"merge_strategy", strategy}},
                {{"action", "update-profile"},
                 {"recipient_id", "u1"},
                 {"merge", "replace"},
                 {"profile", {{"copy", {{"$ref", "data"}}}}}}},
               {{"data", {{"name", "Given"}, {"plan", "free"}}}});
}

TEST(FetchDataStepTest, MergesTheFetchedDataIntoTheRunByStrategy) {
  struct Case {
    std::string strategy;
    json expected;
  };
  std::vector<Case> cases = {
      {"replace", {{"tier", "gold"}, {"name", "Fetched"}}},
      {"overwrite", {{"tier", "gold"}, {"name", "Fetched"}, {"plan", "free"}}},
      {"soft-merge", {{"tier", "gold"}, {"name", "Given"}, {"plan", "free"}}},
      {"none", {{"name", "Given"}, {"plan", "free"}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.strategy);
    FakeFetcher fetcher;
    TestEngine t(Workspace(), WithFetcher(&fetcher));
    std::string id = Invoke(t, FetchThenStore(c.strategy));
    EXPECT_EQ(RunById(t, id)["status"], "PROCESSED");
    ASSERT_EQ(fetcher.requests.size(), 1u);
    EXPECT_EQ(fetcher.requests[0]["url"], "https://crm.test/users");
    EXPECT_EQ(t.Profile("u1")["copy"], c.expected);
  }
}

TEST(FetchDataStepTest, WithoutAFetcherTheStepErrorsClearly) {
  TestEngine t(Workspace());
  std::string id = Invoke(t, FetchThenStore("replace"));
  json run = RunById(t, id);
  EXPECT_EQ(run["status"], "ERROR");
  EXPECT_EQ(run["steps"][0]["status"], "ERROR");
  EXPECT_EQ(run["steps"][0]["error"],
            "fetch-data: no fetcher configured (mock-courier makes no network calls)");
  EXPECT_EQ(run["steps"][1]["status"], "NOT PROCESSED");
  EXPECT_EQ(t.Profile("u1")["plan"], "free");
}

TEST(FetchDataStepTest, AFailedFetchContinuesWithEmptyDataAsCourierDoes) {
  FakeFetcher fetcher;
  fetcher.fail = true;
  TestEngine t(Workspace(), WithFetcher(&fetcher));
  std::string id = Invoke(t, FetchThenStore("replace"));
  json run = RunById(t, id);
  EXPECT_EQ(run["status"], "PROCESSED");
  EXPECT_EQ(t.Profile("u1")["copy"], json::object());  // Replaced by the empty data.
  EXPECT_NE(run["diagnostics"].dump().find("bad gateway"), std::string::npos);
}

TEST(ConditionalStepTest, FalseConditionSkipsTheStep) {
  TestEngine t(Workspace());
  json skipped = UpdateProfile("overwrite", {{"a", 1}});
  skipped["if"] = "data.plan == 'pro'";
  json taken = UpdateProfile("overwrite", {{"b", 2}});
  taken["if"] = "data.plan != 'pro' && !data.banned";
  std::string id = Invoke(t, AdHoc({skipped, taken}, {{"data", {{"plan", "free"}}}}));
  json run = RunById(t, id);
  EXPECT_EQ(run["status"], "PROCESSED");
  EXPECT_EQ(run["steps"][0]["status"], "SKIPPED");
  EXPECT_EQ(run["steps"][1]["status"], "PROCESSED");
  EXPECT_FALSE(t.Profile("u1").contains("a"));
  EXPECT_EQ(t.Profile("u1")["b"], 2);
}

// A template's delay with a condition is not a plain delay (CompileStep):
// the condition is evaluated against the run, and a false one skips the wait.
TEST(ConditionalStepTest, ATemplateDelayWithAFalseConditionDoesNotWait) {
  json workspace = Workspace();
  workspace["automations"].push_back(
      {{"id", "maybe-wait"},
       {"steps",
        {{{"action", "delay"}, {"duration", "2 hours"}, {"if", "data.plan == 'pro'"}},
         {{"action", "send"}, {"template", "reminder"}, {"recipient", "refs.data.user"}}}}});
  TestEngine t(workspace);
  auto reply = t.engine.Call(t.key, "POST", "/automations/maybe-wait/invoke",
                             {{"data", {{"plan", "free"}, {"user", "u1"}}}});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  json run = RunById(t, reply->body["runId"]);
  EXPECT_EQ(run["status"], "PROCESSED");
  EXPECT_EQ(run["steps"][0]["status"], "SKIPPED");
  EXPECT_EQ(run["steps"][1]["status"], "PROCESSED");
  const json messages = t.Messages()["results"];
  EXPECT_EQ(messages.size(), 1u);

  auto waits = t.engine.Call(t.key, "POST", "/automations/maybe-wait/invoke",
                             {{"data", {{"plan", "pro"}, {"user", "u1"}}}});
  ASSERT_TRUE(waits.ok());
  EXPECT_EQ(RunById(t, waits->body["runId"])["status"], "WAITING");
}

TEST(ConditionalStepTest, AnInvalidConditionErrorsTheRun) {
  TestEngine t(Workspace());
  json step = UpdateProfile("overwrite", {{"a", 1}});
  step["if"] = "nobody.knows == 1";
  std::string id = Invoke(t, AdHoc(json::array({step})));
  json run = RunById(t, id);
  EXPECT_EQ(run["status"], "ERROR");
  EXPECT_EQ(run["steps"][0]["error"], "Invalid step conditional");
}

TEST(RefStepTest, AStepOutputIsReadableByLaterSteps) {
  FakeFetcher fetcher;
  TestEngine t(Workspace(), WithFetcher(&fetcher));
  std::string id = Invoke(t, AdHoc({{{"action", "fetch-data"},
                                     {"ref", "crm"},
                                     {"webhook", {{"url", "https://crm.test"}}},
                                     {"merge_strategy", "none"}},
                                    {{"action", "update-profile"},
                                     {"if", "refs.crm.data.tier == 'gold'"},
                                     {"recipient_id", "u1"},
                                     {"merge", "overwrite"},
                                     {"profile", {{"tier", {{"$ref", "crm.data.tier"}}}}}}}));
  EXPECT_EQ(RunById(t, id)["steps"][1]["status"], "PROCESSED");
  EXPECT_EQ(t.Profile("u1")["tier"], "gold");
}

// ---- Send steps (through the messaging module) -----------------------------------

bool MessagingAvailable() {
  TestEngine probe(Workspace());
  auto reply = probe.engine.Send(
      probe.key, {{"message", {{"to", {{"email", "a@b.c"}}}, {"template", "reminder"}}}});
  return reply.ok() || reply.status().http_status() != 501;
}

TEST(SendStepTest, LegacySendStepCreatesAMessageFromTheContext) {
  if (!MessagingAvailable()) GTEST_SKIP() << "messaging module not landed yet";
  TestEngine t(Workspace());
  std::string id =
      Invoke(t, AdHoc({{{"action", "send"}, {"ref", "mail"}},
                       {{"action", "update-profile"},
                        {"recipient_id", "u1"},
                        {"merge", "overwrite"},
                        {"profile", {{"last", {{"$ref", "mail.messageId"}}}}}}},
                      {{"recipient", "u1"}, {"template", "reminder"}, {"data", {{"x", 1}}}}));
  json run = RunById(t, id);
  ASSERT_EQ(run["status"], "PROCESSED") << run.dump();
  EXPECT_EQ(run["steps"][0]["result"].size(), 1u);
  std::string message_id = run["steps"][0]["result"]["messageId"];
  // The step's ref hands its output to later steps.
  EXPECT_EQ(t.Profile("u1")["last"], message_id);
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["id"], message_id);
  EXPECT_EQ(messages[0]["recipient"], "u1");
  auto api = t.engine.Call(t.key, "GET", "/automations/runs/" + id);
  ASSERT_TRUE(api.ok());
  EXPECT_EQ(api->body["run"]["steps"][0]["message_id"], message_id);
}

TEST(SendStepTest, TutorialStringProfileIsUsedAsAnEmail) {
  if (!MessagingAvailable()) GTEST_SKIP() << "messaging module not landed yet";
  TestEngine t(Workspace());
  std::string id = Invoke(t, AdHoc({{{"action", "send"},
                                     {"template", "reminder"},
                                     {"recipient", "refs.data.userId"},
                                     {"profile", {{"$ref", "data.email"}}}}},
                                   {{"data", {{"userId", "u4"}, {"email", "u4@example.com"}}}}));
  json run = RunById(t, id);
  ASSERT_EQ(run["status"], "PROCESSED") << run.dump();
  EXPECT_NE(run["diagnostics"].dump().find("used as {\\\"email\\\""), std::string::npos)
      << run["diagnostics"].dump();
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["recipient"], "u4");
}

// A template's plain send step ({action, template, recipient}) is run
// without building its extended step; adding a key that changes nothing
// ("override": {}, which the extended step gets anyway) sends it the general
// way. Every view of both workspaces must be the same, for each kind of
// run context: recipients literal and looked up (a string, a number, a
// missing path, a case-mismatched one), data absent and not an object, a
// brand and a profile in the context, after a delay or at once.
json PlainSendWorkspace(bool plain) {
  json send = {{"action", "send"}, {"template", "note"}, {"recipient", "refs.data.userId"}};
  json literal = {{"action", "send"}, {"template", "note"}, {"recipient", "u1"}};
  if (!plain) {
    send["override"] = json::object();
    literal["override"] = json::object();
  }
  return {{"api_keys", {"test-key"}},
          {"segment", {{"write_key", "wk"}}},
          {"notifications",
           {{{"id", "note"},
             {"channels", {"email"}},
             {"content", {{"email", {{"subject", "Hi {{data.name}} {{profile.plan}}"}}}}}}}},
          {"profiles",
           {{"u1", {{"email", "u1@example.com"}, {"plan", "free"}}},
            {"7", {{"email", "seven@example.com"}}}}},
          {"automations",
           {{{"id", "lookup"}, {"steps", {send}}},
            {{"id", "literal"}, {"steps", {literal}}},
            {{"id", "later"}, {"steps", {{{"action", "delay"}, {"duration", "1 hour"}}, send}}}}}};
}

TEST(AutomationStepsTest, APlainSendStepEndsAsTheGeneralPathEndsIt) {
  const std::vector<std::pair<std::string, json>> invokes = {
      {"lookup", {{"data", {{"userId", "u1"}, {"name", "Ada"}}}}},
      {"lookup", {{"data", {{"userId", 7}}}}},
      {"lookup", {{"data", {{"name", "no user"}}}}},
      {"lookup", {{"data", {{"UserId", "u1"}}}}},
      {"lookup", {{"data", {{"userId", ""}}}}},
      {"literal", json::object()},
      {"literal", {{"data", "not an object"}}},
      {"literal", {{"brand", "b1"}, {"data", {{"name", "Ada"}}}}},
      {"literal", {{"profile", {{"plan", "pro"}}}}},
      {"later", {{"data", {{"userId", "u1"}, {"name", "Later"}}}}},
      {"later", {{"data", {{"userId", "nobody"}}}}},
  };
  TestEngine plain(PlainSendWorkspace(true));
  TestEngine general(PlainSendWorkspace(false));
  for (const auto& [automation, body] : invokes) {
    for (TestEngine* t : {&plain, &general}) {
      auto reply = t->engine.Call(t->key, "POST", "/automations/" + automation + "/invoke", body);
      ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    }
  }
  plain.Advance(kHour);
  general.Advance(kHour);
  const json messages = plain.Messages();
  EXPECT_EQ(messages, general.Messages());
  EXPECT_EQ(plain.Runs(), general.Runs());
  EXPECT_EQ(plain.Outbox(), general.Outbox());
  // The cases did what they are for: sends, and runs that ended in ERROR.
  std::size_t errors = 0;
  const json runs = plain.Runs();
  for (const json& run : runs["results"]) errors += run["status"] == "ERROR" ? 1 : 0;
  EXPECT_EQ(messages["results"].size(), 9u);
  EXPECT_EQ(errors, 2u);
}

}  // namespace
}  // namespace mock_courier
