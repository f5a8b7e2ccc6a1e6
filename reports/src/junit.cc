#include <map>
#include <sstream>
#include <vector>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include "mock_courier/reports/reports.h"

namespace mock_courier::reports {
namespace {

namespace pt = boost::property_tree;

std::string Seconds(std::int64_t ms) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(3);
  out << static_cast<double>(ms) / 1000.0;
  return out.str();
}

// XML 1.0 cannot carry most control characters, even escaped.
std::string XmlSafe(const std::string& text) {
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 && c != '\n' && c != '\t' && c != '\r') ? '?' : c;
  }
  return out;
}

}  // namespace

std::string RenderJunitXml(const Json& run) {
  // Group scenarios by target, keeping the order targets first appear in.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Json*>> by_target;
  static const Json kNone = Json::array();
  const Json& scenarios = run.contains("scenarios") ? run["scenarios"] : kNone;
  for (const Json& s : scenarios) {
    std::string target = s.value("target", "unknown");
    if (!by_target.count(target)) order.push_back(target);
    by_target[target].push_back(&s);
  }
  pt::ptree root;
  pt::ptree& suites = root.add("testsuites", "");
  suites.put("<xmlattr>.name", run.value("suite", "conformance"));
  int all_tests = 0, all_failures = 0, all_skipped = 0;
  std::int64_t all_ms = 0;
  for (const std::string& target : order) {
    pt::ptree suite;
    int failures = 0, skipped = 0;
    std::int64_t ms = 0;
    for (const Json* s : by_target[target]) {
      pt::ptree testcase;
      std::int64_t case_ms = s->value("duration_ms", std::int64_t{0});
      ms += case_ms;
      testcase.put("<xmlattr>.name", XmlSafe(s->value("file", "")));
      testcase.put("<xmlattr>.classname", "conformance." + target);
      testcase.put("<xmlattr>.time", Seconds(case_ms));
      const std::string status = s->value("status", "");
      if (status == "failed") {
        ++failures;
        const Json& failure = (*s)["failure"];
        pt::ptree& f = testcase.add("failure", XmlSafe(FailureText(failure)));
        f.put("<xmlattr>.message", XmlSafe(failure.value("message", "failed")));
        f.put("<xmlattr>.type", "ExpectationFailed");
      } else if (status == "skipped") {
        ++skipped;
        testcase.add("skipped", "").put("<xmlattr>.message", XmlSafe(s->value("skip_reason", "")));
      }
      pt::ptree props;
      pt::ptree& p = props.add("property", "");
      p.put("<xmlattr>.name", "source");
      p.put("<xmlattr>.value", XmlSafe(s->value("source", "")));
      testcase.add_child("properties", props);
      suite.add_child("testcase", testcase);
    }
    int tests = static_cast<int>(by_target[target].size());
    suite.put("<xmlattr>.name", "conformance." + target);
    suite.put("<xmlattr>.tests", tests);
    suite.put("<xmlattr>.failures", failures);
    suite.put("<xmlattr>.errors", 0);
    suite.put("<xmlattr>.skipped", skipped);
    suite.put("<xmlattr>.time", Seconds(ms));
    suite.put("<xmlattr>.timestamp", run.value("started_at", ""));
    suites.add_child("testsuite", suite);
    all_tests += tests;
    all_failures += failures;
    all_skipped += skipped;
    all_ms += ms;
  }
  suites.put("<xmlattr>.tests", all_tests);
  suites.put("<xmlattr>.failures", all_failures);
  suites.put("<xmlattr>.errors", 0);
  suites.put("<xmlattr>.skipped", all_skipped);
  suites.put("<xmlattr>.time", Seconds(run.value("duration_ms", all_ms)));
  std::ostringstream out;
  pt::write_xml(out, root, pt::xml_writer_make_settings<std::string>(' ', 2));
  return out.str();
}

}  // namespace mock_courier::reports
