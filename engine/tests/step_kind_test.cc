// Step kinds and compiled template steps (engine/src/automation_steps.h):
// every action Courier documents has a kind whose name is the action
// (https://www.courier.com/docs/platform/automations/steps), and a template's
// step gets a shortcut only in the shapes RunDelay and RunPlainSend may run
// as written.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "automation_steps.h"
#include "workspace_definition.h"

namespace mock_courier {
namespace {

using Shortcut = CompiledStep::Shortcut;

TEST(StepKindTest, EveryDocumentedActionHasAKindNamedAsIs) {
  const std::vector<std::string> actions = {"send",   "send-list",  "delay",          "invoke",
                                            "cancel", "fetch-data", "update-profile", "subscribe"};
  std::vector<StepKind> kinds;
  for (const std::string& action : actions) {
    const std::optional<StepKind> kind = ParseStepKind(action);
    ASSERT_TRUE(kind.has_value()) << action;
    EXPECT_EQ(StepKindName(*kind), action);
    for (StepKind seen : kinds) EXPECT_NE(seen, *kind) << action;
    kinds.push_back(*kind);
  }
  for (const char* other : {"", "Send", "send ", "sendlist", "webhook", "delay-until"}) {
    EXPECT_FALSE(ParseStepKind(other).has_value()) << other;
  }
}

TEST(StepKindTest, CompiledStepsTakeShortcutsOnlyInTheirPlainShapes) {
  struct Case {
    Json step;
    std::optional<StepKind> kind;
    Shortcut shortcut;
  };
  const std::vector<Case> cases = {
      {{{"action", "delay"}, {"duration", "2 hours"}}, StepKind::kDelay, Shortcut::kPlainDelay},
      {{{"action", "delay"}, {"until", "20260101T000000Z"}},
       StepKind::kDelay,
       Shortcut::kPlainDelay},
      // A condition or an accessor needs the run context.
      {{{"action", "delay"}, {"duration", "2 hours"}, {"if", "data.x"}},
       StepKind::kDelay,
       Shortcut::kNone},
      {{{"action", "delay"}, {"duration", {{"$ref", "data.wait"}}}},
       StepKind::kDelay,
       Shortcut::kNone},
      {{{"action", "send"}, {"template", "reminder"}, {"recipient", "refs.data.userId"}},
       StepKind::kSend,
       Shortcut::kPlainSend},
      // Anything beyond the three keys, or an empty or non-string value.
      {{{"action", "send"}, {"template", "reminder"}, {"recipient", "u1"}, {"ref", "sent"}},
       StepKind::kSend,
       Shortcut::kNone},
      {{{"action", "send"}, {"template", ""}, {"recipient", "u1"}},
       StepKind::kSend,
       Shortcut::kNone},
      {{{"action", "send"}, {"template", "reminder"}, {"recipient", {{"$ref", "data.u"}}}},
       StepKind::kSend,
       Shortcut::kNone},
      {{{"action", "send"}, {"template", "reminder"}, {"brand", "b"}},
       StepKind::kSend,
       Shortcut::kNone},
      {{{"action", "send-list"}, {"template", "reminder"}, {"list", "l1"}},
       StepKind::kSendList,
       Shortcut::kNone},
      {{{"action", "cancel"}, {"cancelation_token", "t"}}, StepKind::kCancel, Shortcut::kNone},
      {{{"action", "teleport"}}, std::nullopt, Shortcut::kNone},
      {{{"action", 7}}, std::nullopt, Shortcut::kNone},
      {Json::array(), std::nullopt, Shortcut::kNone},
  };
  for (const Case& c : cases) {
    const CompiledStep compiled = CompileStep(c.step);
    EXPECT_EQ(compiled.kind, c.kind) << c.step;
    EXPECT_EQ(compiled.shortcut, c.shortcut) << c.step;
  }
}

// A workspace's automations are compiled when it is loaded: one compiled
// step per step, in order.
TEST(StepKindTest, AWorkspaceCompilesEachTemplateStep) {
  const Json workspace = {
      {"api_keys", {"k"}},
      {"automations",
       {{{"id", "checkout"},
         {"steps",
          {{{"action", "delay"}, {"duration", "2 hours"}},
           {{"action", "send"}, {"template", "reminder"}, {"recipient", "refs.data.userId"}},
           {{"action", "cancel"}, {"cancelation_token", "t"}},
           {{"action", "send"}, {"template", "reminder"}, {"recipient", "u"}, {"ref", "r"}},
           {{"action", "teleport"}}}}}}}};
  const Result<WorkspaceDefinition> parsed = ParseWorkspaceDefinition(workspace);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->automations.size(), 1u);
  const AutomationDefinition& automation = parsed->automations[0];
  ASSERT_EQ(automation.compiled.size(), automation.steps.size());
  for (std::size_t i = 0; i < automation.steps.size(); ++i) {
    const CompiledStep expected = CompileStep(automation.steps[i]);
    EXPECT_EQ(automation.compiled[i].kind, expected.kind) << "step " << i;
    EXPECT_EQ(automation.compiled[i].shortcut, expected.shortcut) << "step " << i;
  }
  EXPECT_EQ(automation.compiled[0].shortcut, Shortcut::kPlainDelay);
  EXPECT_EQ(automation.compiled[1].shortcut, Shortcut::kPlainSend);
  EXPECT_EQ(automation.compiled[3].shortcut, Shortcut::kNone);
  EXPECT_FALSE(automation.compiled[4].kind.has_value());
}

}  // namespace
}  // namespace mock_courier
