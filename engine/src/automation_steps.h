// Automation step definitions: context defaults and strict validation
// (https://www.courier.com/docs/reference/automation/invoke). Internal to the engine; pure
// functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "accessors.h"
#include "json_util.h"

namespace mock_courier {

// The closed set of step actions Courier's automations run
// (https://www.courier.com/docs/platform/automations/steps). Each kind is
// validated by StepIsValid (automation_steps.cc) and run by RunStep
// (automations.cc), both a switch over this enum, so a new kind cannot be
// half added. Views show a step's action as written.
enum class StepKind : std::uint8_t {
  kSend,
  kSendList,
  kDelay,
  kInvoke,
  kCancel,
  kFetchData,
  kUpdateProfile,
  kSubscribe,
};
// "send" -> kSend, "send-list" -> kSendList, ...; nullopt for any other action.
std::optional<StepKind> ParseStepKind(std::string_view action);

// How a template run may run a step instead of extending it with the run
// context (a fired run's most common steps), found once per template step
// when its workspace is loaded (StepShortcutOf):
// - kPlainDelay: a delay without accessors or a condition, run as written
//   (ExtendStep leaves delays as they are);
// - kPlainSend: {"action": "send", "template", "recipient"} with non-empty
//   strings and nothing else (the Segment guide's and the designer's shape);
//   the run still checks its context (RunPlainSend).
enum class StepShortcut : std::uint8_t { kNone, kPlainDelay, kPlainSend };
StepShortcut StepShortcutOf(const Json& step);

// Fills a step's defaults from the run context
// (https://www.courier.com/docs/platform/automations/steps): legacy send steps take recipient,
// template, brand from the context when missing, and deep-extend its data and profile; v2 send
// steps get message.to/template/brand_id/data; send-list steps get brand, data, template. Other
// steps are returned as is. Null context values count as absent.
//
// With `shared_data`, a legacy send step without data of its own leaves
// `data` out and sets *shared_data to the context's data root instead, so a
// run's send shares the triggering event (or the packed copy a waiting run
// keeps) rather than copying it into a tree; the caller then sends with that
// data (SendFromAutomation).
Json ExtendStep(Json step, const RunContext& context,
                std::optional<Payload>* shared_data = nullptr);

// Whether an extended step matches its action's schema, with Courier's
// `additionalProperties: false` (an unknown key, e.g. `cancellation_token` on
// a cancel step, fails). v2 send steps only need `message` to be an object.
// Literal delay values must parse (duration via ParseDelayDuration, until via
// ParseIso8601); accessor values are checked when the step runs.
bool StepIsValid(const Json& step);

// Validates an invoke's steps against the run context. Errors are 400 with
// Courier's messages: "Invalid automation definition. An array of valid steps
// is required." (not a non-empty array) and "Invalid Steps Definition: one or
// more steps are incorrectly defined.".
Status ValidateSteps(const Json& steps, const RunContext& context);

// The context as ValidateSteps sees it, as a compact key: truthy data and
// profile stand in as {}, non-empty strings as "-" (the step checks test
// strings only for type and emptiness). Two contexts with the same key
// validate any steps alike, so callers may cache ValidateSteps by it; two
// contexts that validate apart have different keys. Appended to `key`.
void AppendValidationKey(const RunContext& context, std::string& key);

// A run context {brand, data, profile, recipient, template}; null values are
// left out (lookups treat a missing root as null).
Json NormalizeContext(const Json& brand, const Json& data, const Json& profile,
                      const Json& recipient, const Json& template_name);

}  // namespace mock_courier
