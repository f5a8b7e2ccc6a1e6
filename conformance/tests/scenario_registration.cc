// Registers one GoogleTest per scenario file and target, named from the file's
// path: Scenarios/InProcess.seeds_checkout_reminder and
// Scenarios/Http.seeds_checkout_reminder, and in latency mode
// Scenarios/InProcessLatency.* and Scenarios/HttpLatency.*. The HTTP variant starts its own
// mock_courier::server::Server on port 0 (fresh engine per test), so tests stay
// isolated and parallel-safe. Scenarios listed in conformance/known_failures.txt
// are skipped with the listed reason.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "mock_courier/conformance/runner.h"
#include "mock_courier/conformance/scenario.h"
#include "mock_courier/conformance/target.h"
#include "mock_courier/reports/reports.h"

namespace mock_courier::conformance {
namespace {

class ScenarioTest : public ::testing::Test {
 public:
  ScenarioTest(ScenarioFile file, bool http, std::string known_failure, RunOptions options = {})
      : file_(std::move(file)),
        http_(http),
        known_failure_(std::move(known_failure)),
        options_(options) {}

  void TestBody() override {
    if (!known_failure_.empty()) GTEST_SKIP() << "known failure: " << known_failure_;
    ASSERT_TRUE(file_.scenario.has_value()) << file_.error;
    std::unique_ptr<Target> target = http_ ? MakeLocalServerTarget() : MakeInProcessTarget();
    Json result = RunScenario(*file_.scenario, *target, options_);
    if (result["status"] != "passed") {
      ADD_FAILURE() << file_.file << " (" << file_.scenario->source << ") on " << target->name()
                    << ":\n"
                    << reports::FailureText(result["failure"]);
    }
  }

 private:
  ScenarioFile file_;
  bool http_;
  std::string known_failure_;
  RunOptions options_;
};

// Latency mode: every scenario also passes when requests (sends, inbound
// events, invokes) are processed one second of mock time after they are
// accepted (docs/scenarios.md).
constexpr Duration kLatencyModeLatency = kSecond;

// Registered during static initialization, before RUN_ALL_TESTS.
const bool kRegistered = [] {
  auto known = LoadKnownFailures(MOCK_COURIER_KNOWN_FAILURES);
  for (const ScenarioFile& file :
       LoadScenarioTree(MOCK_COURIER_SCENARIO_DIR, MOCK_COURIER_WORKSPACE_DIR)) {
    const std::string name = TestNameForFile(file.file);
    auto it = known.find(file.file);
    const std::string reason = it == known.end() ? "" : it->second;
    for (bool http : {false, true}) {
      ::testing::RegisterTest(http ? "Scenarios/Http" : "Scenarios/InProcess", name.c_str(),
                              nullptr, file.file.c_str(), __FILE__, __LINE__,
                              [file, http, reason]() -> ::testing::Test* {
                                return new ScenarioTest(file, http, reason);
                              });
    }
    for (bool http : {false, true}) {
      ::testing::RegisterTest(
          http ? "Scenarios/HttpLatency" : "Scenarios/InProcessLatency", name.c_str(), nullptr,
          file.file.c_str(), __FILE__, __LINE__, [file, http, reason]() -> ::testing::Test* {
            return new ScenarioTest(file, http, reason, RunOptions{kLatencyModeLatency});
          });
    }
  }
  return true;
}();

}  // namespace
}  // namespace mock_courier::conformance
