// mock-courier: flags and wiring only. Every behaviour lives in
// mock_courier::engine, mock_courier::api and mock_courier::server.
//
// A bad flag or workspace file prints one line naming the problem and exits
// with code 2. SIGINT/SIGTERM stop the server gracefully (bounded).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include "mock_courier/clock.h"
#include "mock_courier/engine.h"
#include "mock_courier/json_parse.h"
#include "mock_courier/server/server.h"
#include "mock_courier/time_format.h"

#ifndef MOCK_COURIER_VERSION
#define MOCK_COURIER_VERSION "0.0.0"
#endif

namespace {

namespace fs = std::filesystem;
using mock_courier::Json;

constexpr const char* kUsage = R"(Usage: mock-courier [flags]

A local, faithful stand-in for the Courier API and the Segment pipeline in front of it.
Every flag also reads an environment variable (the flag wins).

  --host HOST            Address to bind (MOCK_COURIER_HOST, default 127.0.0.1)
  --port N               Port; 0 picks a free one (MOCK_COURIER_PORT, default 0)
  --workspace FILE       Load a workspace file; repeatable
                         (MOCK_COURIER_WORKSPACE, several separated by ':')
  --fixtures DIR         Load every *.json in DIR/workspaces (or DIR) (MOCK_COURIER_FIXTURES)
  --clock MODE           virtual (moves only through the admin API) or real
                         (MOCK_COURIER_CLOCK, default virtual)
  --time-scale N         Real clock speed-up, e.g. 3600 = one hour per second
                         (MOCK_COURIER_TIME_SCALE, default 1)
  --start-time TIME      Initial mock time, ISO-8601 or epoch ms
                         (MOCK_COURIER_START_TIME, default now)
  --seed N               Id generator seed (MOCK_COURIER_SEED, default 0)
  --segment-url URL      Deliver Courier's outbound Segment calls to URL/v1/batch
                         instead of the built-in fake (MOCK_COURIER_SEGMENT_URL)
  --segment-max-attempts N  Tries per outbound batch (MOCK_COURIER_SEGMENT_MAX_ATTEMPTS, default 5)
  --segment-backoff-ms N Backoff base between tries (MOCK_COURIER_SEGMENT_BACKOFF_MS, default 500)
  --processing-latency DURATION  Time between accepting a request (send, inbound event,
                         invoke, profile write) and processing its effects, on
                         the mock clock: "1 second", "PT2S" or ms; 0 = at once
                         (MOCK_COURIER_PROCESSING_LATENCY, default 0)
  --segment-duplicate-rate R  Probability 0..1 that the fake Segment API relays an event
                         twice, same messageId (MOCK_COURIER_SEGMENT_DUPLICATE_RATE, default 0)
  --segment-reorder-window DURATION  Hold each relayed event a seeded random time up to
                         this, so events arrive shuffled (MOCK_COURIER_SEGMENT_REORDER_WINDOW,
                         default 0 = in order)
  --segment-failure-rate R  Probability 0..1 that one relay attempt fails (simulated 500,
                         408 or 429) and is retried with backoff (MOCK_COURIER_SEGMENT_FAILURE_RATE,
                         default 0)
  --segment-retry-window DURATION  How long a failed relay is retried before it is
                         dropped (MOCK_COURIER_SEGMENT_RETRY_WINDOW, default "4 hours"; 0 = never)
  --admin-token TOKEN    Require this token on /_mock/ (MOCK_COURIER_ADMIN_TOKEN)
  --log-format FORMAT    Access log on stderr: text, json or off
                         (MOCK_COURIER_LOG_FORMAT, default text)
  --threads N            HTTP worker threads started up front; more start on demand;
                         0 = 16 (MOCK_COURIER_THREADS)
  --retention SPEC       Finished items each workspace keeps: N for every kind, or
                         KIND=N,... over the defaults messages=5000,runs=5000,
                         journal=10000,outbox=10000,received=10000; 0 = unlimited
                         (MOCK_COURIER_RETENTION)
  --max-connections N    Connections served at once (one thread each); past it the
                         server answers 503 + Retry-After (MOCK_COURIER_MAX_CONNECTIONS,
                         default 1024)
  --help                 Print this help
  --version              Print the version
)";

[[noreturn]] void Fail(const std::string& problem) {
  std::fprintf(stderr, "mock-courier: %s\n", problem.c_str());
  std::exit(2);
}

struct Flags {
  std::string host = "127.0.0.1";
  int port = 0;
  std::vector<std::string> workspaces;
  std::string fixtures;
  std::string clock = "virtual";
  double time_scale = 1.0;
  std::optional<mock_courier::TimePoint> start_time;
  std::uint64_t seed = 0;
  std::string segment_url;
  int segment_max_attempts = 5;
  int segment_backoff_ms = 500;
  mock_courier::Duration processing_latency = 0;
  mock_courier::SegmentDelivery segment_delivery;
  std::string admin_token;
  std::string log_format = "text";
  int threads = 0;
  mock_courier::Retention retention;
  int max_connections = 1024;
};

