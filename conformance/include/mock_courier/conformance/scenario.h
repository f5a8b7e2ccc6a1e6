// Scenario: one conformance scenario file (fixtures/scenarios/**/*.json),
// loaded and validated. The file format is documented in docs/scenarios.md.
//
// A scenario names a workspace, a virtual start time, the source it encodes,
// and ordered steps: actions (a Segment event, a Segment library call, an API
// request, a clock advance, a recipient engagement) and expectations (on the
// last action's response, or on the messages, runs, inbound journal, outbound
// Segment calls, fake Segment receipts and profiles).
//
// The loader is strict: an unknown key, a wrong type or a missing field fails
// with the file, the step index and the field named, e.g.
//   "seeds/x.json: steps[2].request.method: expected one of GET, POST, PUT, PATCH, DELETE".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_courier/clock.h"

namespace mock_courier::conformance {

using Json = nlohmann::json;

// The kinds of step, by the key that names them in the file.
enum class StepKind {
  kSegment,         // "segment": POST /inbound/segment
  kSegmentLibrary,  // "segment_library": the fake Segment Tracking API (/v1/...)
  kRequest,         // "request": any API call
  kAdvance,         // "advance": POST /_mock/clock/advance
  kEngage,          // "engage": POST /_mock/messages/{id}/engagement
  kExpectMessages,  // "expect_messages": GET /_mock/messages
  kExpectRuns,      // "expect_runs": GET /_mock/runs
  kExpectInbound,   // "expect_inbound": GET /_mock/inbound
  kExpectOutbound,  // "expect_outbound": GET /_mock/segment/outbox
  kExpectReceived,  // "expect_received": GET /_mock/segment/received
  kExpectProfile,   // "expect_profile": GET /profiles/{user}
};

// The key naming `kind` in a scenario file ("segment", "expect_runs", ...).
const char* StepKindName(StepKind kind);
bool IsAction(StepKind kind);

struct Step {
  std::size_t index = 0;  // Position in the file's `steps`.
  StepKind kind = StepKind::kRequest;
  // The whole step object as written (validated). The runner substitutes
  // ${saved} values into a copy before running it.
  Json spec;
};

struct Scenario {
  std::string file;  // Path relative to the scenario root, with '/' separators.
  std::string name;
  std::string source;  // The document or issue the scenario encodes.
  std::string description;
  Json workspace;              // The workspace definition (file contents or inline object).
  std::string workspace_file;  // The workspace file name, "" when inline.
  std::string api_key;         // Key used for Courier API calls.
  TimePoint start = 0;         // Virtual start time (epoch ms).
  std::string start_text;      // As written in the file.
  std::uint64_t seed = 0;
  std::vector<Step> steps;
};

// One entry of a scenario folder: the scenario, or why it could not be loaded.
struct ScenarioFile {
  std::string file;  // Relative path, as Scenario::file.
  std::optional<Scenario> scenario;
  std::string error;  // Non-empty when loading failed.
};

// Parses and validates a scenario. `file` names it in errors; workspace file
// names are resolved against `workspaces_dir`. On failure returns nullopt and
// sets `error` to "<file>: <field path>: <problem>".
std::optional<Scenario> ParseScenario(const Json& json, const std::string& file,
                                      const std::string& workspaces_dir, std::string* error);

// Reads and parses `path` (see ParseScenario); `file` is the display name.
std::optional<Scenario> LoadScenario(const std::string& path, const std::string& file,
                                     const std::string& workspaces_dir, std::string* error);

// Every *.json under `root` (recursively), sorted by relative path, each
// loaded. A single file may also be given as `root`.
std::vector<ScenarioFile> LoadScenarioTree(const std::string& root,
                                           const std::string& workspaces_dir);

// The GoogleTest name of a scenario: its relative path without ".json", with
// '/' and '-' mapped to '_' ("seeds/checkout-reminder.json" -> "seeds_checkout_reminder").
std::string TestNameForFile(const std::string& file);

}  // namespace mock_courier::conformance
