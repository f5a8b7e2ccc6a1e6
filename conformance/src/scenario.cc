#include "mock_courier/conformance/scenario.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "mock_courier/json_parse.h"
#include "mock_courier/time_format.h"

namespace mock_courier::conformance {
namespace {

namespace fs = std::filesystem;

const std::map<std::string, StepKind>& KindsByName() {
  static const std::map<std::string, StepKind> kinds = {
      {"segment", StepKind::kSegment},
      {"segment_library", StepKind::kSegmentLibrary},
      {"request", StepKind::kRequest},
      {"advance", StepKind::kAdvance},
      {"engage", StepKind::kEngage},
      {"expect_messages", StepKind::kExpectMessages},
      {"expect_runs", StepKind::kExpectRuns},
      {"expect_inbound", StepKind::kExpectInbound},
      {"expect_outbound", StepKind::kExpectOutbound},
      {"expect_received", StepKind::kExpectReceived},
      {"expect_profile", StepKind::kExpectProfile},
  };
  return kinds;
}

std::string TypeName(const Json& v) { return v.type_name(); }

std::string Join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Collects the first validation error, prefixed with the file name.
class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

  bool Fail(const std::string& field, const std::string& problem) {
    if (error_.empty()) error_ = file_ + ": " + field + ": " + problem;
    return false;
  }
  bool Keys(const Json& object, const std::string& field, const std::set<std::string>& allowed) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (!allowed.count(it.key())) {
        return Fail(Sub(field, it.key()), "unknown key (expected one of: " + Join(allowed) + ")");
      }
    }
    return true;
  }
  bool Object(const Json& v, const std::string& field) {
    return v.is_object() || Fail(field, "expected an object, got " + TypeName(v));
  }
  bool String(const Json& v, const std::string& field) {
    if (!v.is_string()) return Fail(field, "expected a string, got " + TypeName(v));
    return !v.get_ref<const std::string&>().empty() || Fail(field, "must not be empty");
  }
  bool Count(const Json& v, const std::string& field, std::int64_t min) {
    if (!v.is_number_integer() || v.get<std::int64_t>() < min) {
      return Fail(field, "expected an integer >= " + std::to_string(min));
    }
    return true;
  }
  static std::string Sub(const std::string& field, const std::string& key) {
    return field.empty() ? key : field + "." + key;
  }

 private:
  std::string file_;
  std::string error_;
};

bool CheckAuth(Checker& c, const Json& auth, const std::string& field) {
  if (auth.is_string()) {
    static const std::set<std::string> forms = {"bearer", "basic", "basic_email", "none"};
    if (!forms.count(auth.get<std::string>())) {
      return c.Fail(field, "expected one of: " + Join(forms) + ", or an object");
    }
    return true;
  }
  if (!c.Object(auth, field) || !c.Keys(auth, field, {"header", "bearer", "basic"})) return false;
  if (auth.size() != 1) return c.Fail(field, "expected exactly one of: basic, bearer, header");
  return c.String(auth.begin().value(), Checker::Sub(field, auth.begin().key()));
}

bool CheckSave(Checker& c, const Json& save, const std::string& field) {
  if (!c.Object(save, field)) return false;
  static const std::regex name_re("[A-Za-z_][A-Za-z0-9_]*");
  for (auto it = save.begin(); it != save.end(); ++it) {
    if (!std::regex_match(it.key(), name_re)) {
      return c.Fail(Checker::Sub(field, it.key()),
                    "a saved name must match [A-Za-z_][A-Za-z0-9_]*");
    }
    if (!c.String(it.value(), Checker::Sub(field, it.key()))) return false;
  }
  return true;
}

bool CheckResponseExpect(Checker& c, const Json& expect, const std::string& field) {
  if (!c.Object(expect, field) || !c.Keys(expect, field, {"status", "body", "headers", "fired"})) {
    return false;
  }
  if (expect.contains("status") && !c.Count(expect["status"], field + ".status", 100)) return false;
  if (expect.contains("fired") && !c.Count(expect["fired"], field + ".fired", 0)) return false;
  if (expect.contains("headers")) {
    const Json& h = expect["headers"];
    if (!c.Object(h, field + ".headers")) return false;
    for (auto it = h.begin(); it != h.end(); ++it) {
      if (!it.value().is_string()) {
        return c.Fail(field + ".headers." + it.key(),
                      "expected a string, got " + TypeName(it.value()));
      }
    }
  }
  return true;
}

