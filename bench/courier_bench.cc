// courier-bench: runs every mock-courier benchmark and prints one table.
//
//   courier-bench [--scale full|smoke] [--connections N] [--threads N]
//                 [--server-threads N] [--duration SECONDS] [--warmup SECONDS]
//                 [--prism PRISM_BIN | --no-prism REASON] [--out FILE]
//                 [--http-only] [--mock-courier PATH] [--compare LABEL=PATH]...
//                 [--rounds N]
//
// --http-only runs only the HTTP rows (ceiling, mock-courier, comparisons).
// --rounds N (3; 1 at the smoke scale) loads every server N times, in an order
// that rotates each round, and judges the targets on the medians of the rounds: on a machine whose
// speed drifts (a shared virtual machine), one ceiling run and one mock run a
// few seconds apart can differ by a quarter for no reason of their own.
// --mock-courier replaces the built binary; each --compare runs the same load
// against another mock-courier binary (an older build, or a wrapper script
// that preloads another allocator) in the same rounds, so two builds are
// compared against the same ceiling runs.
//
// 1. Engine: engine_bench (Google Benchmark), read back from its JSON output;
//    the memory under the mixed load (RSS after 1M, 2M and 3M events, after
//    a reset) in a second engine_bench process of its own.
// 2. HTTP ingest: the load generator (http_load.h) against the bare
//    cpp-httplib ceiling and against mock-courier, POST /inbound/segment with
//    distinct Segment events; ratio mock/ceiling.
// 3. Peer: the same load against Prism mocking bench/openapi.yaml, when a
//    Prism binary is given; ratio mock/Prism.
// 4. Startup: exec to the first 200 from /_mock/health; idle RSS (VmRSS).
// 5. Conformance: scenarios per second in-process and over HTTP.
//
// Everything stays on 127.0.0.1 with ports picked by the kernel, and every
// step is bounded in time. The smoke scale uses tiny sizes and short runs; no
// speed is asserted anywhere. Exit status 1 only when a step could not run at
// all (a missing binary, a server that never came up); Prism being absent is
// a skipped row, not a failure.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "http_load.h"
#include "mock_courier/conformance/runner.h"
#include "mock_courier/conformance/scenario.h"
#include "mock_courier/conformance/target.h"
#include "processes.h"
#include "segment_events.h"

