#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include "mock_courier/conformance/runner.h"
#include "mock_courier/conformance/target.h"
#include "mock_courier/reports/reports.h"

namespace mock_courier::conformance {
namespace {

// A scripted target: answers each "METHOD path" with a canned response and
// records what it was sent. Lets the runner be tested without an engine.
class FakeTarget final : public Target {
 public:
  std::map<std::string, std::pair<int, Json>> routes;
  std::vector<HttpRequest> sent;
  std::string name() const override { return "fake"; }
  std::string base_url() const override { return "http://fake.invalid"; }
  std::string Begin(const Scenario&) override { return ""; }
  HttpResponse Send(const HttpRequest& request) override {
    sent.push_back(request);
    HttpResponse r;
    std::string path = request.path.substr(0, request.path.find('?'));
    auto it = routes.find(request.method + " " + path);
    if (it == routes.end()) {
      r.status = 404;
      r.body = R"({"message":"no route"})";
      return r;
    }
    r.status = it->second.first;
    r.body = it->second.second.dump();
    return r;
  }
};

Scenario Parse(const char* text) {
  std::string error;
  auto s = ParseScenario(Json::parse(text), "runner/test.json", ".", &error);
  EXPECT_TRUE(s.has_value()) << error;
  return *s;
}

const char* kBrokenScenario = R"({
  "name": "deliberately broken", "source": "runner test", "workspace": {"api_keys": ["k"]},
  "start": "2026-01-05T09:00:00Z",
  "steps": [
    {"segment": {"type": "track", "event": "Checkout Page Visited", "userId": "u1", "messageId": "m1"},
     "expect": {"status": 202, "body": {"messageId": "1-*"}}, "save": {"inbound": "body.messageId"}},
    {"expect_messages": {"exactly": 1, "match": {"recipient": "u1", "notification": "n", "status": "DELIVERED"}}}
  ]})";

FakeTarget BrokenTarget() {
  FakeTarget t;
  t.routes["POST /inbound/segment"] = {202, {{"messageId", "1-00000001-abc"}}};
  t.routes["GET /_mock/messages"] = {200, Json::parse(R"({"results":[
        {"id":"1-a","recipient":"u2","notification":"other","status":"DELIVERED"},
        {"id":"1-b","recipient":"u1","notification":"n","status":"UNROUTABLE","enqueued":1767603600000}]})")};
  return t;
}

TEST(RunnerTest, BrokenExpectationShowsClosestCandidateAndFieldDiff) {
  FakeTarget target = BrokenTarget();
  Json result = RunScenario(Parse(kBrokenScenario), target);
  ASSERT_EQ(result["status"], "failed");
  const Json& f = result["failure"];
  EXPECT_EQ(f["step"], 1);
  EXPECT_EQ(f["closest"]["id"], "1-b");
  ASSERT_EQ(f["diff"].size(), 1u);
  EXPECT_EQ(f["diff"][0]["path"], "status");
  EXPECT_EQ(f["diff"][0]["expected"], "DELIVERED");
  EXPECT_EQ(f["diff"][0]["actual"], "UNROUTABLE");
  EXPECT_EQ(f["exchanges"].size(), 1u);
}

TEST(RunnerTest, BrokenExpectationIsReadableInEveryReportFormat) {
  FakeTarget target = BrokenTarget();
  Json run = MakeRunResult({"fake"}, Json::array({RunScenario(Parse(kBrokenScenario), target)}), 1,
                           "2026-01-05T09:00:00.000Z");
  const std::string diff_line = "status: expected \"DELIVERED\", actual \"UNROUTABLE\"";
  EXPECT_NE(run.dump().find("UNROUTABLE"), std::string::npos);  // JSON
  std::string junit = reports::RenderJunitXml(run);
  std::string md = reports::RenderMarkdown(run);
  std::string html = reports::RenderHtml(run);
  EXPECT_NE(md.find(diff_line), std::string::npos) << md;
  // XML and HTML escape the quotes; check the unescaped text after parsing XML.
  std::istringstream in(junit);
  boost::property_tree::ptree tree;
  boost::property_tree::read_xml(in, tree);
  std::string failure_text = tree.get<std::string>("testsuites.testsuite.testcase.failure");
  EXPECT_NE(failure_text.find(diff_line), std::string::npos) << junit;
  EXPECT_NE(html.find("status: expected &quot;DELIVERED&quot;, actual &quot;UNROUTABLE&quot;"),
            std::string::npos);
  EXPECT_NE(html.find("curl -i -X GET"), std::string::npos);
}

