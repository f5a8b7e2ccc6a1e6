// courier-conformance: runs scenario files against targets and writes reports.
//
//   courier-conformance run PATHS... [--target in-process|local-http|URL]...
//       [--filter GLOB] [--workspaces DIR] [--known-failures FILE]
//       [--junit F] [--html F] [--md F] [--json F]
//
// Prints go-test-like lines (=== RUN, --- PASS/FAIL/SKIP with durations), a
// closing "N passed, N failed, N skipped" line, and exits 1 on any failure
// (2 on a usage error). Every report is rendered from the run result JSON.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "mock_courier/conformance/matcher.h"
#include "mock_courier/conformance/runner.h"
#include "mock_courier/conformance/scenario.h"
#include "mock_courier/conformance/target.h"
#include "mock_courier/reports/reports.h"
#include "mock_courier/time_format.h"

namespace {

namespace fs = std::filesystem;
using mock_courier::conformance::Json;

constexpr const char* kUsage =
    "usage: courier-conformance run PATHS... [--target in-process|local-http|URL]...\n"
    "         [--filter GLOB] [--workspaces DIR] [--known-failures FILE]\n"
    "         [--junit FILE] [--html FILE] [--md FILE] [--json FILE]\n";

int Usage(const std::string& error) {
  std::cerr << "courier-conformance: " << error << "\n" << kUsage;
  return 2;
}

// The workspaces folder next to the "scenarios" folder a path lies in.
std::string GuessWorkspaces(const std::string& path) {
  for (fs::path p = fs::absolute(path); p.has_parent_path() && p != p.parent_path();
       p = p.parent_path()) {
    if (p.filename() == "scenarios" && fs::is_directory(p.parent_path() / "workspaces")) {
      return (p.parent_path() / "workspaces").string();
    }
  }
  return "fixtures/workspaces";
}

bool WriteFile(const std::string& path, const std::string& text) {
  if (path.empty()) return true;
  std::error_code ec;
  if (fs::path(path).has_parent_path()) fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) {
    std::cerr << "courier-conformance: cannot write " << path << "\n";
    return false;
  }
  return true;
}

std::string Seconds(std::int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mock_courier::conformance;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "run") return Usage("unknown command '" + args[0] + "'");
  std::vector<std::string> paths, targets;
  std::string filter, workspaces, known_path, junit, html, md, json_path;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--target") {
      if (!value(v)) return Usage("--target needs a value");
      targets.push_back(v);
    } else if (a == "--filter") {
      if (!value(filter)) return Usage("--filter needs a value");
    } else if (a == "--workspaces") {
      if (!value(workspaces)) return Usage("--workspaces needs a value");
    } else if (a == "--known-failures") {
      if (!value(known_path)) return Usage("--known-failures needs a value");
    } else if (a == "--junit") {
      if (!value(junit)) return Usage("--junit needs a value");
    } else if (a == "--html") {
      if (!value(html)) return Usage("--html needs a value");
    } else if (a == "--md") {
      if (!value(md)) return Usage("--md needs a value");
    } else if (a == "--json") {
      if (!value(json_path)) return Usage("--json needs a value");
    } else if (a.rfind("--", 0) == 0) {
      return Usage("unknown option '" + a + "'");
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) return Usage("no scenario paths given");
  if (targets.empty()) targets.push_back("in-process");
  auto known =
      known_path.empty() ? std::map<std::string, std::string>{} : LoadKnownFailures(known_path);

  std::vector<ScenarioFile> files;
  for (const std::string& p : paths) {
    if (!fs::exists(p)) return Usage("no such file or folder: " + p);
    auto loaded = LoadScenarioTree(p, workspaces.empty() ? GuessWorkspaces(p) : workspaces);
    for (auto& f : loaded) {
      if (fs::is_regular_file(p)) f.file = fs::path(p).generic_string();
      if (!filter.empty() && !WildcardMatch(filter, f.file) &&
          !(f.scenario && WildcardMatch(filter, f.scenario->name))) {
        continue;
      }
      files.push_back(std::move(f));
    }
  }

  const auto suite_begin = std::chrono::steady_clock::now();
  const std::time_t wall = std::time(nullptr);
  Json scenarios = Json::array();
  std::vector<std::string> target_names;
  int passed = 0, failed = 0, skipped = 0;
  for (const std::string& spec : targets) {
    std::unique_ptr<Target> target;
    if (spec == "in-process") {
      target = MakeInProcessTarget();
    } else if (spec == "local-http") {
      target = MakeLocalServerTarget();
    } else if (spec.rfind("http://", 0) == 0) {
      target = MakeHttpTarget(spec);
    } else {
      return Usage("--target must be in-process, local-http or an http:// URL, not '" + spec + "'");
    }
    const std::string tname = spec == "in-process" ? "in-process" : "http";
    target_names.push_back(tname);
    for (const ScenarioFile& f : files) {
      std::cout << "=== RUN   " << f.file << " [" << tname << "]\n" << std::flush;
      Json entry;
      if (auto it = known.find(f.file); it != known.end()) {
        entry = SkippedResult(f, tname, "known failure: " + it->second);
      } else if (!f.scenario) {
        entry = LoadFailureResult(f, tname);
      } else {
        entry = RunScenario(*f.scenario, *target);
      }
      const std::string status = entry["status"];
      const std::string time = Seconds(entry.value("duration_ms", std::int64_t{0}));
      if (status == "passed") {
        ++passed;
        std::cout << "--- PASS: " << f.file << " [" << tname << "] (" << time << ")\n";
      } else if (status == "skipped") {
        ++skipped;
        std::cout << "--- SKIP: " << f.file << " [" << tname << "] (" << time << ")\n    "
                  << entry.value("skip_reason", "") << "\n";
      } else {
        ++failed;
        std::cout << "--- FAIL: " << f.file << " [" << tname << "] (" << time << ")\n";
        std::string text = mock_courier::reports::FailureText(entry["failure"]);
        std::string indented = "    ";
        for (char c : text) {
          indented += c;
          if (c == '\n') indented += "    ";
        }
        std::cout << indented << "\n";
      }
      scenarios.push_back(std::move(entry));
    }
  }
  const auto total_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - suite_begin)
                            .count();
  Json run = MakeRunResult(target_names, std::move(scenarios), total_ms,
                           mock_courier::FormatIso8601(static_cast<std::int64_t>(wall) * 1000));
  bool wrote = WriteFile(json_path, run.dump(2) + "\n") &&
               WriteFile(junit, mock_courier::reports::RenderJunitXml(run)) &&
               WriteFile(html, mock_courier::reports::RenderHtml(run)) &&
               WriteFile(md, mock_courier::reports::RenderMarkdown(run));
  std::cout << (failed ? "FAIL" : "ok") << "  " << passed << " passed, " << failed << " failed, "
            << skipped << " skipped (" << Seconds(total_ms) << ")\n";
  if (!wrote) return 2;
  return failed ? 1 : 0;
}
