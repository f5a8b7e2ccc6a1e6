// End to end: the real mock-courier binary, started as the README does (with
// fixtures/workspaces/demo.json), plays the Segment checkout scenario
// (https://www.courier.com/docs/platform/automations/segment: "Checkout Page Visited" starts a
// 2-hour reminder canceled by "Checkout Complete") over HTTP, with the clock advanced through the
// admin API, then stops on SIGTERM.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "request_body.h"

extern char** environ;

namespace mock_courier::server {
namespace {

using nlohmann::json;

// A running mock-courier child process.
class MockCourierProcess {
 public:
  explicit MockCourierProcess(std::vector<std::string> args) {
    int out[2];
    if (pipe(out) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    args.insert(args.begin(), MOCK_COURIER_BINARY);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, MOCK_COURIER_BINARY, &actions, nullptr, argv.data(), environ) != 0)
      pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    stdout_ = fdopen(out[0], "r");
  }
  ~MockCourierProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ != nullptr) std::fclose(stdout_);
  }

  // The first stdout line: "mock-courier listening on http://127.0.0.1:PORT".
  std::string ReadLine() {
    char line[512];
    if (stdout_ == nullptr || std::fgets(line, sizeof line, stdout_) == nullptr) return "";
    std::string text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }

  // Sends SIGTERM and returns the exit status (-1 unless it exited normally).
  int Terminate() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // The base URL from the first stdout line, or "" when the line is not
  // "mock-courier listening on http://127.0.0.1:PORT".
  std::string ReadBaseUrl() {
    const std::string line = ReadLine();
    const std::string prefix = "mock-courier listening on http://127.0.0.1:";
    return line.rfind(prefix, 0) == 0
               ? line.substr(std::string("mock-courier listening on ").size())
               : "";
  }

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::FILE* stdout_ = nullptr;
};

json Track(const std::string& event, const std::string& user, const std::string& message_id,
           json properties) {
  return {{"type", "track"},          {"event", event},
          {"userId", user},           {"messageId", message_id},
          {"properties", properties}, {"timestamp", "2026-01-05T09:00:00.000Z"}};
}

TEST(EndToEndTest, CheckoutScenarioOverHttpWithTheRealBinary) {
  MockCourierProcess process(
      {"--port", "0", "--log-format", "off", "--start-time", "2026-01-05T09:00:00Z", "--workspace",
       std::string(MOCK_COURIER_SOURCE_DIR) + "/fixtures/workspaces/demo.json"});
  ASSERT_TRUE(process.started());
  const std::string url = process.ReadBaseUrl();
  ASSERT_FALSE(url.empty()) << "no 'mock-courier listening on' line";
  httplib::Client client(url);
  client.set_tcp_nodelay(true);
  const httplib::Headers bearer = {{"Authorization", "Bearer demo-key"}};
  auto post = [&](const std::string& path, const json& body, const httplib::Headers& headers) {
    auto res = client.Post(path.c_str(), headers, body.dump(), "application/json");
    return res ? res->status : 0;
  };
  auto get = [&](const std::string& path) {
    auto res = client.Get(path.c_str());
    return res && res->status == 200 ? json::parse(res->body) : json();
  };

  // user-1 visits checkout through the Courier (Actions) destination.
  ASSERT_EQ(post("/inbound/segment",
                 Track("Checkout Page Visited", "user-1", "e2e-1",
                       {{"item", "Shoes"}, {"cart_id", "c1"}}),
                 bearer),
            202);
  // user-2 visits checkout through the app's Segment library, relayed by the
  // fake Segment API from the demo source write key.
  ASSERT_EQ(
      post("/v1/track",
           Track("Checkout Page Visited", "user-2", "e2e-2", {{"item", "Hat"}, {"cart_id", "c2"}}),
           {{"Authorization", "Basic " + Base64Encode("demo-source-write-key:")}}),
      200);
  ASSERT_EQ(post("/_mock/clock/advance", {{"by", "1 hour"}}, {}), 200);
  // user-2 completes checkout (classic destination's Basic key: form).
  ASSERT_EQ(
      post("/inbound/segment",
           Track("Checkout Complete", "user-2", "e2e-3", {{"order_id", "o-2"}, {"total", 30}}),
           {{"Authorization", "Basic " + Base64Encode("demo-key:")}}),
      202);
  ASSERT_EQ(post("/_mock/clock/advance", {{"by", "1 hour"}}, {}), 200);

  // Sends: user-1 got the reminder; user-2 got the invoice and no reminder.
  json messages = get("/_mock/messages?workspace=demo-key")["results"];
  std::vector<std::string> sends;
  for (const json& m : messages)
    sends.push_back(m.value("recipient", "") + ":" + m.value("notification", ""));
  std::sort(sends.begin(), sends.end());
  EXPECT_EQ(sends, (std::vector<std::string>{"user-1:checkout-reminder", "user-2:order-invoice"}))
      << messages.dump(1);

  // Runs: user-2's reminder run was canceled by the token refs.data.userId.
  json runs = get("/_mock/runs?workspace=demo-key")["results"];
  int canceled = 0;
  for (const json& run : runs) canceled += run.value("status", "") == "CANCELED";
  EXPECT_EQ(canceled, 1) << runs.dump(1);

  // Outbound Segment calls reached the built-in fake Segment API.
  json received = get("/_mock/segment/received?write_key=demo-outbound-write-key")["results"];
  std::vector<std::string> outbound;
  for (const json& call : received) {
    outbound.push_back(call["event"].value("userId", "") + ":" + call["event"].value("event", ""));
  }
  EXPECT_NE(std::find(outbound.begin(), outbound.end(), "user-1:Message Sent"), outbound.end())
      << received.dump(1);
  EXPECT_NE(std::find(outbound.begin(), outbound.end(), "user-2:Message Sent"), outbound.end())
      << received.dump(1);

  EXPECT_EQ(process.Terminate(), 0);
}