TEST(RunnerTest, SavedValuesAreSubstitutedIntoLaterSteps) {
  FakeTarget target;
  target.routes["POST /send"] = {202, {{"requestId", "1-req"}}};
  target.routes["GET /messages/1-req"] = {200, {{"id", "1-req"}, {"status", "SENT"}}};
  Json result = RunScenario(Parse(R"({
    "name": "save", "source": "runner test", "workspace": {"api_keys": ["k"]},
    "start": "2026-01-05T09:00:00Z",
    "steps": [
      {"request": {"method": "POST", "path": "/send", "body": {"message": {}}},
       "save": {"req": "body.requestId"}},
      {"request": {"method": "GET", "path": "/messages/${req}"},
       "expect": {"status": 200, "body": {"id": "${req}", "status": "SENT"}}}
    ]})"),
                            target);
  EXPECT_EQ(result["status"], "passed") << result.dump(2);
  ASSERT_EQ(target.sent.size(), 6u);  // Two actions, then four timeline inspections.
  EXPECT_EQ(target.sent[1].path, "/messages/1-req");
}

TEST(RunnerTest, UnknownSavedValueFailsTheStepWithItsName) {
  FakeTarget target;
  Json result = RunScenario(Parse(R"({
    "name": "unknown", "source": "runner test", "workspace": {"api_keys": ["k"]},
    "start": "2026-01-05T09:00:00Z",
    "steps": [{"request": {"method": "GET", "path": "/messages/${nope}"}}]})"),
                            target);
  ASSERT_EQ(result["status"], "failed");
  EXPECT_EQ(
      result["failure"]["message"],
      "unknown saved value '${nope}' (saved so far: api_key, start; write $${ for a literal ${)");
}

TEST(RunnerTest, NoneAndExactlyFormsCountMatches) {
  FakeTarget target = BrokenTarget();
  Json none = RunScenario(Parse(R"({
    "name": "none", "source": "t", "workspace": {"api_keys": ["k"]}, "start": "2026-01-05T09:00:00Z",
    "steps": [{"expect_messages": {"none": true, "match": {"recipient": "u1"}}}]})"),
                          target);
  ASSERT_EQ(none["status"], "failed");
  EXPECT_EQ(none["failure"]["closest"]["id"], "1-b");
  Json exactly = RunScenario(Parse(R"({
    "name": "exactly", "source": "t", "workspace": {"api_keys": ["k"]}, "start": "2026-01-05T09:00:00Z",
    "steps": [{"expect_messages": {"exactly": 2}},
              {"expect_messages": {"none": true, "match": {"recipient": "u3"}}}]})"),
                             target);
  EXPECT_EQ(exactly["status"], "passed") << exactly.dump(2);
}

TEST(RunnerTest, TimelineIsOrderedOnTheVirtualClock) {
  FakeTarget target = BrokenTarget();
  Json result = RunScenario(Parse(kBrokenScenario), target);
  ASSERT_GE(result["timeline"].size(), 2u);
  EXPECT_EQ(result["timeline"][0]["at"], "2026-01-05T09:00:00.000Z");
  EXPECT_EQ(result["timeline"][0]["kind"], "segment");
}

TEST(MergeRunResultsTest, OrdersByTargetThenFileAndRecomputesTotals) {
  auto entry = [](const char* file, const char* target, const char* status) {
    return Json{{"file", file}, {"target", target}, {"status", status}};
  };
  Json shard0 = MakeRunResult(
      {"in-process", "http"},
      Json::array({entry("b.json", "in-process", "passed"), entry("b.json", "http", "failed")}), 30,
      "2026-01-05T09:00:02.000Z");
  Json shard1 = MakeRunResult(
      {"in-process", "http"},
      Json::array({entry("a.json", "in-process", "skipped"), entry("a.json", "http", "passed")}),
      12, "2026-01-05T09:00:01.000Z");
  Json merged = MergeRunResults({shard0, shard1, Json::object()});
  std::vector<std::string> order;
  for (const Json& s : merged["scenarios"]) {
    order.push_back(s["target"].get<std::string>() + " " + s["file"].get<std::string>());
  }
  EXPECT_EQ(order, (std::vector<std::string>{"in-process a.json", "in-process b.json",
                                             "http a.json", "http b.json"}));
  EXPECT_EQ(merged["targets"], Json({"in-process", "http"}));
  EXPECT_EQ(merged["totals"], Json({{"passed", 2}, {"failed", 1}, {"skipped", 1}}));
  EXPECT_EQ(merged["started_at"], "2026-01-05T09:00:01.000Z");
  EXPECT_EQ(merged["duration_ms"], 42);
}