bool CheckCollection(Checker& c, const Json& spec, const std::string& field, bool with_write_key) {
  std::set<std::string> keys = {"match", "exactly", "at_least", "none", "sequence"};
  if (with_write_key) keys.insert("write_key");
  if (!c.Object(spec, field) || !c.Keys(spec, field, keys)) return false;
  if (spec.contains("match") && !c.Object(spec["match"], field + ".match")) return false;
  int forms = 0;
  if (spec.contains("exactly")) {
    ++forms;
    if (!c.Count(spec["exactly"], field + ".exactly", 0)) return false;
  }
  if (spec.contains("at_least")) {
    ++forms;
    if (!c.Count(spec["at_least"], field + ".at_least", 1)) return false;
  }
  if (spec.contains("none")) {
    ++forms;
    if (spec["none"] != true) return c.Fail(field + ".none", "expected true");
  }
  if (forms > 1) return c.Fail(field, "use only one of: exactly, at_least, none");
  if (spec.contains("sequence")) {
    const Json& seq = spec["sequence"];
    if (!seq.is_array() || seq.empty()) {
      return c.Fail(field + ".sequence", "expected a non-empty array of objects");
    }
    for (std::size_t i = 0; i < seq.size(); ++i) {
      if (!c.Object(seq[i], field + ".sequence[" + std::to_string(i) + "]")) return false;
    }
    if (spec.contains("none")) return c.Fail(field, "'sequence' cannot be combined with 'none'");
  }
  if (with_write_key && spec.contains("write_key") &&
      !c.String(spec["write_key"], field + ".write_key")) {
    return false;
  }
  return true;
}

