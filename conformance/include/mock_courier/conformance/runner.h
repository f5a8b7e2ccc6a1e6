// Runner: runs scenarios against a Target and produces the run result, the
// single structured input of every report (reports/):
//
//   {"suite", "targets":[...], "started_at", "duration_ms",
//    "totals":{"passed","failed","skipped"},
//    "scenarios":[{"name","file","source","target","status":"passed|failed|skipped",
//                  "duration_ms","steps", "skip_reason"?,
//                  "failure"?:{"step","step_kind","message","diff":[...],"closest",
//                              "exchanges":[{"method","url","headers","body","status","response"}]},
//                  "timeline":[{"at","kind","label","detail"}]}]}
//
// A scenario stops at its first failed step. The timeline (Segment event ->
// run -> delay -> send -> status -> outbound Segment call, on the virtual
// clock) is built from the target's inspection data after the scenario plus
// the actions themselves. Apart from durations ("duration_ms", "started_at"),
// the same scenario and seed give a byte-identical result.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_courier/conformance/scenario.h"
#include "mock_courier/conformance/target.h"

namespace mock_courier::conformance {

// How a scenario is run.
struct RunOptions {
  // Latency mode (docs/scenarios.md "Latency mode"): when > 0, the scenario's
  // workspace gets this "processing_latency" (unless it sets its own), and
  // every expectation is checked "eventually": while it fails, the runner
  // advances the target's clock to the next due job, up to the latency after
  // the last action. Before an action, or an expectation of absence, the
  // runner first lets that window pass, so actions see processed state.
  // The result then carries "latency_ms" and, per expectation that had to
  // wait, "waits":[{"step", "step_kind", "waited_ms"}] (mock time).
  Duration processing_latency = 0;
};

// Runs one scenario on `target` and returns its result entry.
Json RunScenario(const Scenario& scenario, Target& target);
Json RunScenario(const Scenario& scenario, Target& target, const RunOptions& options);

// A scenario entry for a file that could not be loaded (status "failed").
Json LoadFailureResult(const ScenarioFile& file, const std::string& target_name);

// A scenario entry that was not run (status "skipped") with `reason`.
Json SkippedResult(const ScenarioFile& file, const std::string& target_name,
                   const std::string& reason);

// Wraps scenario entries into a run result; totals are computed here.
Json MakeRunResult(const std::vector<std::string>& targets, Json scenarios,
                   std::int64_t duration_ms, const std::string& started_at);

// Combines the run results of several shards (or any runs) into one: the
// scenarios of all of them, ordered by target (in first-seen order) then
// file; targets in first-seen order; the earliest started_at; duration_ms is
// the sum (the compute time, not the wall time of parallel shards); totals
// recomputed. A run without a "scenarios" array contributes nothing.
Json MergeRunResults(const std::vector<Json>& runs);

// Reads conformance/known_failures.txt: "<scenario path> <reason...>" per
// line, '#' starts a comment. Returns path -> reason.
std::map<std::string, std::string> LoadKnownFailures(const std::string& path);

}  // namespace mock_courier::conformance