long long ParseInteger(const std::string& flag, const std::string& text, long long min,
                       long long max) {
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < min || value > max) {
    Fail(flag + " expects an integer from " + std::to_string(min) + " to " + std::to_string(max) +
         ", got '" + text + "'");
  }
  return value;
}

// Applies one flag; `flag` is the long name without dashes.
void Apply(Flags& f, const std::string& flag, const std::string& value) {
  const std::string shown = "--" + flag;
  if (flag == "host") {
    if (value.empty()) Fail("--host must not be empty");
    f.host = value;
  } else if (flag == "port") {
    f.port = static_cast<int>(ParseInteger(shown, value, 0, 65535));
  } else if (flag == "workspace") {
    f.workspaces.push_back(value);
  } else if (flag == "fixtures") {
    f.fixtures = value;
  } else if (flag == "clock") {
    if (value != "virtual" && value != "real")
      Fail("--clock must be virtual or real, got '" + value + "'");
    f.clock = value;
  } else if (flag == "time-scale") {
    char* end = nullptr;
    double scale = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !(scale > 0)) {
      Fail("--time-scale expects a number > 0, got '" + value + "'");
    }
    f.time_scale = scale;
  } else if (flag == "start-time") {
    if (auto t = mock_courier::ParseIso8601(value)) {
      f.start_time = *t;
    } else if (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos) {
      f.start_time = ParseInteger(shown, value, 0, 253402300799999LL);
    } else {
      Fail("--start-time expects an ISO-8601 time (2026-11-23T08:00:00Z) or epoch ms, got '" +
           value + "'");
    }
  } else if (flag == "seed") {
    f.seed = static_cast<std::uint64_t>(ParseInteger(shown, value, 0, INT64_MAX));
  } else if (flag == "segment-url") {
    if (!value.empty() && !value.starts_with("http://") && !value.starts_with("https://")) {
      Fail("--segment-url must start with http:// or https://, got '" + value + "'");
    }
    f.segment_url = value;
  } else if (flag == "segment-max-attempts") {
    f.segment_max_attempts = static_cast<int>(ParseInteger(shown, value, 1, 100));
  } else if (flag == "segment-backoff-ms") {
    f.segment_backoff_ms = static_cast<int>(ParseInteger(shown, value, 0, 3600000));
  } else if (flag == "processing-latency") {
    auto latency = mock_courier::ParseDuration(value);
    if (!latency || *latency < 0 || *latency > 365 * mock_courier::kDay) {
      Fail(shown +
           " expects a duration such as \"1 second\", \"PT2S\" or milliseconds, at most "
           "a year, not '" +
           value + "'");
    }
    f.processing_latency = *latency;
  } else if (flag == "segment-duplicate-rate") {
    char* end = nullptr;
    const double rate = std::strtod(value.c_str(), &end);
    if (value.empty() || end == nullptr || *end != '\0' || !(rate >= 0 && rate <= 1)) {
      Fail(shown + " expects a probability from 0 to 1, not '" + value + "'");
    }
    f.segment_delivery.duplicate_rate = rate;
  } else if (flag == "segment-failure-rate") {
    char* end = nullptr;
    const double rate = std::strtod(value.c_str(), &end);
    if (value.empty() || end == nullptr || *end != '\0' || !(rate >= 0 && rate <= 1)) {
      Fail(shown + " expects a probability from 0 to 1, not '" + value + "'");
    }
    f.segment_delivery.failure_rate = rate;
  } else if (flag == "segment-retry-window") {
    auto window = mock_courier::ParseDuration(value);
    if (!window || *window < 0 || *window > mock_courier::kDay) {
      Fail(shown + " expects a duration of at most a day, such as \"4 hours\", not '" + value +
           "'");
    }
    f.segment_delivery.retry_window = *window;
  } else if (flag == "segment-reorder-window") {
    auto window = mock_courier::ParseDuration(value);
    if (!window || *window < 0 || *window > mock_courier::kDay) {
      Fail(shown + " expects a duration of at most a day, such as \"10 seconds\", not '" + value +
           "'");
    }
    f.segment_delivery.reorder_window = *window;
  } else if (flag == "admin-token") {
    f.admin_token = value;
  } else if (flag == "log-format") {
    if (value != "text" && value != "json" && value != "off") {
      Fail("--log-format must be text, json or off, got '" + value + "'");
    }
    f.log_format = value;
  } else if (flag == "threads") {
    f.threads = static_cast<int>(ParseInteger(shown, value, 0, 1024));
  } else if (flag == "retention") {
    auto retention = mock_courier::ParseRetention(value);
    if (!retention.ok()) Fail("--" + retention.status().message());
    f.retention = *retention;
  } else if (flag == "max-connections") {
    f.max_connections = static_cast<int>(ParseInteger(shown, value, 1, 16384));
  } else {
    Fail("unknown flag --" + flag + " (see --help)");
  }
}