namespace {

namespace fs = std::filesystem;
using mock_courier::bench::ChildProcess;
using mock_courier::bench::LoadOptions;
using mock_courier::bench::LoadResult;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

struct Options {
  bool smoke = false;
  int connections = 32;
  int threads = 2;
  int server_threads = 64;  // HTTP worker threads of both servers (same for both).
  double duration = 10;
  double warmup = 2;
  std::string prism;         // Prism executable; "" = skip the peer rows.
  std::string prism_reason;  // Why Prism is skipped, for the table.
  std::string out;           // Also write the table here.
  bool http_only = false;    // Only the HTTP rows.
  // Other mock-courier binaries to load the same way: (label, path).
  std::vector<std::pair<std::string, std::string>> compare;
  int rounds = 3;  // Loads of each HTTP server; targets judged on the medians (smoke: 1).
  // Where things are (set at build time, overridable for ad-hoc runs).
  std::string engine_bench = MOCK_COURIER_BENCH_ENGINE_BENCH;
  std::string mock_courier = MOCK_COURIER_BENCH_MOCK_COURIER;
  std::string ceiling = MOCK_COURIER_BENCH_CEILING;
  std::string bench_dir = MOCK_COURIER_BENCH_DIR;
  std::string fixtures_dir = MOCK_COURIER_BENCH_FIXTURES;
};

struct Row {
  std::string area;
  std::string measurement;
  std::string result;
  std::string target;
  std::string verdict;
};

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

// 1234567.8 -> "1,234,568"
std::string Grouped(double value) {
  auto n = static_cast<long long>(std::llround(value));
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

// The middle value (the mean of the two middle ones for an even count); 0
// for none.
double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string Fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

class Bench {
 public:
  explicit Bench(Options options) : o_(std::move(options)) {}

  int Run() {
    if (!o_.http_only) RunEngine();
    // The servers loaded: the ceiling (no path), mock-courier, comparisons.
    std::vector<std::pair<std::string, std::string>> servers = {{"ceiling", ""},
                                                                {"mock-courier", o_.mock_courier}};
    servers.insert(servers.end(), o_.compare.begin(), o_.compare.end());
    std::vector<std::vector<LoadResult>> results(servers.size());
    for (int round = 0; round < o_.rounds; ++round) {
      const std::string suffix =
          o_.rounds == 1 ? ""
                         : ", round " + std::to_string(round + 1) + "/" + std::to_string(o_.rounds);
      for (std::size_t k = 0; k < servers.size(); ++k) {
        const std::size_t i = (k + static_cast<std::size_t>(round)) % servers.size();
        const auto& [label, path] = servers[i];
        results[i].push_back(path.empty() ? RunCeiling(suffix) : RunMockLoad(path, label, suffix));
      }
    }
    for (std::size_t i = 1; i < servers.size(); ++i) {
      AddRatioRows(results[0], results[i], servers[i].first);
    }
    if (!o_.http_only) {
      // Prism is compared with mock-courier's median req/s.
      std::vector<double> mock_rates;
      for (const LoadResult& r : results[1]) mock_rates.push_back(r.requests_per_second);
      RunPrism(Median(mock_rates));
      RunStartup();
      RunConformance();
    }
    PrintTable();
    return failed_ ? 1 : 0;
  }

 private:
  void Progress(const std::string& text) {
    std::cerr << "courier-bench [" << Fixed(Seconds(SteadyClock::now() - started_), 1)
              << " s]: " << text << std::endl;
  }

  void Fail(const std::string& area, const std::string& what) {
    failed_ = true;
    Progress("FAILED " + area + ": " + what);
    rows_.push_back({area, what, "did not run", "", "error"});
  }

  std::string Verdict(bool met) const {
    if (o_.smoke) return "n/a (smoke)";
    return met ? "met" : "MISSED";
  }

  // ---- 1. Engine -----------------------------------------------------------
  // Runs engine_bench with `filter` in a process of its own; its benchmarks'
  // JSON results, or null when it failed (then a failed row says so).
  json RunEngineBench(const std::string& filter) {
    fs::path out = fs::temp_directory_path() /
                   ("courier-bench-engine-" + std::to_string(::getpid()) + ".json");
    ChildProcess child;
    std::vector<std::string> argv = {o_.engine_bench, o_.smoke ? "--scale=smoke" : "--scale=full",
                                     "--benchmark_filter=" + filter,
                                     "--benchmark_out=" + out.string(),
                                     "--benchmark_out_format=json"};
    if (!child.Start(argv, ChildProcess::Output::kToStderr)) {
      Fail("engine", child.error());
      return nullptr;
    }
    int rc = child.Wait(o_.smoke ? 120000 : 900000);
    std::ifstream in(out);
    json report = json::parse(in, nullptr, false);
    std::error_code ec;
    fs::remove(out, ec);
    if (rc != 0 || report.is_discarded() || !report.contains("benchmarks")) {
      Fail("engine", "engine_bench exited with " + std::to_string(rc));
      return nullptr;
    }
    return std::move(report["benchmarks"]);
  }

  void RunEngine() {
    Progress("engine benchmarks (engine_bench)");
    // The mixed-load memory run measures RSS from the process's idle level,
    // so it runs alone: after the other benchmarks the heap already holds
    // what they freed, and the load would seem to cost nothing.
    json benchmarks = RunEngineBench("-memory/mixed_retention");
    if (benchmarks.is_null()) return;
    Progress("engine memory under the mixed load (engine_bench, its own process)");
    json mixed = RunEngineBench("memory/mixed_retention");
    if (mixed.is_array()) {
      for (json& b : mixed) benchmarks.push_back(std::move(b));
    }
    for (const json& b : benchmarks) {
      const std::string name = b.value("name", "");
      const double rate = b.value("items_per_second", 0.0);
      auto errors = [&] {
        double e = b.value("errors", 0.0);
        return e > 0 ? " (" + Grouped(e) + " errors)" : std::string();
      };
      // Allocation counts do not vary with machine load: they compare builds.
      auto allocations = [&](const std::string& unit) {
        if (!b.contains("allocs_per_item")) return std::string();
        return "; " + Fixed(b.value("allocs_per_item", 0.0), 0) + " allocations, " +
               Fixed(b.value("held_bytes_per_item", 0.0) / 1024.0, 1) + " KB held per " + unit;
      };
      if (name.starts_with("track_ingest/no_mapping")) {
        rows_.push_back({"engine", "Segment track ingest, no mapping",
                         Grouped(rate) + " events/s" + errors() + allocations("event"), "", ""});
      } else if (name.starts_with("track_ingest/one_automation")) {
        rows_.push_back({"engine", "Segment track ingest, one automation (delay + send)",
                         Grouped(rate) + " events/s" + errors() + allocations("event"),
                         ">= 300,000 events/s", Verdict(rate >= 300000)});
      } else if (name.starts_with("track_ingest/event_map_send")) {
        rows_.push_back({"engine", "Segment track ingest, event-map send",
                         Grouped(rate) + " events/s" + errors() + allocations("event"), "", ""});
      } else if (name.starts_with("api_ingest/mixed")) {
        rows_.push_back(
            {"engine",
             "Api layer, mixed /inbound/segment bodies (parse + route + engine, no socket)",
             Grouped(rate) + " req/s" + errors() + allocations("request"), "", ""});
      } else if (name.starts_with("identify_merge/")) {
        rows_.push_back({"engine",
                         "identify merge into " + Grouped(b.value("profiles", 0.0)) + " profiles",
                         Grouped(rate) + " merges/s" + errors(), "", ""});
      } else if (name.starts_with("advance_clock/")) {
        const double seconds = b.value("real_time", 0.0) / 1000.0;  // Unit: ms.
        const double pending = b.value("pending", 0.0);
        const double full_equivalent = pending > 0 ? seconds * 1e6 / pending : 0;
        std::string result = Fixed(seconds, 3) + " s for " + Grouped(pending) + " delays (" +
                             Grouped(b.value("fired", 0.0)) +
                             " timers fired); linear to 1M: " + Fixed(full_equivalent, 1) + " s" +
                             allocations("fired run");
        rows_.push_back({"engine", "advance the clock over 1,000,000 pending delays", result,
                         "<= 5 s", Verdict(full_equivalent <= 5.0)});
      } else if (name.starts_with("memory/profiles")) {
        rows_.push_back({"engine", "memory per 100k profiles",
                         Fixed(b.value("MB_per_100k_profiles", 0.0), 1) + " MB allocated (RSS +" +
                             Fixed(b.value("RSS_MB_per_100k_profiles", 0.0), 1) + " MB)",
                         "", ""});
      } else if (name.starts_with("memory/mixed_retention")) {
        AddMixedMemoryRows(b);
      } else if (name.starts_with("memory/pending_runs")) {
        rows_.push_back({"engine",
                         "memory per 1M pending runs (measured at the advance size, scaled)",
                         Fixed(b.value("MB_per_1M_runs", 0.0), 0) + " MB allocated (RSS +" +
                             Fixed(b.value("RSS_MB_per_1M_runs", 0.0), 0) + " MB)",
                         "", ""});
      }
    }
  }

  // Issue 10's memory rows: RSS after 1M events of the HTTP mix with the
  // default retention, what a second (and third) million add, and RSS after
  // a reset against the idle RSS (engine_bench's memory/mixed_retention).
  void AddMixedMemoryRows(const json& b) {
    const double events = b.value("events_per_batch", 0.0);
    const double idle = b.value("RSS_MB_idle", 0.0);
    const double first = b.value("RSS_MB_first", 0.0);
    const double growth = b.value("second_growth_pct", 0.0);
    const double reset = b.value("RSS_MB_after_reset", 0.0);
    const std::string batch = Grouped(events) + " mixed events";
    rows_.push_back({"engine", "RSS after " + batch + ", default retention",
                     Fixed(first, 1) + " MB (idle " + Fixed(idle, 1) + " MB)", "<= 400 MB",
                     Verdict(first <= 400)});
    rows_.push_back({"engine", "RSS a second (and third) " + batch + " add",
                     Fixed(b.value("RSS_MB_second", 0.0), 1) + " MB (+" + Fixed(growth, 2) +
                         " %); third " + Fixed(b.value("RSS_MB_third", 0.0), 1) + " MB (+" +
                         Fixed(b.value("third_growth_pct", 0.0), 2) + " %)",
                     "< 10 %", Verdict(growth < 10)});
    rows_.push_back({"engine", "RSS after a reset", Fixed(reset, 1) + " MB",
                     "<= 2x idle (" + Fixed(2 * idle, 1) + " MB)", Verdict(reset <= 2 * idle)});
  }

  // ---- 2. HTTP ingest ------------------------------------------------------
  LoadOptions Load(int port) const {
    LoadOptions load;
    load.port = port;
    load.path = "/inbound/segment";
    load.headers = {{"Authorization", std::string("Bearer ") + mock_courier::bench::kBenchApiKey}};
    load.connections = o_.connections;
    load.threads = o_.threads;
    load.duration_seconds = o_.duration;
    load.warmup_seconds = o_.warmup;
    return load;
  }

  std::string Describe(const LoadResult& r) const {
    std::string text = Grouped(r.requests_per_second) + " req/s; p50 " + Fixed(r.p50_ms, 2) +
                       " ms, p99 " + Fixed(r.p99_ms, 2) + " ms, max " + Fixed(r.max_ms, 1) +
                       " ms; " + Grouped(static_cast<double>(r.errors())) + " errors";
    if (!r.first_error.empty()) text += " (" + r.first_error + ")";
    return text;
  }

  std::string LoadShape() const {
    return std::to_string(o_.connections) + " conns, " + std::to_string(o_.threads) +
           " load threads, " + Fixed(o_.duration, 1) + " s, " + std::to_string(o_.server_threads) +
           " server threads";
  }

  // Starts a server that prints "... listening on http://127.0.0.1:PORT" first.
  int StartServer(ChildProcess& child, const std::vector<std::string>& argv,
                  const std::string& area) {
    if (!child.Start(argv, ChildProcess::Output::kCapture)) {
      Fail(area, child.error());
      return -1;
    }
    auto line = child.ReadLine(10000);
    std::size_t colon = line ? line->rfind(':') : std::string::npos;
    if (!line || colon == std::string::npos) {
      Fail(area, argv[0] + " printed no listening line");
      return -1;
    }
    return std::atoi(line->c_str() + colon + 1);
  }

  LoadResult RunCeiling(const std::string& suffix = "") {
    Progress("HTTP load against the bare cpp-httplib ceiling");
    ChildProcess server;
    int port =
        StartServer(server, {o_.ceiling, "--threads", std::to_string(o_.server_threads)}, "http");
    if (port <= 0) return {};
    LoadResult r = mock_courier::bench::RunLoad(Load(port), bodies_);
    rows_.push_back({"http",
                     "ceiling: bare cpp-httplib, parse JSON + 202 (" + LoadShape() + suffix + ")",
                     Describe(r), "", ""});
    return r;
  }

  LoadResult RunMockLoad(const std::string& binary, const std::string& label,
                         const std::string& suffix = "") {
    Progress("HTTP load against " + label);
    ChildProcess server;
    int port = StartServer(
        server,
        {binary, "--port", "0", "--log-format", "off", "--threads",
         std::to_string(o_.server_threads), "--workspace", o_.bench_dir + "/workspace.json"},
        "http");
    if (port <= 0) return {};
    LoadResult r = mock_courier::bench::RunLoad(Load(port), bodies_);
    const double rss = static_cast<double>(mock_courier::bench::ProcessRss(server.pid())) / 1e6;
    // Reset gives the load's records back to the OS (issue 10): RSS after a
    // POST /_mock/reset, read after a short pause. What stays is mostly
    // glibc's per-thread caches and arenas (bench/README, "Engine v2, fourth
    // steps").
    httplib::Client admin("127.0.0.1", port);
    auto reset = admin.Post("/_mock/reset", "", "application/json");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const double rss_reset =
        static_cast<double>(mock_courier::bench::ProcessRss(server.pid())) / 1e6;
    rows_.push_back({"http", label + " POST /inbound/segment (" + LoadShape() + suffix + ")",
                     Describe(r) + "; RSS after " + Fixed(rss, 0) + " MB, after reset " +
                         (reset && reset->status == 200 ? Fixed(rss_reset, 0) + " MB"
                                                        : std::string("(reset failed)")),
                     "", ""});
    return r;
  }

  // Issue 10's targets: >= 0.6x the ceiling's req/s, and p99 <= max(3x the
  // ceiling's p99, 5 ms), at 32 connections, same run. With several rounds,
  // each round's ratio is that round's mock run over its ceiling run, and
  // the verdicts take the medians (the rounds are listed).
  void AddRatioRows(const std::vector<LoadResult>& ceilings, const std::vector<LoadResult>& mocks,
                    const std::string& label) {
    std::vector<double> ratios;
    std::vector<double> p99s;
    std::vector<double> ceiling_p99s;
    for (std::size_t r = 0; r < ceilings.size() && r < mocks.size(); ++r) {
      if (ceilings[r].requests_per_second <= 0 || mocks[r].requests == 0) continue;
      ratios.push_back(mocks[r].requests_per_second / ceilings[r].requests_per_second);
      p99s.push_back(mocks[r].p99_ms);
      ceiling_p99s.push_back(ceilings[r].p99_ms);
    }
    if (ratios.empty()) return;
    const auto listed = [&](const std::vector<double>& v, int decimals, const char* unit) {
      if (v.size() < 2) return std::string();
      std::string out = " (median of " + std::to_string(v.size()) + " rounds:";
      for (double x : v) {
        out += ' ';
        out += Fixed(x, decimals);
        out += unit;
      }
      out += ')';
      return out;
    };
    const double ratio = Median(ratios);
    rows_.push_back({"http", "ratio " + label + " / ceiling (req/s)",
                     Fixed(ratio, 2) + "x" + listed(ratios, 2, "x"), ">= 0.6x",
                     Verdict(ratio >= 0.6)});
    const double p99 = Median(p99s);
    const double ceiling_p99 = Median(ceiling_p99s);
    const double p99_limit = std::max(3 * ceiling_p99, 5.0);
    rows_.push_back(
        {"http", label + " p99 against the ceiling's",
         Fixed(p99, 2) + " ms (ceiling " + Fixed(ceiling_p99, 2) + " ms)" + listed(p99s, 2, " ms"),
         "<= " + Fixed(p99_limit, 2) + " ms", Verdict(p99 <= p99_limit)});
  }

  // ---- 3. Prism ------------------------------------------------------------
  void RunPrism(double mock_requests_per_second) {
    if (o_.prism.empty()) {
      std::string why = o_.prism_reason.empty() ? "no --prism given" : o_.prism_reason;
      Progress("Prism skipped: " + why);
      rows_.push_back({"peer", "Prism (-v error), same load", "skipped: " + why, "", "skipped"});
      return;
    }
    Progress("HTTP load against Prism");
    int port = mock_courier::bench::FreeLoopbackPort();
    ChildProcess prism;
    if (!prism.Start({o_.prism, "mock", "-h", "127.0.0.1", "-p", std::to_string(port), "-v",
                      "error", o_.bench_dir + "/openapi.yaml"},
                     ChildProcess::Output::kDiscard)) {
      rows_.push_back({"peer", "Prism (-v error)", "skipped: " + prism.error(), "", "skipped"});
      return;
    }
    // Prism prints nothing at -v error: poll until it answers a valid event.
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(0, 200000);
    std::string body;
    bodies_.Fill(999999, 0, body);
    httplib::Headers auth = {{"Authorization", "Bearer bench-key"}};
    bool ready = false;
    auto deadline = SteadyClock::now() + std::chrono::seconds(60);
    while (!ready && SteadyClock::now() < deadline) {
      auto res = client.Post("/inbound/segment", auth, body, "application/json");
      ready = res && res->status == 202;
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!ready) {
      rows_.push_back({"peer", "Prism (-v error)", "skipped: Prism did not answer 202 within 60 s",
                       "", "skipped"});
      return;
    }
    LoadResult r = mock_courier::bench::RunLoad(Load(port), bodies_);
    rows_.push_back({"peer", "Prism " + PrismVersion() + " -v error (" + LoadShape() + ")",
                     Describe(r), "", ""});
    if (r.requests_per_second > 0) {
      double ratio = mock_requests_per_second / r.requests_per_second;
      rows_.push_back({"peer", "ratio mock-courier / Prism (req/s)", Fixed(ratio, 1) + "x", ">= 5x",
                       Verdict(ratio >= 5.0)});
    }
  }

  std::string PrismVersion() const {
    // <prefix>/node_modules/.bin/prism -> <prefix>/node_modules/@stoplight/prism-cli/package.json
    fs::path package = fs::path(o_.prism).parent_path().parent_path() / "@stoplight" / "prism-cli" /
                       "package.json";
    std::ifstream in(package);
    json p = json::parse(in, nullptr, false);
    return p.is_object() ? p.value("version", "") : "";
  }

  // ---- 4. Startup ----------------------------------------------------------
  void RunStartup() {
    Progress("startup and idle RSS");
    const int runs = o_.smoke ? 2 : 15;
    std::vector<double> startup_ms;
    std::vector<double> rss_mb;
    for (int i = 0; i < runs; ++i) {
      ChildProcess server;
      auto t0 = SteadyClock::now();
      int port = StartServer(server,
                             {o_.mock_courier, "--port", "0", "--log-format", "off", "--workspace",
                              o_.fixtures_dir + "/workspaces/demo.json"},
                             "startup");
      if (port <= 0) return;
      httplib::Client client("127.0.0.1", port);
      bool healthy = false;
      while (!healthy && SteadyClock::now() - t0 < std::chrono::seconds(10)) {
        auto res = client.Get("/_mock/health");
        healthy = res && res->status == 200;
      }
      if (!healthy) return Fail("startup", "/_mock/health never answered 200");
      startup_ms.push_back(Seconds(SteadyClock::now() - t0) * 1000);
      std::this_thread::sleep_for(std::chrono::milliseconds(o_.smoke ? 50 : 300));
      rss_mb.push_back(static_cast<double>(mock_courier::bench::ProcessRss(server.pid())) / 1e6);
    }
    std::sort(startup_ms.begin(), startup_ms.end());
    std::sort(rss_mb.begin(), rss_mb.end());
    double startup = startup_ms[startup_ms.size() / 2];
    double rss = rss_mb[rss_mb.size() / 2];
    rows_.push_back({"startup",
                     "exec to first 200 from /_mock/health (median of " + std::to_string(runs) +
                         ", demo workspace)",
                     Fixed(startup, 1) + " ms (min " + Fixed(startup_ms.front(), 1) + ", max " +
                         Fixed(startup_ms.back(), 1) + ")",
                     "< 50 ms", Verdict(startup < 50)});
    rows_.push_back({"startup", "idle RSS (VmRSS after health)", Fixed(rss, 1) + " MB", "< 20 MB",
                     Verdict(rss < 20)});
  }

  // ---- 5. Conformance ------------------------------------------------------
  void RunConformance() {
    Progress("conformance scenarios");
    namespace conformance = mock_courier::conformance;
    auto files = conformance::LoadScenarioTree(o_.fixtures_dir + "/scenarios",
                                               o_.fixtures_dir + "/workspaces");
    std::vector<conformance::Scenario> scenarios;
    for (auto& f : files) {
      if (f.scenario) scenarios.push_back(std::move(*f.scenario));
    }
    if (scenarios.empty()) return Fail("conformance", "no scenario loaded");
    if (o_.smoke) scenarios.resize(std::min<std::size_t>(scenarios.size(), 5));
    const double budget = o_.smoke ? 0 : 5;

    auto in_process = conformance::MakeInProcessTarget();
    AddConformanceRow("in-process (Api called directly)", scenarios, *in_process, budget);

    ChildProcess server;
    int port =
        StartServer(server, {o_.mock_courier, "--port", "0", "--log-format", "off"}, "conformance");
    if (port <= 0) return;
    auto http = conformance::MakeHttpTarget("http://127.0.0.1:" + std::to_string(port));
    AddConformanceRow("over HTTP (mock-courier binary)", scenarios, *http, budget);
  }

  // Runs whole passes over `scenarios` until `budget` seconds have passed (at
  // least one pass).
  void AddConformanceRow(const std::string& how,
                         const std::vector<mock_courier::conformance::Scenario>& scenarios,
                         mock_courier::conformance::Target& target, double budget) {
    std::size_t runs = 0;
    std::size_t passed_first_pass = 0;
    std::string failed;  // The first pass's failures, by scenario name.
    auto start = SteadyClock::now();
    do {
      for (const auto& s : scenarios) {
        json result = mock_courier::conformance::RunScenario(s, target);
        if (runs < scenarios.size()) {
          if (result.value("status", "") == "passed") {
            ++passed_first_pass;
          } else {
            failed += (failed.empty() ? "; failed: " : ", ") + s.name;
          }
        }
        ++runs;
      }
    } while (Seconds(SteadyClock::now() - start) < budget);
    double seconds = Seconds(SteadyClock::now() - start);
    rows_.push_back({"conformance", "scenarios " + how,
                     Fixed(static_cast<double>(runs) / seconds, 0) + " scenarios/s (" +
                         std::to_string(runs) + " runs; first pass " +
                         std::to_string(passed_first_pass) + "/" +
                         std::to_string(scenarios.size()) + " passed" + failed + ")",
                     "", ""});
  }

  // ---- Output --------------------------------------------------------------
  static std::string Machine() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    std::string model = "unknown CPU";
    while (std::getline(cpuinfo, line)) {
      if (line.rfind("model name", 0) == 0) {
        model = line.substr(line.find(':') + 2);
        break;
      }
    }
    std::ifstream meminfo("/proc/meminfo");
    double mem_gib = 0;
    while (std::getline(meminfo, line)) {
      if (line.rfind("MemTotal:", 0) == 0) mem_gib = std::stod(line.substr(9)) / 1048576.0;
    }
    return std::to_string(std::thread::hardware_concurrency()) + " CPUs (" + model + "), " +
           Fixed(mem_gib, 1) + " GiB RAM";
  }

  void PrintTable() {
    std::ostringstream out;
    out << "courier-bench, scale " << (o_.smoke ? "smoke (tiny sizes, no targets judged)" : "full")
        << "; " << Machine() << "\n\n";
    out << "| Area | Measurement | Result | Target | Verdict |\n";
    out << "|---|---|---|---|---|\n";
    for (const Row& r : rows_) {
      out << "| " << r.area << " | " << r.measurement << " | " << r.result << " | "
          << (r.target.empty() ? "—" : r.target) << " | " << (r.verdict.empty() ? "—" : r.verdict)
          << " |\n";
    }
    std::cout << out.str() << std::flush;
    if (!o_.out.empty()) {
      std::ofstream file(o_.out);
      file << out.str();
    }
  }

  Options o_;
  mock_courier::bench::SegmentBodySource bodies_;
  std::vector<Row> rows_;
  bool failed_ = false;
  SteadyClock::time_point started_ = SteadyClock::now();
};

int Usage(const std::string& error) {
  std::cerr << "courier-bench: " << error << "\n"
            << "usage: courier-bench [--scale full|smoke] [--connections N] [--threads N]\n"
            << "         [--server-threads N] [--duration SECONDS] [--warmup SECONDS]\n"
            << "         [--prism PRISM_BIN | --no-prism REASON] [--out FILE]\n"
            << "         [--http-only] [--mock-courier PATH] [--compare LABEL=PATH]...\n"
            << "         [--rounds N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  bool duration_set = false;
  bool rounds_set = false;
  bool warmup_set = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    const std::string* v = nullptr;
    if (a == "--scale" && (v = value())) {
      if (*v != "full" && *v != "smoke") return Usage("--scale is full or smoke");
      o.smoke = *v == "smoke";
    } else if (a == "--connections" && (v = value())) {
      o.connections = std::atoi(v->c_str());
    } else if (a == "--threads" && (v = value())) {
      o.threads = std::atoi(v->c_str());
    } else if (a == "--server-threads" && (v = value())) {
      o.server_threads = std::atoi(v->c_str());
    } else if (a == "--duration" && (v = value())) {
      o.duration = std::atof(v->c_str());
      duration_set = true;
    } else if (a == "--warmup" && (v = value())) {
      o.warmup = std::atof(v->c_str());
      warmup_set = true;
    } else if (a == "--prism" && (v = value())) {
      o.prism = *v;
    } else if (a == "--no-prism" && (v = value())) {
      o.prism.clear();
      o.prism_reason = *v;
    } else if (a == "--out" && (v = value())) {
      o.out = *v;
    } else if (a == "--http-only") {
      o.http_only = true;
    } else if (a == "--mock-courier" && (v = value())) {
      o.mock_courier = *v;
    } else if (a == "--rounds" && (v = value())) {
      o.rounds = std::atoi(v->c_str());
      rounds_set = true;
      if (o.rounds < 1 || o.rounds > 20) return Usage("--rounds is 1 to 20");
    } else if (a == "--compare" && (v = value())) {
      std::size_t eq = v->find('=');
      if (eq == 0 || eq == std::string::npos || eq + 1 == v->size()) {
        return Usage("--compare takes LABEL=PATH");
      }
      o.compare.emplace_back(v->substr(0, eq), v->substr(eq + 1));
    } else {
      return Usage("unknown or incomplete option '" + a + "'");
    }
  }
  if (o.smoke) {
    if (!duration_set) o.duration = 0.5;
    if (!warmup_set) o.warmup = 0.2;
    if (!rounds_set) o.rounds = 1;
  }
  if (o.connections < 1 || o.threads < 1 || o.server_threads < 1 || o.duration <= 0 ||
      o.duration > 600 || o.warmup < 0 || o.warmup > 60) {
    return Usage("connections and threads >= 1, 0 < duration <= 600 s, 0 <= warmup <= 60 s");
  }
  return Bench(std::move(o)).Run();
}
