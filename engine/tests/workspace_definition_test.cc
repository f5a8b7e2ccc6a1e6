// Workspace files: what loads, and the path-naming errors for what does not.
#include <gtest/gtest.h>

#include "mock_courier/testing/engine_fixture.h"
#include "mock_courier/testing/render_each_string.h"
#include "workspace_definition.h"

namespace mock_courier {
namespace {

using nlohmann::json;

TEST(WorkspaceDefinitionTest, LoadsEverySection) {
  json file = R"({
    "name": "Shop", "environment": "test", "api_keys": ["k1", "k2"],
    "segment": {"write_key": "out", "source_write_keys": ["src"], "destination": "classic"},
    "notifications": [{"id": "welcome", "channels": ["email", "sms"], "routing": "all",
                       "content": {"email": {"subject": "Hi {{name}}", "body": "b"}, "sms": {"body": "s"}}}],
    "event_maps": {"Segment-TrackEvent:Signed Up": "welcome"},
    "automations": [{"id": "a1", "alias": "remind", "trigger": "track/Checkout Page Visited",
                     "cancelation_token": "refs.data.userId",
                     "steps": [{"action": "delay", "duration": "2 hours"}]}],
    "lists": [{"id": "news", "name": "News", "subscribers": ["u1"]}],
    "profiles": {"u1": {"email": "u1@example.com"}},
    "audiences": [{"id": "eng", "filter": {"operator": "EQ", "path": "title", "value": "Engineer"}}],
    "brands": [{"id": "b1"}],
    "providers": {"email": {"provider": "ses", "delivery_delay": "30 seconds",
                            "faults": [{"match": {"email_suffix": "@bounce.test"}, "reason": "BOUNCED"}]}},
    "preferences": {"topics": [{"id": "marketing", "name": "Marketing"}]}
  })"_json;
  auto def = ParseWorkspaceDefinition(file);
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(def->name, "Shop");
  EXPECT_EQ(def->tenant_id, "shop");
  EXPECT_EQ(def->segment.destination, "classic");
  EXPECT_EQ(def->notifications.at("welcome").routing, "all");
  EXPECT_EQ(def->automations.at(0).triggers,
            std::vector<std::string>{"track/Checkout Page Visited"});
  EXPECT_EQ(def->automations.at(0).cancelation_token, "refs.data.userId");
  EXPECT_EQ(def->FindAutomation("remind"), &def->automations.at(0));
  EXPECT_EQ(def->providers.at("email").provider, "ses");
  EXPECT_EQ(def->providers.at("email").delivery_delay, 30 * kSecond);
  EXPECT_EQ(def->providers.at("email").faults.at(0).match["email_suffix"], "@bounce.test");
  EXPECT_EQ(def->preference_topics.count("marketing"), 1u);
}

TEST(WorkspaceDefinitionTest, MisspelledTokenIsKeptAsATrapNotAToken) {
  auto def = ParseWorkspaceDefinition(R"({"api_keys":["k"], "automations":[{"id":"a",
      "cancellation_token":"refs.data.userId", "steps":[{"action":"cancel","cancelation_token":"x"}]}]})"_json);
  ASSERT_TRUE(def.ok());
  EXPECT_TRUE(def->automations[0].misspelled_token);
  EXPECT_FALSE(def->automations[0].cancelation_token.has_value());
}

struct BadWorkspace {
  const char* name;
  const char* file;
  const char* message;
};

class WorkspaceDefinitionBadInputTest : public ::testing::TestWithParam<BadWorkspace> {};

