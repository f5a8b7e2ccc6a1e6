// Step kinds and template step shortcuts (engine/src/automation_steps.h):
// every action Courier documents has a kind of its own
// (https://www.courier.com/docs/platform/automations/steps), and a template's
// step gets a shortcut only in the shapes RunDelay and RunPlainSend may run
// as written.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "automation_steps.h"
#include "workspace_definition.h"

namespace mock_courier {
namespace {

using Shortcut = StepShortcut;

TEST(StepKindTest, EveryDocumentedActionHasAKindOfItsOwn) {
  const std::vector<std::string> actions = {"send",   "send-list",  "delay",          "invoke",
                                            "cancel", "fetch-data", "update-profile", "subscribe"};
  std::vector<StepKind> kinds;
  for (const std::string& action : actions) {
    const std::optional<StepKind> kind = ParseStepKind(action);
    ASSERT_TRUE(kind.has_value()) << action;
    for (StepKind seen : kinds) EXPECT_NE(seen, *kind) << action;
    kinds.push_back(*kind);
  }
  for (const char* other : {"", "Send", "send ", "sendlist", "webhook", "delay-until"}) {
    EXPECT_FALSE(ParseStepKind(other).has_value()) << other;
  }
}

TEST(StepKindTest, TemplateStepsTakeShortcutsOnlyInTheirPlainShapes) {
  const std::vector<std::pair<Json, Shortcut>> cases = {
      {{{"action", "delay"}, {"duration", "2 hours"}}, Shortcut::kPlainDelay},
      {{{"action", "delay"}, {"until", "20260101T000000Z"}}, Shortcut::kPlainDelay},
      // A condition or an accessor needs the run context.
      {{{"action", "delay"}, {"duration", "2 hours"}, {"if", "data.x"}}, Shortcut::kNone},
      {{{"action", "delay"}, {"duration", {{"$ref", "data.wait"}}}}, Shortcut::kNone},
      {{{"action", "send"}, {"template", "reminder"}, {"recipient", "refs.data.userId"}},
       Shortcut::kPlainSend},
      // Anything beyond the three keys, or an empty or non-string value.
      {{{"action", "send"}, {"template", "reminder"}, {"recipient", "u1"}, {"ref", "sent"}},
       Shortcut::kNone},
      {{{"action", "send"}, {"template", ""}, {"recipient", "u1"}}, Shortcut::kNone},
      {{{"action", "send"}, {"template", "reminder"}, {"recipient", {{"$ref", "data.u"}}}},
       Shortcut::kNone},
      {{{"action", "send"}, {"template", "reminder"}, {"brand", "b"}}, Shortcut::kNone},
      {{{"action", "send-list"}, {"template", "reminder"}, {"list", "l1"}}, Shortcut::kNone},
      {{{"action", "cancel"}, {"cancelation_token", "t"}}, Shortcut::kNone},
      {{{"action", "teleport"}}, Shortcut::kNone},
      {{{"action", 7}}, Shortcut::kNone},
      {Json::array(), Shortcut::kNone},
  };
  for (const auto& [step, shortcut] : cases) EXPECT_EQ(StepShortcutOf(step), shortcut) << step;
}

// A workspace's template steps get their shortcuts when it is loaded: one per
// step, in order.
TEST(StepKindTest, AWorkspaceFindsEachTemplateStepsShortcut) {
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
  EXPECT_EQ(parsed->automations[0].shortcuts,
            (std::vector<Shortcut>{Shortcut::kPlainDelay, Shortcut::kPlainSend, Shortcut::kNone,
                                   Shortcut::kNone, Shortcut::kNone}));
}

}  // namespace
}  // namespace mock_courier