TEST(RunnerDeterminismTest, SameScenarioAndSeedGiveIdenticalResults) {
  std::string error;
  auto s = LoadScenario(std::string(MOCK_COURIER_SCENARIO_DIR) + "/seeds/checkout-reminder.json",
                        "seeds/checkout-reminder.json", MOCK_COURIER_WORKSPACE_DIR, &error);
  ASSERT_TRUE(s.has_value()) << error;
  auto strip = [](Json r) {
    r.erase("duration_ms");
    return r.dump();
  };
  auto t1 = MakeInProcessTarget();
  auto t2 = MakeInProcessTarget();
  EXPECT_EQ(strip(RunScenario(*s, *t1)), strip(RunScenario(*s, *t2)));
}

// ---- Latency mode ---------------------------------------------------------------

// A send, then an expectation that it was delivered. `workspace_extra` is
// merged into the workspace.
Scenario SendThenDelivered(const std::string& workspace_extra = "",
                           const std::string& status = "DELIVERED") {
  std::string text = R"({
    "name": "send then delivered", "source": "runner test",
    "workspace": {"api_keys": ["k"], )" +
                     workspace_extra + R"(
      "notifications": [{"id": "welcome", "channels": ["email"],
                         "content": {"email": {"subject": "Hi", "body": "Hello"}}}],
      "profiles": {"u1": {"email": "u1@example.com"}}},
    "start": "2026-01-05T09:00:00Z",
    "steps": [
      {"request": {"method": "POST", "path": "/send",
                   "body": {"message": {"to": {"user_id": "u1"}, "template": "welcome"}}},
       "expect": {"status": 202}},
      {"expect_messages": {"exactly": 1, "match": {"recipient": "u1", "status": ")" +
                     status + R"("}}}
    ]})";
  return Parse(text.c_str());
}

RunOptions Latency(Duration latency) {
  RunOptions options;
  options.processing_latency = latency;
  return options;
}

TEST(RunnerLatencyModeTest, ExpectationsWaitForTheJobAndSayHowLong) {
  auto target = MakeInProcessTarget();
  Json exact = RunScenario(SendThenDelivered(), *target);
  EXPECT_EQ(exact["status"], "passed") << exact.dump(1);
  EXPECT_FALSE(exact.contains("waits"));

  Json latency = RunScenario(SendThenDelivered(), *target, Latency(kSecond));
  ASSERT_EQ(latency["status"], "passed") << latency.dump(1);
  EXPECT_EQ(latency["latency_ms"], 1000);
  EXPECT_EQ(latency["waits"],
            Json::parse(R"([{"step": 1, "step_kind": "expect_messages", "waited_ms": 1000}])"));
  // The timeline (and so the HTML report) shows the wait at the time it ended.
  bool shown = false;
  for (const Json& entry : latency["timeline"]) {
    shown |= entry["label"] == "eventually: expect_messages held after 1000 ms" &&
             entry["at"] == "2026-01-05T09:00:01.000Z";
  }
  EXPECT_TRUE(shown) << latency["timeline"].dump(1);
}

TEST(RunnerTest, TimelineShowsRunDiagnostics) {
  auto target = MakeInProcessTarget();
  Json result = RunScenario(Parse(R"({
    "name": "basic until", "source": "t", "workspace": {"api_keys": ["k"]},
    "start": "2026-01-05T09:00:00Z",
    "steps": [{"request": {"method": "POST", "path": "/automations/invoke",
               "body": {"automation": {"steps": [{"action": "delay", "until": "20260105T120000Z"}]}}},
               "expect": {"status": 200}}]})"),
                            *target);
  ASSERT_EQ(result["status"], "passed") << result.dump(1);
  bool shown = false;
  for (const Json& entry : result["timeline"]) {
    shown |= entry["kind"] == "run" &&
             entry["detail"].get<std::string>().find(
                 "delay until '20260105T120000Z': accepted here; Courier may reject") !=
                 std::string::npos;
  }
  EXPECT_TRUE(shown) << result["timeline"].dump(1);
}

