#include <string>

#include "mock_courier/reports/reports.h"

namespace mock_courier::reports {
namespace {

std::string Compact(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 300) s = s.substr(0, 297) + "...";
  return s;
}

}  // namespace

std::string FormatDiffs(const Json& diffs) {
  std::string out;
  for (const Json& d : diffs) {
    const std::string problem = d.value("problem", "");
    out += "  " + d.value("path", "") + ": ";
    if (problem == "missing") {
      out += "expected " + Compact(d["expected"]) + ", actual <missing>";
    } else if (problem == "unexpected") {
      out += "expected <absent>, actual " + Compact(d["actual"]);
    } else if (problem == "length") {
      out +=
          "expected length " + Compact(d["expected"]) + ", actual length " + Compact(d["actual"]);
    } else if (problem == "no element matches") {
      out += "no element matches " + Compact(d["expected"]) + " (closest " + Compact(d["actual"]) +
             ")";
    } else {
      out += "expected " + Compact(d["expected"]) + ", actual " + Compact(d["actual"]);
    }
    out += "\n";
  }
  return out;
}

std::string FailureText(const Json& failure) {
  std::string out;
  if (failure.contains("step") && failure["step"].is_number_integer() &&
      failure["step"].get<int>() >= 0) {
    out += "step " + failure["step"].dump() + " (" + failure.value("step_kind", "") + "): ";
  }
  out += failure.value("message", "") + "\n";
  if (failure.contains("diff") && failure["diff"].is_array() && !failure["diff"].empty()) {
    out += "diff (path: expected vs actual):\n" + FormatDiffs(failure["diff"]);
  }
  if (failure.contains("closest") && !failure["closest"].is_null()) {
    std::string closest = failure["closest"].dump(2, ' ', false, Json::error_handler_t::replace);
    if (closest.size() > 4000) closest = closest.substr(0, 4000) + "\n...";
    out += "closest candidate:\n" + closest + "\n";
  }
  return out;
}

}  // namespace mock_courier::reports
