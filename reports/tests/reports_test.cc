#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include "mock_courier/reports/reports.h"
#include "mock_courier/reports/timeline.h"

namespace mock_courier::reports {
namespace {

namespace fs = std::filesystem;

// The test command sets MOCK_COURIER_REQUIRE_TOOLS so that a missing python3 or
// Chromium fails the run instead of silently skipping the external-tool checks.
bool ToolsRequired() { return std::getenv("MOCK_COURIER_REQUIRE_TOOLS") != nullptr; }

// A run result with one passing, one failing (with diff and exchange) and one
// skipped scenario on two targets.
Json SampleRun() {
  return Json::parse(R"json({
    "suite": "mock-courier conformance", "targets": ["in-process", "http"],
    "started_at": "2026-01-05T09:00:00.000Z", "duration_ms": 12,
    "totals": {"passed": 2, "failed": 1, "skipped": 1},
    "scenarios": [
      {"name": "Checkout reminder after 2 h", "file": "segment/checkout-reminder.json",
       "source": "Courier docs https://www.courier.com/docs/", "target": "in-process",
       "status": "passed", "duration_ms": 3, "steps": 4,
       "timeline": [{"at": "2026-01-05T09:00:00.000Z", "kind": "segment", "label": "track \"Checkout Page Visited\" -> 202", "detail": "1-x"},
                    {"at": "2026-01-05T11:00:00.000Z", "kind": "send", "label": "send checkout-reminder to u1", "detail": "1-y"}]},
      {"name": "Broken <on purpose> & quoted", "file": "runner/broken.json", "source": "runner test",
       "target": "http", "status": "failed", "duration_ms": 5, "steps": 2,
       "failure": {"step": 1, "step_kind": "expect_messages", "message": "expected exactly 1 messages matching",
                   "diff": [{"path": "status", "problem": "differs", "expected": "DELIVERED", "actual": "UNROUTABLE"}],
                   "closest": {"id": "1-b", "status": "UNROUTABLE"},
                   "exchanges": [{"method": "GET", "url": "http://127.0.0.1:4000/_mock/messages?workspace=k",
                                  "headers": {"Authorization": "Bearer k"}, "body": "", "status": 200,
                                  "response": {"results": []}}]},
       "timeline": []},
      {"name": "Checkout reminder after 2 h", "file": "segment/checkout-reminder.json", "source": "https://www.courier.com/docs/",
       "target": "http", "status": "passed", "duration_ms": 4, "steps": 4, "timeline": []},
      {"name": "Later", "file": "later.json", "source": "s", "target": "http", "status": "skipped",
       "skip_reason": "known failure: messaging module missing", "duration_ms": 0, "steps": 1, "timeline": []}
    ]})json");
}

TEST(JunitReportTest, ParsesWithOneTestcasePerScenarioAndTarget) {
  std::istringstream in(RenderJunitXml(SampleRun()));
  boost::property_tree::ptree tree;
  ASSERT_NO_THROW(boost::property_tree::read_xml(in, tree));
  const auto& suites = tree.get_child("testsuites");
  EXPECT_EQ(suites.get<int>("<xmlattr>.tests"), 4);
  EXPECT_EQ(suites.get<int>("<xmlattr>.failures"), 1);
  EXPECT_EQ(suites.get<int>("<xmlattr>.skipped"), 1);
  int suite_count = 0, cases = 0, failures = 0;
  for (const auto& [name, suite] : suites) {
    if (name != "testsuite") continue;
    ++suite_count;
    for (const auto& [cname, tc] : suite) {
      if (cname != "testcase") continue;
      ++cases;
      EXPECT_FALSE(tc.get<std::string>("<xmlattr>.name").empty());
      EXPECT_FALSE(tc.get<std::string>("<xmlattr>.classname").empty());
      EXPECT_NO_THROW(std::stod(tc.get<std::string>("<xmlattr>.time")));
      if (auto f = tc.get_child_optional("failure")) {
        ++failures;
        EXPECT_EQ(f->get<std::string>("<xmlattr>.message"), "expected exactly 1 messages matching");
        EXPECT_EQ(f->get<std::string>("<xmlattr>.type"), "ExpectationFailed");
        EXPECT_NE(f->data().find("status: expected \"DELIVERED\", actual \"UNROUTABLE\""),
                  std::string::npos);
      }
    }
  }
  EXPECT_EQ(suite_count, 2);
  EXPECT_EQ(cases, 4);
  EXPECT_EQ(failures, 1);
}

TEST(JunitReportTest, PythonXmlParserAcceptsTheFile) {
  if (std::system("python3 -c 'import xml.etree.ElementTree' >/dev/null 2>&1") != 0) {
    if (ToolsRequired()) FAIL() << "python3 is required (MOCK_COURIER_REQUIRE_TOOLS is set)";
    GTEST_SKIP() << "python3 is not installed";
  }
  fs::path file = fs::temp_directory_path() / ("junit-" + std::to_string(::getpid()) + ".xml");
  std::ofstream(file) << RenderJunitXml(SampleRun());
  std::string cmd =
      "python3 -c \"import sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot(); "
      "assert r.tag == 'testsuites'; cs = r.findall('testsuite/testcase'); assert len(cs) == 4; "
      "assert len(r.findall('testsuite/testcase/failure')) == 1\" " +
      file.string();
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  fs::remove(file);
}

TEST(MarkdownReportTest, SummarisesTotalsAndShowsTheDiff) {
  std::string md = RenderMarkdown(SampleRun());
  EXPECT_NE(md.find("2 passed, 1 failed, 1 skipped"), std::string::npos) << md;
  EXPECT_NE(md.find("status: expected \"DELIVERED\", actual \"UNROUTABLE\""), std::string::npos);
  EXPECT_NE(md.find("known failure: messaging module missing"), std::string::npos);
}

TEST(HtmlReportTest, IsSelfContained) {
  std::string html = RenderHtml(SampleRun());
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_NE(html.find("Broken &lt;on purpose&gt; &amp; quoted"), std::string::npos);
  EXPECT_NE(html.find("curl -i -X GET"), std::string::npos);
}

TEST(TimelineVocabularyTest, EveryKindHasItsLaneInFlowOrder) {
  EXPECT_EQ(LaneOfKind("segment"), "app");
  EXPECT_EQ(LaneOfKind("inbound"), "app");
  EXPECT_EQ(LaneOfKind("run"), "courier");
  EXPECT_EQ(LaneOfKind("delay"), "courier");
  EXPECT_EQ(LaneOfKind("send"), "providers");
  EXPECT_EQ(LaneOfKind("status"), "providers");
  EXPECT_EQ(LaneOfKind("outbound"), "segment");
  EXPECT_EQ(LaneOfKind("something-new"), "app");
}

TEST(HtmlReportTest, DrawsTheTimelineAsSwimLanesBesideTheTable) {
  std::string html = RenderHtml(SampleRun());
  const auto svg = html.find("<svg class=\"swimlanes\"");
  ASSERT_NE(svg, std::string::npos);
  EXPECT_LT(svg, html.find("<table class=\"timeline\""));
  for (const char* lane : {"App / Segment", "Courier", "Providers", "Segment"}) {
    EXPECT_NE(html.find(std::string(">") + lane + "</text>"), std::string::npos) << lane;
  }
  // The Segment event sits on the first lane, the send on the third (y = 22 + lane * 30 + 15).
  EXPECT_NE(html.find("class=\"node k-segment\" cx=\"123\" cy=\"37\""), std::string::npos) << html;
  EXPECT_NE(html.find("class=\"node k-send\" cx=\"149\" cy=\"97\""), std::string::npos);
  // 11:00 is one step after 09:00: its label goes on the second row.
  EXPECT_NE(html.find("y=\"10\">09:00</text>"), std::string::npos);
  EXPECT_NE(html.find("y=\"20\">11:00</text>"), std::string::npos);
  EXPECT_NE(html.find(".k-outbound{color:#b35c00}"), std::string::npos);
}

TEST(SwimlaneSvgTest, JoinsLinkedEntriesAndIsEmptyWithoutEntries) {
  EXPECT_EQ(RenderSwimlaneSvg(Json::array()), "");
  Json entries = Json::parse(R"([
    {"at":"2026-01-05T09:00:00.000Z","kind":"segment","label":"in","id":"a","links":[]},
    {"at":"2026-01-05T09:00:00.000Z","kind":"run","label":"run","id":"b","links":["a"]},
    {"at":"2026-01-05T11:00:00.000Z","kind":"outbound","label":"Message Sent","id":"c","links":[]}])");
  std::string svg = RenderSwimlaneSvg(entries);
  // One link (b -> a), no line to the unlinked outbound call.
  EXPECT_NE(svg.find("<line class=\"flow\" x1=\"149\" y1=\"67\" x2=\"123\" y2=\"37\"/>"),
            std::string::npos)
      << svg;
  std::size_t flows = 0;
  for (auto at = svg.find("class=\"flow\""); at != std::string::npos;
       at = svg.find("class=\"flow\"", at + 1))
    ++flows;
  EXPECT_EQ(flows, 1u);
  EXPECT_EQ(RenderSwimlaneSvg(entries, 2).find("k-outbound"), std::string::npos);
}