bool CheckStep(Checker& c, const Json& step, std::size_t index, Step& out) {
  std::string field = "steps[" + std::to_string(index) + "]";
  if (!c.Object(step, field)) return false;
  out.index = index;
  out.spec = step;
  const std::string* kind_name = nullptr;
  for (auto it = step.begin(); it != step.end(); ++it) {
    if (KindsByName().count(it.key())) {
      if (kind_name) {
        return c.Fail(field, "has both '" + *kind_name + "' and '" + it.key() +
                                 "' (one action or expectation per step)");
      }
      kind_name = &it.key();
    }
  }
  if (!kind_name) {
    std::set<std::string> names;
    for (const auto& [name, kind] : KindsByName()) names.insert(name);
    return c.Fail(field, "expected one of: " + Join(names));
  }
  out.kind = KindsByName().at(*kind_name);
  std::set<std::string> allowed = {*kind_name, "name", "note", "save"};
  if (IsAction(out.kind)) allowed.insert("expect");
  if (out.kind == StepKind::kSegment || out.kind == StepKind::kRequest) allowed.insert("auth");
  if (!c.Keys(step, field, allowed)) return false;
  if (step.contains("name") && !c.String(step["name"], field + ".name")) return false;
  if (step.contains("note") && !c.String(step["note"], field + ".note")) return false;
  if (step.contains("save") && !CheckSave(c, step["save"], field + ".save")) return false;
  if (step.contains("auth") && !CheckAuth(c, step["auth"], field + ".auth")) return false;
  if (step.contains("expect") && !CheckResponseExpect(c, step["expect"], field + ".expect")) {
    return false;
  }
  std::string sub = field + "." + *kind_name;
  const Json& v = step[*kind_name];
  switch (out.kind) {
    case StepKind::kSegment:
      return c.Object(v, sub);
    case StepKind::kSegmentLibrary: {
      if (!c.Object(v, sub) || !c.Keys(v, sub, {"write_key", "path", "event", "auth"}))
        return false;
      if (!v.contains("write_key")) return c.Fail(sub + ".write_key", "required");
      if (!c.String(v["write_key"], sub + ".write_key")) return false;
      if (!v.contains("event")) return c.Fail(sub + ".event", "required");
      if (!c.Object(v["event"], sub + ".event")) return false;
      if (v.contains("path")) {
        if (!c.String(v["path"], sub + ".path")) return false;
        if (v["path"].get<std::string>().rfind("/v1/", 0) != 0) {
          return c.Fail(sub + ".path", "expected a Tracking API path such as /v1/track");
        }
      }
      if (v.contains("auth")) {
        static const std::set<std::string> forms = {"basic", "body", "none"};
        if (!v["auth"].is_string() || !forms.count(v["auth"].get<std::string>())) {
          return c.Fail(sub + ".auth", "expected one of: " + Join(forms));
        }
      }
      return true;
    }
    case StepKind::kRequest: {
      if (!c.Object(v, sub) ||
          !c.Keys(v, sub, {"method", "path", "query", "headers", "body", "raw_body"})) {
        return false;
      }
      static const std::set<std::string> methods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
      if (!v.contains("method")) return c.Fail(sub + ".method", "required");
      if (!v["method"].is_string() || !methods.count(v["method"].get<std::string>())) {
        return c.Fail(sub + ".method", "expected one of: DELETE, GET, PATCH, POST, PUT");
      }
      if (!v.contains("path")) return c.Fail(sub + ".path", "required");
      if (!c.String(v["path"], sub + ".path")) return false;
      if (v["path"].get<std::string>()[0] != '/')
        return c.Fail(sub + ".path", "must start with '/'");
      for (const char* key : {"query", "headers"}) {
        if (!v.contains(key)) continue;
        if (!c.Object(v[key], sub + "." + key)) return false;
        for (auto it = v[key].begin(); it != v[key].end(); ++it) {
          if (!it.value().is_string()) {
            return c.Fail(sub + "." + key + "." + it.key(), "expected a string");
          }
        }
      }
      if (v.contains("raw_body") && !v["raw_body"].is_string()) {
        return c.Fail(sub + ".raw_body", "expected a string");
      }
      if (v.contains("raw_body") && v.contains("body")) {
        return c.Fail(sub, "use only one of: body, raw_body");
      }
      return true;
    }
    case StepKind::kAdvance:
      if (!c.String(v, sub)) return false;
      if (!ParseDuration(v.get<std::string>())) {
        return c.Fail(sub, "expected a duration such as \"2 hours\", \"30 seconds\" or \"PT2H\"");
      }
      return true;
    case StepKind::kEngage: {
      if (!c.Object(v, sub) || !c.Keys(v, sub, {"message", "event"})) return false;
      if (!v.contains("message")) return c.Fail(sub + ".message", "required");
      if (v["message"].is_object()) {
        const Json& m = v["message"];
        if (!c.Keys(m, sub + ".message", {"match"})) return false;
        if (!m.contains("match")) return c.Fail(sub + ".message.match", "required");
        if (!c.Object(m["match"], sub + ".message.match")) return false;
      } else if (!c.String(v["message"], sub + ".message")) {
        return false;
      }
      if (!v.contains("event")) return c.Fail(sub + ".event", "required");
      return c.String(v["event"], sub + ".event");
    }
    case StepKind::kExpectProfile:
      if (!c.Object(v, sub) || !c.Keys(v, sub, {"user", "match"})) return false;
      if (!v.contains("user")) return c.Fail(sub + ".user", "required");
      if (!c.String(v["user"], sub + ".user")) return false;
      if (!v.contains("match")) return c.Fail(sub + ".match", "required");
      return c.Object(v["match"], sub + ".match");
    default:
      return CheckCollection(c, v, sub, out.kind == StepKind::kExpectReceived);
  }
}

std::optional<Json> ReadJson(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path;
    return std::nullopt;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  // The server's limits (nesting, UTF-8, finite numbers), so a scenario's
  // workspace loads here exactly when it would load into mock-courier.
  Result<Json> json = ParseJson(buffer.str());
  if (!json.ok()) {
    *error = "invalid JSON in " + path + ": " + json.status().message();
    return std::nullopt;
  }
  return std::move(json).value();
}

}  // namespace

const char* StepKindName(StepKind kind) {
  for (const auto& [name, k] : KindsByName()) {
    if (k == kind) return name.c_str();
  }
  return "?";
}

bool IsAction(StepKind kind) {
  return kind == StepKind::kSegment || kind == StepKind::kSegmentLibrary ||
         kind == StepKind::kRequest || kind == StepKind::kAdvance || kind == StepKind::kEngage;
}

