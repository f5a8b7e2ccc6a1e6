// courier-conformance: runs scenario files against targets and writes reports.
//
//   courier-conformance run PATHS... [--target in-process|local-http|URL]...
//       [--filter GLOB] [--workspaces DIR] [--known-failures FILE]
//       [--junit F] [--html F] [--md F] [--json F] [--shard INDEX/COUNT]
//       [--processing-latency DURATION]
//   courier-conformance merge RUN_JSON... [--junit F] [--html F] [--md F] [--json F]
//
// --shard INDEX/COUNT (or GTEST_SHARD_INDEX and GTEST_TOTAL_SHARDS, GoogleTest's
// sharding protocol) runs every COUNT-th scenario file from the INDEX-th, so
// COUNT runners cover the suite once between them; `merge` turns their
// run.json files into one set of reports.
//
// Prints go-test-like lines (=== RUN, --- PASS/FAIL/SKIP with durations), a
// closing "N passed, N failed, N skipped" line, and exits 1 on any failure
// (2 on a usage error). Every report is rendered from the run result JSON.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
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
    "         [--junit FILE] [--html FILE] [--md FILE] [--json FILE] [--shard INDEX/COUNT]\n"
    "         [--processing-latency DURATION]  (latency mode: expectations checked eventually)\n"
    "       courier-conformance merge RUN_JSON... [--junit FILE] [--html FILE] [--md FILE]\n"
    "         [--json FILE]\n";

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

struct Shard {
  int index = 0;
  int count = 1;
};

// "INDEX/COUNT" with 0 <= INDEX < COUNT.
std::optional<Shard> ParseShard(const std::string& index, const std::string& count) {
  try {
    std::size_t end_i = 0, end_c = 0;
    Shard shard{std::stoi(index, &end_i), std::stoi(count, &end_c)};
    if (end_i != index.size() || end_c != count.size()) return std::nullopt;
    if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count) return std::nullopt;
    return shard;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// GoogleTest's protocol: the runner touches GTEST_SHARD_STATUS_FILE to say it
// understood the sharding variables.
void TouchShardStatusFile() {
  if (const char* path = std::getenv("GTEST_SHARD_STATUS_FILE"); path && *path) {
    std::ofstream touch(path, std::ios::app);
  }
}

bool WriteReports(const Json& run, const std::string& json_path, const std::string& junit,
                  const std::string& html, const std::string& md) {
  return WriteFile(json_path, run.dump(2) + "\n") &&
         WriteFile(junit, mock_courier::reports::RenderJunitXml(run)) &&
         WriteFile(html, mock_courier::reports::RenderHtml(run)) &&
         WriteFile(md, mock_courier::reports::RenderMarkdown(run));
}

// courier-conformance merge RUN_JSON... [report flags]
int Merge(const std::vector<std::string>& args) {
  std::vector<std::string> inputs;
  std::string junit, html, md, json_path;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string* out = a == "--junit"  ? &junit
                       : a == "--html" ? &html
                       : a == "--md"   ? &md
                       : a == "--json" ? &json_path
                                       : nullptr;
    if (out) {
      if (i + 1 >= args.size()) return Usage(a + " needs a value");
      *out = args[++i];
    } else if (a.rfind("--", 0) == 0) {
      return Usage("unknown option '" + a + "'");
    } else {
      inputs.push_back(a);
    }
  }
  if (inputs.empty()) return Usage("merge needs at least one run.json");
  std::vector<Json> runs;
  for (const std::string& path : inputs) {
    std::ifstream in(path);
    if (!in) return Usage("cannot read " + path);
    Json run = Json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (run.is_discarded() || !run.is_object() || !run.contains("scenarios") ||
        !run["scenarios"].is_array()) {
      return Usage(path + " is not a run.json (an object with a \"scenarios\" array)");
    }
    runs.push_back(std::move(run));
  }
  Json merged = mock_courier::conformance::MergeRunResults(runs);
  const Json& totals = merged["totals"];
  const int failed = totals.value("failed", 0);
  std::cout << (failed ? "FAIL" : "ok") << "  " << totals.value("passed", 0) << " passed, "
            << failed << " failed, " << totals.value("skipped", 0) << " skipped (merged "
            << inputs.size() << " runs)\n";
  if (!WriteReports(merged, json_path, junit, html, md)) return 2;
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mock_courier::conformance;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "merge") return Merge(args);
  if (args[0] != "run") return Usage("unknown command '" + args[0] + "'");
  std::optional<Shard> shard;
  if (const char* total = std::getenv("GTEST_TOTAL_SHARDS"); total && *total) {
    const char* index = std::getenv("GTEST_SHARD_INDEX");
    shard = ParseShard(index ? index : "", total);
    if (!shard) return Usage("GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS must be 0 <= INDEX < COUNT");
    TouchShardStatusFile();
  }
  std::vector<std::string> paths, targets;
  std::string filter, workspaces, known_path, junit, html, md, json_path;
  RunOptions run_options;
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
    } else if (a == "--processing-latency") {
      if (!value(v)) return Usage("--processing-latency needs a duration");
      auto latency = mock_courier::ParseDuration(v);
      if (!latency || *latency < 0 || *latency > mock_courier::kDay) {
        return Usage(
            "--processing-latency must be a duration of at most a day, such as "
            "\"1 second\", \"PT2S\" or milliseconds, not '" +
            v + "'");
      }
      run_options.processing_latency = *latency;
    } else if (a == "--shard") {
      if (!value(v)) return Usage("--shard needs INDEX/COUNT");
      auto slash = v.find('/');
      shard = slash == std::string::npos ? std::nullopt
                                         : ParseShard(v.substr(0, slash), v.substr(slash + 1));
      if (!shard)
        return Usage("--shard must be INDEX/COUNT with 0 <= INDEX < COUNT, not '" + v + "'");
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
  if (shard) {
    // By position in the (sorted, filtered) file list, so every runner that
    // sees the same tree agrees on who runs what.
    std::vector<ScenarioFile> mine;
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (static_cast<int>(i % shard->count) == shard->index) mine.push_back(std::move(files[i]));
    }
    files = std::move(mine);
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
        entry = RunScenario(*f.scenario, *target, run_options);
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
  bool wrote = WriteReports(run, json_path, junit, html, md);
  std::cout << (failed ? "FAIL" : "ok") << "  " << passed << " passed, " << failed << " failed, "
            << skipped << " skipped (" << Seconds(total_ms) << ")\n";
  if (!wrote) return 2;
  return failed ? 1 : 0;
}