// Counts TCP connections to a loopback port; Chromium is pointed at it as its
// proxy, so any network request it makes would show up here.
class ConnectionCounter {
 public:
  ConnectionCounter() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) > 0) {
          int c = ::accept(fd_, nullptr, nullptr);
          if (c >= 0) {
            ++count_;
            ::close(c);
          }
        }
      }
    });
  }
  ~ConnectionCounter() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int count() const { return count_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> count_{0};
  std::thread thread_;
};

std::string FindChromium() {
  if (const char* env = std::getenv("MOCK_COURIER_CHROMIUM")) return env;
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (fs::exists(candidate)) return candidate;
  }
  return "";
}

TEST(HtmlReportTest, HeadlessChromiumRendersScenariosWithoutNetworkRequests) {
  const std::string chromium = FindChromium();
  if (chromium.empty()) {
    if (ToolsRequired()) FAIL() << "Chromium is required (MOCK_COURIER_REQUIRE_TOOLS is set)";
    GTEST_SKIP() << "Chromium not installed (Debian package: chromium)";
  }
  fs::path dir = fs::temp_directory_path() / ("html-report-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path page = dir / "report.html";
  std::ofstream(page) << RenderHtml(SampleRun());
  ConnectionCounter proxy;
  fs::path dom = dir / "dom.html";
  std::string cmd =
      "timeout 120 " + chromium +
      " --headless --no-sandbox --disable-gpu --disable-background-networking"
      " --disable-component-update --disable-sync --no-first-run"
      " --disable-dev-shm-usage --user-data-dir=" +
      (dir / "profile").string() + " --proxy-server=127.0.0.1:" + std::to_string(proxy.port()) +
      " --proxy-bypass-list='<-loopback>'" + " '--host-resolver-rules=MAP * ~NOTFOUND'" +
      " --dump-dom file://" + page.string() + " > " + dom.string() + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(dom);
  std::stringstream text;
  text << in.rdbuf();
  const std::string rendered = text.str();
  EXPECT_NE(rendered.find("id=\"summary\""), std::string::npos);
  EXPECT_NE(rendered.find("data-file=\"segment/checkout-reminder.json\""), std::string::npos);
  EXPECT_NE(rendered.find("data-file=\"runner/broken.json\""), std::string::npos);
  EXPECT_NE(rendered.find("Checkout reminder after 2 h"), std::string::npos);
  EXPECT_EQ(proxy.count(), 0) << "Chromium made network requests while rendering the report";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mock_courier::reports