TEST(RunnerTest, TimelineShowsMessageDiagnostics) {
  auto target = MakeInProcessTarget();
  Json result = RunScenario(Parse(R"({
    "name": "basic until on a send", "source": "t",
    "workspace": {"api_keys": ["k"], "notifications": [{"id": "welcome", "channels": ["email"]}],
                  "profiles": {"u1": {"email": "u1@example.com"}}},
    "start": "2026-01-05T09:00:00Z",
    "steps": [{"request": {"method": "POST", "path": "/send",
               "body": {"message": {"to": {"user_id": "u1"}, "template": "welcome",
                                    "delay": {"until": "20260105T120000Z"}}}},
               "expect": {"status": 202}}]})"),
                            *target);
  ASSERT_EQ(result["status"], "passed") << result.dump(1);
  bool shown = false;
  for (const Json& entry : result["timeline"]) {
    shown |= entry["kind"] == "send" &&
             entry["detail"].get<std::string>().find(
                 "delay until '20260105T120000Z': accepted here; Courier may reject") !=
                 std::string::npos;
  }
  EXPECT_TRUE(shown) << result["timeline"].dump(1);
}

TEST(RunnerLatencyModeTest, WithoutEventualChecksALatencyFailsTheScenario) {
  // The same latency set by the workspace, run as written: the send is still
  // ENQUEUED when the expectation looks.
  auto target = MakeInProcessTarget();
  Json result = RunScenario(SendThenDelivered(R"("processing_latency": "1 second",)"), *target);
  ASSERT_EQ(result["status"], "failed");
  EXPECT_EQ(result["failure"]["closest"]["status"], "ENQUEUED");
  // A workspace with its own latency keeps it in latency mode too.
  Json kept = RunScenario(SendThenDelivered(R"("processing_latency": "1 second",)"), *target,
                          Latency(kSecond));
  EXPECT_EQ(kept["status"], "failed");
  EXPECT_EQ(kept["latency_ms"], 0);
}

TEST(RunnerLatencyModeTest, AnExpectationThatNeverHoldsFailsAfterTheWindow) {
  auto target = MakeInProcessTarget();
  Json result = RunScenario(SendThenDelivered("", "UNROUTABLE"), *target, Latency(kSecond));
  ASSERT_EQ(result["status"], "failed");
  EXPECT_NE(result["failure"]["message"].get<std::string>().find(
                "(still failing after waiting 1000 ms of mock time in latency mode)"),
            std::string::npos)
      << result["failure"]["message"];
  EXPECT_EQ(result["failure"]["closest"]["status"], "DELIVERED");
}

// An invoke, then an advance expecting the invoke's delay to fire: in latency
// mode the run starts one latency later, and so does its delay.
Scenario InvokeThenAdvance(const std::string& fired) {
  std::string text = R"({
    "name": "invoke then advance", "source": "runner test",
    "workspace": {"api_keys": ["k"]},
    "start": "2026-01-05T09:00:00Z",
    "steps": [
      {"request": {"method": "POST", "path": "/automations/invoke",
                   "body": {"automation": {"steps": [{"action": "delay", "duration": "1 hour"}]}}},
       "expect": {"status": 200}},
      {"advance": "1 hour", "expect": {"fired": )" +
                     fired + R"(}}
    ]})";
  return Parse(text.c_str());
}

TEST(RunnerLatencyModeTest, AnAdvanceCountsWhatFallsDueWithinTheLatencyAfterIt) {
  auto target = MakeInProcessTarget();
  EXPECT_EQ(RunScenario(InvokeThenAdvance("1"), *target)["status"], "passed");
  Json latency = RunScenario(InvokeThenAdvance("1"), *target, Latency(kSecond));
  EXPECT_EQ(latency["status"], "passed") << latency.dump(1);
  // Nothing more falls due within the latency: the count is checked as is.
  Json wrong = RunScenario(InvokeThenAdvance("2"), *target, Latency(kSecond));
  ASSERT_EQ(wrong["status"], "failed");
  EXPECT_EQ(wrong["failure"]["closest"]["body"]["fired"], 1);
}

}  // namespace
}  // namespace mock_courier::conformance