std::optional<Scenario> ParseScenario(const Json& json, const std::string& file,
                                      const std::string& workspaces_dir, std::string* error) {
  Checker c(file);
  Scenario s;
  s.file = file;
  auto fail = [&]() -> std::optional<Scenario> {
    *error = c.error();
    return std::nullopt;
  };
  if (!c.Object(json, "scenario") || !c.Keys(json, "",
                                             {"$schema", "name", "source", "description",
                                              "workspace", "api_key", "start", "seed", "steps"})) {
    return fail();
  }
  for (const char* key : {"name", "source", "workspace", "start", "steps"}) {
    if (!json.contains(key)) {
      c.Fail(key, "required");
      return fail();
    }
  }
  if (!c.String(json["name"], "name") || !c.String(json["source"], "source")) return fail();
  s.name = json["name"].get<std::string>();
  s.source = json["source"].get<std::string>();
  if (json.contains("description")) {
    if (!c.String(json["description"], "description")) return fail();
    s.description = json["description"].get<std::string>();
  }
  const Json& ws = json["workspace"];
  if (ws.is_string()) {
    s.workspace_file = ws.get<std::string>();
    std::string read_error;
    auto loaded = ReadJson((fs::path(workspaces_dir) / s.workspace_file).string(), &read_error);
    if (!loaded) {
      c.Fail("workspace", read_error);
      return fail();
    }
    s.workspace = std::move(*loaded);
  } else if (ws.is_object()) {
    s.workspace = ws;
  } else {
    c.Fail("workspace", "expected a file name (relative to fixtures/workspaces) or an object");
    return fail();
  }
  if (json.contains("api_key")) {
    if (!c.String(json["api_key"], "api_key")) return fail();
    s.api_key = json["api_key"].get<std::string>();
  } else if (s.workspace.contains("api_keys") && s.workspace["api_keys"].is_array() &&
             !s.workspace["api_keys"].empty() && s.workspace["api_keys"][0].is_string()) {
    s.api_key = s.workspace["api_keys"][0].get<std::string>();
  } else {
    c.Fail("api_key", "required when the workspace has no api_keys");
    return fail();
  }
  if (!c.String(json["start"], "start")) return fail();
  s.start_text = json["start"].get<std::string>();
  auto start = ParseIso8601(s.start_text);
  if (!start) {
    c.Fail("start", "expected an ISO-8601 time such as 2026-01-05T09:00:00Z");
    return fail();
  }
  s.start = *start;
  if (json.contains("seed")) {
    if (!json["seed"].is_number_unsigned()) {
      c.Fail("seed", "expected a non-negative integer");
      return fail();
    }
    s.seed = json["seed"].get<std::uint64_t>();
  }
  const Json& steps = json["steps"];
  if (!steps.is_array() || steps.empty()) {
    c.Fail("steps", "expected a non-empty array");
    return fail();
  }
  for (std::size_t i = 0; i < steps.size(); ++i) {
    Step step;
    if (!CheckStep(c, steps[i], i, step)) return fail();
    s.steps.push_back(std::move(step));
  }
  return s;
}

std::optional<Scenario> LoadScenario(const std::string& path, const std::string& file,
                                     const std::string& workspaces_dir, std::string* error) {
  std::string read_error;
  auto json = ReadJson(path, &read_error);
  if (!json) {
    *error = file + ": " + read_error;
    return std::nullopt;
  }
  return ParseScenario(*json, file, workspaces_dir, error);
}

std::vector<ScenarioFile> LoadScenarioTree(const std::string& root,
                                           const std::string& workspaces_dir) {
  std::vector<std::pair<std::string, std::string>> files;  // relative, full
  std::error_code ec;
  if (fs::is_regular_file(root, ec)) {
    files.emplace_back(fs::path(root).filename().generic_string(), root);
  } else {
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (!it->is_regular_file() || it->path().extension() != ".json") continue;
      files.emplace_back(fs::relative(it->path(), root).generic_string(), it->path().string());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<ScenarioFile> out;
  if (ec) {
    out.push_back({root, std::nullopt, root + ": cannot read: " + ec.message()});
    return out;
  }
  for (const auto& [relative, full] : files) {
    ScenarioFile entry;
    entry.file = relative;
    entry.scenario = LoadScenario(full, relative, workspaces_dir, &entry.error);
    out.push_back(std::move(entry));
  }
  return out;
}

std::string TestNameForFile(const std::string& file) {
  std::string name = file;
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0)
    name.resize(name.size() - 5);
  for (char& ch : name) {
    if (ch == '/' || ch == '-' || ch == '.' || ch == ' ') ch = '_';
  }
  return name;
}

}  // namespace mock_courier::conformance
