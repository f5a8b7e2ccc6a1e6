#include <sstream>
#include <string>

#include "mock_courier/reports/reports.h"

namespace mock_courier::reports {
namespace {

// Table cells cannot hold '|' or newlines.
std::string Cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

const char* Icon(const std::string& status) {
  if (status == "passed") return "✅";
  if (status == "skipped") return "⏭️";
  return "❌";
}

}  // namespace

std::string RenderMarkdown(const Json& run) {
  const Json totals = run.value("totals", Json::object());
  std::ostringstream md;
  md << "## " << run.value("suite", "conformance") << ": " << totals.value("passed", 0)
     << " passed, " << totals.value("failed", 0) << " failed, " << totals.value("skipped", 0)
     << " skipped\n\n";
  md << "Targets: ";
  bool first = true;
  for (const Json& t : run.value("targets", Json::array())) {
    md << (first ? "" : ", ") << "`" << t.get<std::string>() << "`";
    first = false;
  }
  md << " · " << run.value("duration_ms", 0) << " ms\n\n";
  md << "| | Scenario | Target | Time | Source |\n|---|---|---|---|---|\n";
  for (const Json& s : run.value("scenarios", Json::array())) {
    md << "| " << Icon(s.value("status", "")) << " | `" << Cell(s.value("file", "")) << "` "
       << Cell(s.value("name", "")) << " | " << Cell(s.value("target", "")) << " | "
       << s.value("duration_ms", 0) << " ms | " << Cell(s.value("source", "")) << " |\n";
  }
  bool any = false;
  for (const Json& s : run.value("scenarios", Json::array())) {
    if (s.value("status", "") != "failed") continue;
    if (!any) md << "\n### Failures\n";
    any = true;
    md << "\n<details open><summary><code>" << s.value("file", "") << "</code> on "
       << s.value("target", "") << "</summary>\n\n```text\n"
       << FailureText(s.value("failure", Json::object())) << "```\n\n</details>\n";
  }
  bool skipped = false;
  for (const Json& s : run.value("scenarios", Json::array())) {
    if (s.value("status", "") != "skipped") continue;
    if (!skipped) md << "\n### Skipped\n\n";
    skipped = true;
    md << "- `" << s.value("file", "") << "` (" << s.value("target", "")
       << "): " << s.value("skip_reason", "") << "\n";
  }
  return md.str();
}

}  // namespace mock_courier::reports