TEST(EndToEndBadInputTest, BadFlagExitsWithCode2) {
  MockCourierProcess process({"--clock", "sideways"});
  ASSERT_TRUE(process.started());
  EXPECT_EQ(process.ReadLine(), "");  // Nothing on stdout: the problem goes to stderr.
  // The child exits by itself; Terminate() only collects the status then.
  EXPECT_EQ(process.Terminate(), 2);
}

// The child's resident set, from /proc/PID/statm (pages).
double ResidentMb(pid_t pid) {
  std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1e6;
}

// Whether the child has `library` mapped (/proc/PID/maps).
bool Maps(pid_t pid, const std::string& library) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(library) != std::string::npos) return true;
  }
  return false;
}

// Sanitizer builds keep freed memory in quarantine, so RSS cannot show a reset.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// The binary as shipped (with jemalloc unless configured without): a load's
// memory goes back to the OS on POST /_mock/reset (docs/server.md), which for
// jemalloc takes an explicit purge of its arenas (Engine::Reset).
TEST(EndToEndTest, ResetGivesALoadsMemoryBackToTheOs) {
  if (kSanitized) GTEST_SKIP() << "a sanitizer's allocator holds freed memory in quarantine";
  MockCourierProcess process(
      {"--port", "0", "--log-format", "off", "--workspace",
       std::string(MOCK_COURIER_SOURCE_DIR) + "/fixtures/workspaces/demo.json"});
  ASSERT_TRUE(process.started());
  const std::string url = process.ReadBaseUrl();
  ASSERT_FALSE(url.empty()) << "no 'mock-courier listening on' line";
  EXPECT_EQ(Maps(process.pid(), "libjemalloc"), MOCK_COURIER_BINARY_JEMALLOC != 0);
  httplib::Client client(url);
  auto identify = [&](int i) {
    json event = {{"type", "identify"},
                  {"userId", "load-" + std::to_string(i)},
                  {"messageId", "load-" + std::to_string(i)},
                  {"traits", {{"bio", std::string(4000, 'a' + i % 26)}}}};
    auto res = client.Post("/inbound/segment", {{"Authorization", "Bearer demo-key"}}, event.dump(),
                           "application/json");
    return res && res->status == 202;
  };
  ASSERT_TRUE(identify(-1));
  const double idle = ResidentMb(process.pid());
  // Profiles are kept until a reset: 6,000 of 4 KB traits.
  for (int i = 0; i < 6000; ++i) ASSERT_TRUE(identify(i)) << i;
  const double loaded = ResidentMb(process.pid());
  ASSERT_GT(loaded, idle + 20) << "the load did not take memory: idle " << idle << " MB";
  auto res = client.Post("/_mock/reset", "", "application/json");
  ASSERT_TRUE(res && res->status == 200) << (res ? res->body : "no answer");
  const double after = ResidentMb(process.pid());
  EXPECT_LT(after - idle, (loaded - idle) / 4)
      << "idle " << idle << " MB, loaded " << loaded << " MB, after reset " << after << " MB";
  EXPECT_EQ(process.Terminate(), 0);
}