const std::vector<std::string>& FlagNames() {
  static const std::vector<std::string> names = {"host",
                                                 "port",
                                                 "workspace",
                                                 "fixtures",
                                                 "clock",
                                                 "time-scale",
                                                 "start-time",
                                                 "seed",
                                                 "segment-url",
                                                 "segment-max-attempts",
                                                 "segment-backoff-ms",
                                                 "processing-latency",
                                                 "segment-duplicate-rate",
                                                 "segment-reorder-window",
                                                 "segment-failure-rate",
                                                 "segment-retry-window",
                                                 "admin-token",
                                                 "log-format",
                                                 "threads",
                                                 "retention",
                                                 "max-connections"};
  return names;
}

// Each connection is a descriptor: lift the soft limit (often 1024) to the
// hard one so --max-connections, not the limit, decides.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
  }
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  // Environment first, so flags override it.
  for (const std::string& name : FlagNames()) {
    std::string env = "MOCK_COURIER_";
    for (char c : name) env += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    const char* value = std::getenv(env.c_str());
    if (value == nullptr || *value == '\0') continue;
    if (name == "workspace") {
      std::stringstream list(value);
      std::string file;
      while (std::getline(list, file, ':')) {
        if (!file.empty()) f.workspaces.push_back(file);
      }
    } else {
      Apply(f, name, value);
    }
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (arg == "--version") {
      std::printf("mock-courier %s\n", MOCK_COURIER_VERSION);
      std::exit(0);
    }
    if (!arg.starts_with("--")) Fail("unexpected argument '" + arg + "' (see --help)");
    std::string name = arg.substr(2);
    std::string value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else {
      if (std::find(FlagNames().begin(), FlagNames().end(), name) == FlagNames().end()) {
        Fail("unknown flag --" + name + " (see --help)");
      }
      if (i + 1 >= argc) Fail("--" + name + " needs a value");
      value = argv[++i];
    }
    Apply(f, name, value);
  }
  return f;
}

void LoadWorkspaceFile(mock_courier::Engine& engine, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) Fail(file + ": cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  // The same limits as request bodies (nesting, UTF-8, finite numbers).
  mock_courier::Result<Json> definition = mock_courier::ParseJson(text.str());
  if (!definition.ok()) Fail(file + ": " + definition.status().message());
  mock_courier::Status status = engine.PutWorkspace(*definition);
  if (!status.ok()) Fail(file + ": " + status.message());
}

std::vector<std::string> FixtureFiles(const std::string& dir) {
  fs::path root(dir);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) Fail("--fixtures " + dir + ": not a directory");
  if (fs::is_directory(root / "workspaces", ec)) root /= "workspaces";
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags = ParseFlags(argc, argv);

  const mock_courier::TimePoint start =
      flags.start_time.value_or(mock_courier::ScaledSystemClock::WallNow() / 1000 * 1000);
  std::unique_ptr<mock_courier::Clock> clock;
  if (flags.clock == "real") {
    clock = std::make_unique<mock_courier::ScaledSystemClock>(start, flags.time_scale);
  } else {
    clock = std::make_unique<mock_courier::ManualClock>(start);
  }
  mock_courier::EngineOptions engine_options;
  engine_options.seed = flags.seed;
  engine_options.retention = flags.retention;
  engine_options.processing_latency = flags.processing_latency;
  engine_options.segment_delivery = flags.segment_delivery;
  // With --segment-url the server's worker delivers outbound calls over HTTP.
  engine_options.deliver_outbound_to_fake_segment = flags.segment_url.empty();
  mock_courier::Engine engine(*clock, engine_options);

  std::vector<std::string> files;
  if (!flags.fixtures.empty()) files = FixtureFiles(flags.fixtures);
  files.insert(files.end(), flags.workspaces.begin(), flags.workspaces.end());
  for (const std::string& file : files) LoadWorkspaceFile(engine, file);

  mock_courier::server::ServerOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.api.admin_token = flags.admin_token;
  options.api.version = MOCK_COURIER_VERSION;
  options.segment_url = flags.segment_url;
  options.segment_max_attempts = flags.segment_max_attempts;
  options.segment_backoff_ms = flags.segment_backoff_ms;
  options.log_format = flags.log_format == "off" ? "" : flags.log_format;
  options.threads = flags.threads;
  options.max_connections = flags.max_connections;
  RaiseOpenFileLimit();

  // Block the stop signals before any thread exists, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  mock_courier::server::Server server(engine, options);
  if (!server.Start()) Fail(server.error());
  std::printf("mock-courier listening on %s\n", server.base_url().c_str());
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "mock-courier: %s, shutting down\n",
               received == SIGINT ? "SIGINT" : "SIGTERM");

  // Graceful, but bounded: a stuck connection must not keep the process alive.
  auto stopped = std::async(std::launch::async, [&server] { server.Stop(); });
  if (stopped.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    std::fprintf(stderr, "mock-courier: shutdown took over 10 s, exiting\n");
    std::fflush(stderr);
    std::_Exit(1);
  }
  return 0;
}
