// The engine's side of the Courier API route table (mock_courier/courier_api.h):
// each route's domain function and rate-limit family. Internal to the engine.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "jobs.h"
#include "mock_courier/courier_api.h"
#include "workspace_state.h"

namespace mock_courier {

// A route's domain function: runs with the workspace lock held, may move the
// call's body out.
using ApiHandler = Result<Reply> (*)(WorkspaceState& ws, Services& svc, ApiCall& call);

// One row of the table: the public route and what the engine runs for it.
struct ApiRow {
  ApiRoute route;
  std::vector<std::string> segments;  // route.path split; "{...}" segments are parameters.
  // When set, the call counts against the workspace's limit of this family
  // (RateLimitedRequest, jobs.h).
  std::optional<RateLimited> rate_limit;
  ApiHandler handler = nullptr;
};

// The rows, in the order of ApiRoutes().
const std::vector<ApiRow>& ApiRows();

// Runs `row`'s domain function under its rate limit. REQUIRES: the workspace
// lock is held.
Result<Reply> RunApiRow(const ApiRow& row, WorkspaceState& ws, Services& svc, ApiCall& call);

}  // namespace mock_courier