TEST(EndToEndTest, RetentionFlagCapsTheJournal) {
  MockCourierProcess process(
      {"--port", "0", "--log-format", "off", "--retention", "journal=2", "--workspace",
       std::string(MOCK_COURIER_SOURCE_DIR) + "/fixtures/workspaces/demo.json"});
  ASSERT_TRUE(process.started());
  const std::string url = process.ReadBaseUrl();
  ASSERT_FALSE(url.empty()) << "no 'mock-courier listening on' line";
  httplib::Client client(url);
  for (int i = 0; i < 5; ++i) {
    auto res = client.Post(
        "/inbound/segment", {{"Authorization", "Bearer demo-key"}},
        Track("Nothing Mapped", "user-1", "r-" + std::to_string(i), json::object()).dump(),
        "application/json");
    ASSERT_TRUE(res && res->status == 202);
  }
  auto res = client.Get("/_mock/inbound?workspace=demo-key");
  ASSERT_TRUE(res && res->status == 200);
  json journal = json::parse(res->body);
  ASSERT_EQ(journal["results"].size(), 2u) << journal.dump(1);
  EXPECT_EQ(journal["results"][1]["payload"]["messageId"], "r-4");
  EXPECT_EQ(journal["evicted"], 3);
  EXPECT_EQ(process.Terminate(), 0);
}

TEST(EndToEndTest, ProcessingLatencyFlagKeepsASendEnqueuedUntilTheClockMoves) {
  MockCourierProcess process(
      {"--port", "0", "--log-format", "off", "--processing-latency", "1 second", "--workspace",
       std::string(MOCK_COURIER_SOURCE_DIR) + "/fixtures/workspaces/demo.json"});
  ASSERT_TRUE(process.started());
  const std::string url = process.ReadBaseUrl();
  ASSERT_FALSE(url.empty()) << "no 'mock-courier listening on' line";
  httplib::Client client(url);
  client.set_tcp_nodelay(true);
  const httplib::Headers bearer = {{"Authorization", "Bearer demo-key"}};
  json send = {{"message",
                {{"to", {{"email", "latency@example.com"}}},
                 {"content", {{"title", "Hi"}, {"body", "Hello"}}}}}};
  auto sent = client.Post("/send", bearer, send.dump(), "application/json");
  ASSERT_TRUE(sent && sent->status == 202);
  const std::string id = json::parse(sent->body)["requestId"];
  auto status = [&] {
    auto res = client.Get(("/messages/" + id).c_str(), bearer);
    return res && res->status == 200 ? json::parse(res->body).value("status", "") : "";
  };
  EXPECT_EQ(status(), "ENQUEUED");
  auto settled = client.Post("/_mock/settle", "", "application/json");
  ASSERT_TRUE(settled && settled->status == 200);
  EXPECT_EQ(json::parse(settled->body)["pending"], 1);
  EXPECT_EQ(status(), "ENQUEUED");
  ASSERT_TRUE(client.Post("/_mock/clock/advance", R"({"by":"1 second"})", "application/json"));
  EXPECT_EQ(status(), "DELIVERED");
  EXPECT_EQ(process.Terminate(), 0);
}

TEST(EndToEndBadInputTest, BadProcessingLatencyExitsWithCode2) {
  MockCourierProcess process({"--processing-latency", "soon"});
  ASSERT_TRUE(process.started());
  EXPECT_EQ(process.ReadLine(), "");
  EXPECT_EQ(process.Terminate(), 2);
}

