// Report writers: one structured run result (the JSON the conformance runner
// produces, see conformance/include/mock_courier/conformance/runner.h) in,
// a report out. They never read console text, and they depend only on
// nlohmann/json and Boost headers.
//
// All functions are pure and thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mock_courier::reports {

using Json = nlohmann::json;

// JUnit XML (written with Boost.PropertyTree): <testsuites> with one
// <testsuite> per target and one <testcase> per scenario and target; a failed
// scenario has <failure message=... type="ExpectationFailed"> whose text holds
// the diff and the closest candidate; a skipped one has <skipped message=...>.
std::string RenderJunitXml(const Json& run);

// A self-contained HTML page (inline CSS and JS; no external URL, no
// resource reference): summary, per-scenario timeline on the virtual clock,
// and for a failing step its diff, closest candidate and HTTP exchanges as
// curl commands.
std::string RenderHtml(const Json& run);

// A Markdown summary for a CI job summary: totals, a table per scenario and
// target, and the failures with their diffs.
std::string RenderMarkdown(const Json& run);

// The failure as plain text: "step N (kind): message", the field diff
// ("path: expected X, actual Y") and the closest candidate.
std::string FailureText(const Json& failure);

// The diff part alone: one "  path: expected X, actual Y" line per entry of a
// failure's "diff" array.
std::string FormatDiffs(const Json& diffs);

}  // namespace mock_courier::reports
