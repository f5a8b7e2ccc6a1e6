// Journeys API: POST /journeys/cancel. "Journeys" is the name Courier's newer
// SDKs give automations; a journey run is an automation run here.
//
// Shapes from Courier's official SDKs (the installed @trycourier/courier
// 7.10.2 has no journeys.cancel yet):
// - request CancelJourneyRequest, "Provide EXACTLY ONE of cancelation_token
//   (cancels every run associated with the token) or run_id (cancels a single
//   tenant-scoped run)"
//   (https://www.rubydoc.info/gems/trycourier/Courier/Models/CancelJourneyRequest);
// - answer CancelJourneyResponse, "202 Accepted body ... When called with
//   cancelation_token, returns { cancelation_token }; when called with run_id,
//   returns { run_id, status }", status CANCELED for an active or already
//   canceled run, PROCESSED or ERROR for a finished one left untouched
//   (https://www.rubydoc.info/gems/trycourier/Courier/Models/CancelJourneyResponse).
// The error texts are not public: the mock's own, in Courier's send style
// (docs/fidelity.md "POST /journeys/cancel").
#include <string>

#include "automations.h"

namespace mock_courier {
namespace {

constexpr char kCanceledBy[] = "POST /journeys/cancel";

Status ExactlyOne() {
  return Status::BadRequest(
      "Invalid Request. Provide exactly one of 'cancelation_token' or 'run_id'.");
}

// The string under `key`, "" when absent; a present value that is not a
// non-empty string is a 400.
Result<std::string> Identifier(const Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end()) return std::string();
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return Status::BadRequest(std::string("Invalid Request. '") + key +
                              "' must be a non-empty string.");
  }
  return it->get<std::string>();
}

}  // namespace

Result<Reply> CancelJourneyReply(WorkspaceState& ws, Services& svc, const Json& body) {
  if (!body.is_object()) return ExactlyOne();
  if (body.contains("cancelation_token") == body.contains("run_id")) return ExactlyOne();
  Result<std::string> token = Identifier(body, "cancelation_token");
  if (!token.ok()) return token.status();
  Result<std::string> run_id = Identifier(body, "run_id");
  if (!run_id.ok()) return run_id.status();

  if (!token->empty()) {
    // A token no run holds is accepted too: the answer echoes what was sent.
    (void)CancelRunsWithToken(ws, svc, *token, kCanceledBy);
    return Reply{202, {{"cancelation_token", *token}}};
  }
  std::optional<RunStatus> status = CancelRun(ws, svc, *run_id, kCanceledBy);
  // As GET /automations/runs/{id} answers an unknown run.
  if (!status) return Status::NotFound("Run not found");
  return Reply{202, {{"run_id", *run_id}, {"status", RunStatusName(*status)}}};
}

}  // namespace mock_courier