TEST_P(WorkspaceDefinitionBadInputTest, NamesThePathAndWhatWasExpected) {
  auto def = ParseWorkspaceDefinition(json::parse(GetParam().file));
  ASSERT_FALSE(def.ok());
  EXPECT_EQ(def.status().http_status(), 400);
  EXPECT_EQ(def.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Files, WorkspaceDefinitionBadInputTest,
    ::testing::Values(
        BadWorkspace{"NotAnObject", "[]", "workspace: /: expected an object, got array"},
        BadWorkspace{"UnknownTopLevelKey", R"({"api_key":"x"})",
                     "workspace: /api_key: unknown key (expected one of: $schema, api_keys, "
                     "audiences, automations, brands, description, environment, event_maps, lists, "
                     "name, notifications, preferences, processing_latency, profiles, providers, "
                     "rate_limits, retention, segment, tenant_id, webhooks)"},
        BadWorkspace{"StepsNotArray", R"({"automations":[{"id":"a","steps":{}}]})",
                     "workspace: /automations/0/steps: expected an array, got object"},
        BadWorkspace{"StepWithoutAction",
                     R"({"automations":[{"id":"a","steps":[{"duration":"1 hour"}]}]})",
                     "workspace: /automations/0/steps/0/action: required string"},
        BadWorkspace{"BadEnvironment", R"({"environment":"staging"})",
                     "workspace: /environment: expected \"production\" or \"test\""},
        BadWorkspace{"BadChannel", R"({"notifications":[{"id":"n","channels":["fax"]}]})",
                     "workspace: /notifications/0/channels/0: unknown channel 'fax' (expected "
                     "email, sms, push, chat, inbox, webhook, direct_message)"},
        BadWorkspace{"DuplicateNotification", R"({"notifications":[{"id":"n"},{"id":"n"}]})",
                     "workspace: /notifications/1/id: duplicate id 'n'"},
        BadWorkspace{"EventMapToNothing", R"({"event_maps":{"Segment-TrackEvent:X":"missing"}})",
                     "workspace: /event_maps/Segment-TrackEvent:X: unknown notification 'missing'"},
        BadWorkspace{"BadDestination", R"({"segment":{"destination":"webhook"}})",
                     "workspace: /segment/destination: expected \"actions\" or \"classic\""},
        BadWorkspace{"OutboundKeyAlsoASource",
                     R"({"segment":{"write_key":"wk","source_write_keys":["a","wk"]}})",
                     "workspace: /segment/source_write_keys/1: expected a write key other than "
                     "/segment/write_key (Courier's outbound calls would be relayed back into "
                     "this workspace)"},
        BadWorkspace{"BadDelay", R"({"providers":{"email":{"delivery_delay":"soon"}}})",
                     "workspace: /providers/email/delivery_delay: expected a duration: "
                     "milliseconds, \"<n> <unit>\" or ISO-8601 like \"PT2S\""},
        BadWorkspace{"ProfileNotObject", R"({"profiles":{"u1":"a@b.c"}})",
                     "workspace: /profiles/u1: expected an object, got string"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(WorkspaceDefinitionBadInputTest, ABadReplacementLeavesTheOldWorkspace) {
  testing::TestEngine t(R"({"api_keys":["k"], "profiles":{"u1":{"email":"a@b.c"}}})"_json);
  Status status = t.engine.PutWorkspace(R"({"api_keys":["k"], "bogus": 1})"_json);
  EXPECT_EQ(status.http_status(), 400);
  EXPECT_EQ(t.Profile("u1")["email"], "a@b.c");
}

TEST(WorkspaceDefinitionBadInputTest, AWorkspaceNeedsAKey) {
  ManualClock clock;
  Engine engine(clock);
  Status status = engine.PutWorkspace(R"({"name":"x"})"_json);
  EXPECT_EQ(status.message(), "workspace: /api_keys: at least one API key is required");
  EXPECT_TRUE(engine.ListWorkspaces()["workspaces"].empty());
}

// A notification's content is split at its variables once, when the workspace
// loads; rendering the pieces must give what rendering each string of the
// content and writing it as JSON gives.
const json kVariables = R"({"name": "Ada \"Lovelace\"", "n": 3, "nested": {"list": [1, "two"]},
                            "text": "line\nbreak\u0001 caf\u00e9", "empty": ""})"_json;

void AppendVariable(std::string_view path, std::string& out) {
  AppendTemplateValue(FindPath(kVariables, path), out);
}

TEST(CompiledContentTest, TemplatePartsRenderAsRenderTemplate) {
  for (const char* text :
       {"", "plain", "{{name}}", "Hi {{ name }}!", "{{n}}{{n}}", "{{}}", "{{ }}x", "open {{ name",
        "a}}b{{", "{{ {{name}}", "{{nested}} {{nested.list}}", "{{missing}}.", "\t{{\tname\n}}\t",
        "caf\u00e9 {{text}}"}) {
    SCOPED_TRACE(text);
    std::string out;
    TemplateParts(text).RenderTo(AppendVariable, out);
    EXPECT_EQ(out, RenderTemplate(text, kVariables));
  }
}

TEST(CompiledContentTest, RendersAsEachStringRenderedThenWrittenAsJson) {
  const json contents[] = {
      R"({"subject": "Hi {{name}}", "body": "You have {{n}} items: {{nested.list}}"})"_json,
      R"({"body": "no variables \"quoted\" \u0007", "title": "{{text}}"})"_json,
      R"({"b": [1, "{{n}}", {"k\"ey": "{{name}}", "z": null}, [true, 2.5, "x{{empty}}y"]],
          "a": {"deep": {"deeper": "{{missing}}"}}, "c": -7, "d": {}, "e": []})"_json,
      R"("{{name}} alone")"_json,
      R"({"caf\u00e9": "\u00fcber {{name}}", "open": "{{ not closed"})"_json,
  };
  for (const json& content : contents) {
    SCOPED_TRACE(content.dump());
    std::string out;
    CompiledContent(content).AppendTo(
        [](const TemplateParts& string, std::string& to) {
          std::string rendered;
          string.RenderTo(AppendVariable, rendered);
          AppendJsonString(to, rendered);
        },
        out);
    EXPECT_EQ(out, testing::RenderEachString(content, kVariables).dump());
  }
}

}  // namespace
}  // namespace mock_courier
