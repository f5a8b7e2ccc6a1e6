// Automations: ad hoc and template invokes, run execution, step types,
// accessors, cancelation tokens and delays
// (https://www.courier.com/docs/platform/automations/steps). Internal to the engine; every function
// runs with the workspace lock held.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "workspace_state.h"

namespace mock_courier {

// POST /automations/invoke -> 200 {"runId"}.
Result<Reply> HandleInvokeAdHoc(WorkspaceState& ws, Services& svc, const Json& body);
// POST /automations/{template_id_or_alias}/invoke -> 200 {"runId"}.
Result<Reply> HandleInvokeTemplate(WorkspaceState& ws, Services& svc,
                                   const std::string& template_id, const Json& body);

// Starts a run of every automation template whose trigger matches
// (https://www.courier.com/docs/external-integrations/cdp/segment/): `trigger` is "track/<event>",
// "identify" or "group"; `event` is the whole inbound event (the run's `data`: a tree is
// shared, a packed event copied); `recipient` is userId ?? anonymousId. A run's source is
// "<trigger>/<inbound_id>" (the Courier id answered). Returns the started run ids, in template
// order (a journal entry's effects).
std::vector<IdText> TriggerAutomations(WorkspaceState& ws, Services& svc, std::string_view trigger,
                                       const Payload& event, const std::string& recipient,
                                       const std::string& template_name,
                                       std::string_view inbound_id);

// The timer of a run's delay fired (timers.h): the delay step is PROCESSED
// and the run continues. A run that is gone, canceled or not waiting is left
// alone.
void ResumeRunAfterDelay(WorkspaceState& ws, Services& svc, std::uint64_t run_seq);

// Cancels every unfinished run holding `token` (finished runs are left as
// they are); each records "canceled by <by> (cancelation_token '<token>')".
// Returns the canceled run ids.
std::vector<std::string> CancelRunsWithToken(WorkspaceState& ws, Services& svc,
                                             const std::string& token, const std::string& by);
// Cancels one run unless it is finished; it records "canceled by <by>".
// Returns the run's resulting status, or nullopt for an unknown run.
std::optional<RunStatus> CancelRun(WorkspaceState& ws, Services& svc, const std::string& run_id,
                                   const std::string& by);

// POST /journeys/cancel (journeys.cc): body {"cancelation_token"} or
// {"run_id"}, exactly one; 202 {"cancelation_token"} or {"run_id", "status"}
// (CancelJourneyRequest / CancelJourneyResponse in Courier's SDKs).
Result<Reply> CancelJourneyReply(WorkspaceState& ws, Services& svc, const Json& body);

// GET /automations/runs/{id} and GET /automations/runs.
Result<Reply> GetRunReply(WorkspaceState& ws, const std::string& run_id);
Result<Reply> ListRunsReply(WorkspaceState& ws, const Json& query);
// GET /automations/runs/{id}/steps: {"steps":[{action, status, message_id?,
// updated_at?, error?}]} (AutomationRunStepsResponse in @trycourier/courier).
Result<Reply> GetRunStepsReply(WorkspaceState& ws, const std::string& run_id);
// GET /automations: {"templates":[{id, name, version}]} (AutomationTemplateListResponse).
Result<Reply> ListAutomationsReply(const WorkspaceState& ws, const Json& query);
// Admin: {"results":[run with step states]}.
Json RunsForAdmin(const WorkspaceState& ws);
// One entry of RunsForAdmin's results.
Json RunForAdmin(const WorkspaceState& ws, const AutomationRun& run);

}  // namespace mock_courier