TEST(EndToEndTest, SegmentDuplicateRateFlagRelaysEveryEventTwice) {
  MockCourierProcess process(
      {"--port", "0", "--log-format", "off", "--segment-duplicate-rate", "1", "--workspace",
       std::string(MOCK_COURIER_SOURCE_DIR) + "/fixtures/workspaces/demo.json"});
  ASSERT_TRUE(process.started());
  const std::string url = process.ReadBaseUrl();
  ASSERT_FALSE(url.empty()) << "no 'mock-courier listening on' line";
  httplib::Client client(url);
  auto res = client.Post(
      "/v1/track", {{"Authorization", "Basic " + Base64Encode("demo-source-write-key:")}},
      Track("Nothing Mapped", "user-1", "dup-1", json::object()).dump(), "application/json");
  ASSERT_TRUE(res && res->status == 200);
  auto journal = client.Get("/_mock/inbound?workspace=demo-key");
  ASSERT_TRUE(journal && journal->status == 200);
  json entries = json::parse(journal->body)["results"];
  ASSERT_EQ(entries.size(), 2u) << entries.dump(1);
  EXPECT_EQ(entries[1]["outcome"], "duplicate");
  EXPECT_EQ(entries[1]["diagnostics"].back(),
            "segment.delivery: delivered again with the same messageId (at-least-once)");
  EXPECT_EQ(process.Terminate(), 0);
}

TEST(EndToEndTest, SegmentFailureRateFlagRetriesOnTheMockClockUntilTheRetryWindowEnds) {
  MockCourierProcess process(
      {"--port", "0", "--log-format", "off", "--segment-failure-rate", "1",
       "--segment-retry-window", "10 seconds", "--workspace",
       std::string(MOCK_COURIER_SOURCE_DIR) + "/fixtures/workspaces/demo.json"});
  ASSERT_TRUE(process.started());
  const std::string url = process.ReadBaseUrl();
  ASSERT_FALSE(url.empty()) << "no 'mock-courier listening on' line";
  httplib::Client client(url);
  auto res = client.Post(
      "/v1/track", {{"Authorization", "Basic " + Base64Encode("demo-source-write-key:")}},
      Track("Nothing Mapped", "user-1", "retry-1", json::object()).dump(), "application/json");
  ASSERT_TRUE(res && res->status == 200);
  auto entries = [&] {
    auto journal = client.Get("/_mock/inbound?workspace=demo-key");
    return journal && journal->status == 200 ? json::parse(journal->body)["results"] : json();
  };
  json first = entries();
  ASSERT_EQ(first.size(), 1u) << first.dump(1);
  EXPECT_EQ(first[0]["outcome"], "failed");
  ASSERT_TRUE(client.Post("/_mock/clock/advance", R"({"by":"1 minute"})", "application/json"));
  json all = entries();
  ASSERT_GE(all.size(), 3u) << all.dump(1);
  EXPECT_EQ(all.back()["outcome"], "dropped");
  for (const json& entry : all) EXPECT_EQ(entry["payload"]["messageId"], "retry-1");
  EXPECT_EQ(process.Terminate(), 0);
}

TEST(EndToEndBadInputTest, BadSegmentDeliveryFlagsExitWithCode2) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--segment-duplicate-rate", "2"},
        std::vector<std::string>{"--segment-duplicate-rate", "often"},
        std::vector<std::string>{"--segment-reorder-window", "2 days"},
        std::vector<std::string>{"--segment-failure-rate", "-0.1"},
        std::vector<std::string>{"--segment-retry-window", "2 days"}}) {
    MockCourierProcess process(args);
    ASSERT_TRUE(process.started());
    EXPECT_EQ(process.ReadLine(), "") << args[0] << " " << args[1];
    EXPECT_EQ(process.Terminate(), 2) << args[0] << " " << args[1];
  }
}

TEST(EndToEndBadInputTest, BadRetentionExitsWithCode2) {
  MockCourierProcess process({"--retention", "emails=3"});
  ASSERT_TRUE(process.started());
  EXPECT_EQ(process.ReadLine(), "");
  EXPECT_EQ(process.Terminate(), 2);
}

TEST(EndToEndBadInputTest, DeeplyNestedWorkspaceFileExitsWithCode2) {
  const std::string file = ::testing::TempDir() + "deep-workspace.json";
  std::ofstream(file) << R"({"api_keys":["k"],"profiles":{"p":)" << std::string(100000, '[')
                      << std::string(100000, ']') << "}}";
  MockCourierProcess process({"--workspace", file});
  ASSERT_TRUE(process.started());
  EXPECT_EQ(process.ReadLine(), "");
  EXPECT_EQ(process.Terminate(), 2);
}

}  // namespace
}  // namespace mock_courier::server
