#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "mock_courier/conformance/scenario.h"

namespace mock_courier::conformance {
namespace {

Json Minimal() {
  return Json::parse(R"({
    "name": "minimal", "source": "test", "workspace": {"api_keys": ["k1"]},
    "start": "2026-01-05T09:00:00Z",
    "steps": [{"advance": "1 hour"}]})");
}

std::string LoadError(const Json& json) {
  std::string error;
  auto s = ParseScenario(json, "x.json", ".", &error);
  EXPECT_FALSE(s.has_value());
  return error;
}

TEST(ScenarioLoaderTest, ParsesTheMinimalScenario) {
  std::string error;
  auto s = ParseScenario(Minimal(), "x.json", ".", &error);
  ASSERT_TRUE(s.has_value()) << error;
  EXPECT_EQ(s->api_key, "k1");
  EXPECT_EQ(s->start, 1767603600000);
  ASSERT_EQ(s->steps.size(), 1u);
  EXPECT_EQ(s->steps[0].kind, StepKind::kAdvance);
}

TEST(ScenarioLoaderTest, TestNamesComeFromThePath) {
  EXPECT_EQ(TestNameForFile("seeds/checkout-reminder.json"), "seeds_checkout_reminder");
}

TEST(ScenarioFixturesTest, EveryScenarioFileLoadsAndThereAreAtLeastForty) {
  auto files = LoadScenarioTree(MOCK_COURIER_SCENARIO_DIR, MOCK_COURIER_WORKSPACE_DIR);
  std::set<std::string> names;
  for (const auto& f : files) {
    EXPECT_TRUE(f.scenario.has_value()) << f.error;
    EXPECT_TRUE(names.insert(TestNameForFile(f.file)).second) << "duplicate test name " << f.file;
  }
  EXPECT_GE(files.size(), 40u);
}

TEST(ScenarioLoaderBadInputTest, UnknownStepKeyNamesStepAndField) {
  Json j = Minimal();
  j["steps"][0]["expct"] = Json::object();
  EXPECT_EQ(LoadError(j),
            "x.json: steps[0].expct: unknown key (expected one of: advance, expect, name, note, "
            "save)");
}

TEST(ScenarioLoaderBadInputTest, MissingRequestMethodIsNamed) {
  Json j = Minimal();
  j["steps"][0] = Json::parse(R"({"request": {"path": "/send"}})");
  EXPECT_EQ(LoadError(j), "x.json: steps[0].request.method: required");
}

TEST(ScenarioLoaderBadInputTest, TwoActionsInOneStepAreRejected) {
  Json j = Minimal();
  j["steps"][0]["segment"] = Json::object();
  EXPECT_EQ(LoadError(j),
            "x.json: steps[0]: has both 'advance' and 'segment' (one action or expectation per "
            "step)");
}

TEST(ScenarioLoaderBadInputTest, BadStartTimeIsNamed) {
  Json j = Minimal();
  j["start"] = "next tuesday";
  EXPECT_EQ(LoadError(j), "x.json: start: expected an ISO-8601 time such as 2026-01-05T09:00:00Z");
}

TEST(ScenarioLoaderBadInputTest, BadDurationIsNamed) {
  Json j = Minimal();
  j["steps"][0]["advance"] = "soon";
  EXPECT_EQ(LoadError(j),
            "x.json: steps[0].advance: expected a duration such as \"2 hours\", \"30 seconds\" or "
            "\"PT2H\"");
}

TEST(ScenarioLoaderBadInputTest, ConflictingCountFormsAreRejected) {
  Json j = Minimal();
  j["steps"][0] = Json::parse(R"({"expect_messages": {"exactly": 1, "none": true}})");
  EXPECT_EQ(LoadError(j),
            "x.json: steps[0].expect_messages: use only one of: exactly, at_least, none");
}

TEST(ScenarioLoaderBadInputTest, MissingWorkspaceFileIsNamed) {
  Json j = Minimal();
  j["workspace"] = "does-not-exist.json";
  EXPECT_EQ(LoadError(j), "x.json: workspace: cannot read ./does-not-exist.json");
}

TEST(ScenarioLoaderBadInputTest, BadAuthFormIsNamed) {
  Json j = Minimal();
  j["steps"][0] = Json::parse(R"({"segment": {}, "auth": "token"})");
  EXPECT_EQ(
      LoadError(j),
      "x.json: steps[0].auth: expected one of: basic, basic_email, bearer, none, or an object");
}

// A 100,000-deep file would overflow the stack of whatever recursed over it
// (issue 12); the loader uses the server's parser and its nesting limit.
TEST(ScenarioLoaderBadInputTest, DeeplyNestedFilesAreRejectedWithTheLimitNamed) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "deep-scenario";
  std::filesystem::create_directories(dir);
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  std::ofstream(dir / "deep-workspace.json")
      << R"({"api_keys":["k1"],"profiles":{"p":)" << deep << "}}";
  std::ofstream(dir / "deep-scenario.json") << R"({"name":"d","steps":)" << deep << "}";
  Json j = Minimal();
  j["workspace"] = "deep-workspace.json";
  std::ofstream(dir / "uses-deep-workspace.json") << j.dump();

  std::string error;
  EXPECT_FALSE(LoadScenario((dir / "deep-scenario.json").string(), "deep-scenario.json",
                            dir.string(), &error));
  EXPECT_EQ(error, "deep-scenario.json: invalid JSON in " + (dir / "deep-scenario.json").string() +
                       ": JSON nesting is deeper than the limit of 64 levels");
  error.clear();
  EXPECT_FALSE(
      LoadScenario((dir / "uses-deep-workspace.json").string(), "x.json", dir.string(), &error));
  EXPECT_EQ(error, "x.json: workspace: invalid JSON in " + (dir / "deep-workspace.json").string() +
                       ": JSON nesting is deeper than the limit of 64 levels");
}

}  // namespace
}  // namespace mock_courier::conformance
