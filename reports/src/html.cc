#include <sstream>
#include <string>

#include "html_escape.h"
#include "mock_courier/reports/reports.h"
#include "mock_courier/reports/timeline.h"

namespace mock_courier::reports {
namespace {

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string Curl(const Json& exchange) {
  std::string cmd =
      "curl -i -X " + exchange.value("method", "GET") + " " + ShellQuote(exchange.value("url", ""));
  if (exchange.contains("headers") && exchange["headers"].is_object()) {
    for (auto it = exchange["headers"].begin(); it != exchange["headers"].end(); ++it) {
      cmd += " \\\n  -H " + ShellQuote(it.key() + ": " + it.value().get<std::string>());
    }
  }
  const std::string body = exchange.value("body", "");
  if (!body.empty()) cmd += " \\\n  --data-raw " + ShellQuote(body);
  return cmd;
}

const char* kStyle = R"(
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:16px 24px}
header h1{margin:0;font-size:20px}
main{padding:16px 24px}
.totals span{display:inline-block;margin-right:16px;font-weight:600}
.passed{color:#1a7f37}.failed{color:#c62828}.skipped{color:#8a6d00}
.controls{margin:12px 0}
details.scenario{background:#fff;border:1px solid #d9dde3;border-radius:6px;margin:8px 0;padding:6px 12px}
details.scenario>summary{cursor:pointer;font-weight:600}
.badge{display:inline-block;min-width:56px;text-align:center;border-radius:4px;padding:0 6px;margin-right:8px;color:#fff;font-size:12px}
.badge.passed{background:#1a7f37}.badge.failed{background:#c62828}.badge.skipped{background:#8a6d00}
.target{color:#5b6473;font-weight:400;margin-left:8px}
.source{color:#5b6473;margin:4px 0}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border-bottom:1px solid #e3e6ea;text-align:left;padding:3px 6px;vertical-align:top}
td.kind{font-family:monospace;white-space:nowrap}
td.at{font-family:monospace;white-space:nowrap;color:#5b6473}
pre{background:#f0f2f5;padding:8px;overflow:auto;font-size:12px;white-space:pre-wrap}
.failure{border-left:4px solid #c62828;padding-left:10px}
.hidden{display:none}
)";

const char* kScript = R"(
function onlyFailed(on){
  document.querySelectorAll('details.scenario').forEach(function(d){
    d.classList.toggle('hidden', on && !d.classList.contains('status-failed'));
  });
}
)";

}  // namespace

std::string RenderHtml(const Json& run) {
  const Json totals = run.value("totals", Json::object());
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<title>" << EscapeHtml(run.value("suite", "conformance")) << "</title>"
    << "<style>" << kStyle << TimelineCss() << "</style><script>" << kScript
    << "</script></head><body>\n";
  h << "<header><h1>" << EscapeHtml(run.value("suite", "conformance")) << "</h1><div>targets: ";
  for (const Json& t : run.value("targets", Json::array()))
    h << EscapeHtml(t.get<std::string>()) << " ";
  h << "&middot; started " << EscapeHtml(run.value("started_at", "")) << " &middot; "
    << run.value("duration_ms", 0) << " ms</div></header>\n<main>\n";
  h << "<section id=\"summary\" class=\"totals\"><span class=\"passed\">"
    << totals.value("passed", 0) << " passed</span><span class=\"failed\">"
    << totals.value("failed", 0) << " failed</span><span class=\"skipped\">"
    << totals.value("skipped", 0) << " skipped</span></section>\n";
  h << "<div class=\"controls\"><label><input type=\"checkbox\" id=\"only-failed\" "
       "onchange=\"onlyFailed(this.checked)\"> only failures</label></div>\n";
  int index = 0;
  for (const Json& s : run.value("scenarios", Json::array())) {
    const std::string status = s.value("status", "");
    h << "<details class=\"scenario status-" << EscapeHtml(status) << "\" id=\"scenario-" << index++
      << "\" data-file=\"" << EscapeHtml(s.value("file", "")) << "\""
      << (status == "failed" ? " open" : "") << "><summary><span class=\"badge "
      << EscapeHtml(status) << "\">" << EscapeHtml(status)
      << "</span><span class=\"scenario-name\">" << EscapeHtml(s.value("name", ""))
      << "</span><span class=\"target\">" << EscapeHtml(s.value("file", "")) << " &middot; "
      << EscapeHtml(s.value("target", "")) << " &middot; " << s.value("duration_ms", 0)
      << " ms</span></summary>\n";
    h << "<div class=\"source\">source: " << EscapeHtml(s.value("source", "")) << "</div>\n";
    if (status == "skipped") {
      h << "<div class=\"source\">skipped: " << EscapeHtml(s.value("skip_reason", ""))
        << "</div>\n";
    }
    if (status == "failed" && s.contains("failure")) {
      const Json& f = s["failure"];
      h << "<div class=\"failure\"><h3>Failure</h3><pre class=\"failure-text\">"
        << EscapeHtml(FailureText(f)) << "</pre>";
      if (f.contains("diff") && f["diff"].is_array() && !f["diff"].empty()) {
        h << "<table "
             "class=\"diff\"><tr><th>path</th><th>problem</th><th>expected</th><th>actual</th></"
             "tr>";
        for (const Json& d : f["diff"]) {
          h << "<tr><td><code>" << EscapeHtml(d.value("path", "")) << "</code></td><td>"
            << EscapeHtml(d.value("problem", "")) << "</td><td><code>"
            << EscapeHtml(d.contains("expected") ? d["expected"].dump() : "")
            << "</code></td><td><code>"
            << EscapeHtml(d.contains("actual") ? d["actual"].dump() : "") << "</code></td></tr>";
        }
        h << "</table>";
      }
      if (f.contains("exchanges") && f["exchanges"].is_array() && !f["exchanges"].empty()) {
        h << "<h4>HTTP exchanges of the failing step</h4>";
        for (const Json& x : f["exchanges"]) {
          h << "<pre class=\"curl\">" << EscapeHtml(Curl(x))
            << "</pre><pre class=\"response\">HTTP " << x.value("status", 0) << "\n"
            << EscapeHtml(x.contains("response")
                              ? x["response"].dump(2, ' ', false, Json::error_handler_t::replace)
                              : "")
            << "</pre>";
        }
      }
      h << "</div>\n";
    }
    const Json timeline = s.value("timeline", Json::array());
    if (!timeline.empty()) {
      // The same lanes and colours as the live inspector's timeline (timeline.h).
      h << "<h4>Timeline (virtual clock)</h4>" << RenderSwimlaneSvg(timeline)
        << "<table class=\"timeline\"><tr><th>at</th><th>kind</th>"
           "<th>what</th><th>detail</th></tr>";
      for (const Json& e : timeline) {
        h << "<tr><td class=\"at\">" << EscapeHtml(e.value("at", "")) << "</td><td class=\"kind k-"
          << EscapeHtml(e.value("kind", "")) << "\">" << EscapeHtml(e.value("kind", ""))
          << "</td><td>" << EscapeHtml(e.value("label", "")) << "</td><td>"
          << EscapeHtml(e.value("detail", "")) << "</td></tr>";
      }
      h << "</table>\n";
    }
    h << "</details>\n";
  }
  h << "</main></body></html>\n";
  return h.str();
}

}  // namespace mock_courier::reports
