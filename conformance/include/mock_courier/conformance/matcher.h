// Partial JSON matching for scenario expectations, with a field-level diff.
//
// Rules (docs/scenarios.md):
//   - an expected object matches when every expected key matches (a subset);
//   - an expected array matches an array of the same length element by element,
//     or use {"$contains": [...]} for "these elements, in any order, among others";
//   - a string with '*' is a wildcard pattern ('*' = any run of characters);
//   - "$any" matches any present value (null included), "$absent" requires the key
//     to be missing;
//   - numbers compare by value (1 == 1.0); everything else compares exactly.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mock_courier::conformance {

using Json = nlohmann::json;

struct FieldDiff {
  std::string path;  // "status", "providers[0].channel", "" for the root.
  std::string
      problem;  // "differs", "missing", "unexpected", "type", "length", "no element matches"
  Json expected;
  Json actual;  // Null when missing.
};

struct MatchResult {
  bool ok = true;
  int matched = 0;  // Expected leaves that matched: how close a candidate is.
  int total = 0;    // Expected leaves.
  std::vector<FieldDiff> diffs;
};

// Matches `actual` against the partial `expected`. `base` prefixes diff paths.
MatchResult MatchJson(const Json& expected, const Json& actual, const std::string& base = "");

// Glob match where '*' matches any run of characters (including none).
bool WildcardMatch(const std::string& pattern, const std::string& text);

// [{"path", "problem", "expected", "actual"}]
Json DiffsToJson(const std::vector<FieldDiff>& diffs);

}  // namespace mock_courier::conformance
