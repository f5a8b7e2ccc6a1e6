#include "mock_courier/conformance/runner.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>

#include "mock_courier/conformance/matcher.h"
#include "mock_courier/time_format.h"

namespace mock_courier::conformance {
namespace {

constexpr const char* kAuthEmail = "conformance@example.com";
constexpr std::size_t kMaxResponseChars = 16000;

std::optional<TimePoint> ToMs(const Json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return v.get<TimePoint>();
  if (v.is_number_float()) return static_cast<TimePoint>(v.get<double>());
  if (v.is_string()) return ParseIso8601(v.get<std::string>());
  return std::nullopt;
}

std::optional<TimePoint> FirstTime(const Json& item, std::initializer_list<const char*> keys) {
  if (!item.is_object()) return std::nullopt;
  for (const char* key : keys) {
    if (item.contains(key)) {
      if (auto t = ToMs(item[key])) return t;
    }
  }
  return std::nullopt;
}

std::string Str(const Json& item, const char* key) {
  if (!item.is_object() || !item.contains(key)) return "";
  const Json& v = item[key];
  return v.is_string() ? v.get<std::string>() : (v.is_null() ? "" : v.dump());
}

std::optional<Json> Lookup(const Json& root, const std::string& path) {
  if (!path.empty() && path[0] == '/') {
    Json::json_pointer pointer(path);
    if (!root.contains(pointer)) return std::nullopt;
    return root.at(pointer);
  }
  const Json* cur = &root;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t dot = path.find('.', pos);
    std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (cur->is_object()) {
      auto it = cur->find(part);
      if (it == cur->end()) return std::nullopt;
      cur = &*it;
    } else if (cur->is_array() && !part.empty() &&
               part.find_first_not_of("0123456789") == std::string::npos) {
      std::size_t i = std::stoul(part);
      if (i >= cur->size()) return std::nullopt;
      cur = &(*cur)[i];
    } else {
      return std::nullopt;
    }
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return *cur;
}

struct TimelineEntry {
  TimePoint at;
  std::size_t seq;
  std::string kind, label, detail;
};

// The scenario as run: in latency mode its workspace gets the latency, unless
// it sets its own (then the scenario controls its timing and runs as written).
Scenario Prepared(const Scenario& s, const RunOptions& options, Duration* latency) {
  Scenario copy = s;
  *latency = 0;
  if (options.processing_latency > 0 && copy.workspace.is_object() &&
      !copy.workspace.contains("processing_latency")) {
    copy.workspace["processing_latency"] = options.processing_latency;
    *latency = options.processing_latency;
  }
  return copy;
}

class ScenarioRun {
 public:
  ScenarioRun(const Scenario& s, Target& t, const RunOptions& options)
      : s_(Prepared(s, options, &latency_)),
        t_(t),
        now_(s.start),
        latency_mode_(options.processing_latency > 0) {
    saved_["api_key"] = s.api_key;
    saved_["start"] = s.start_text;
  }

  Json Run() {
    auto begin = std::chrono::steady_clock::now();
    Json result = {{"name", s_.name},         {"file", s_.file},    {"source", s_.source},
                   {"target", t_.name()},     {"status", "passed"}, {"duration_ms", 0},
                   {"steps", s_.steps.size()}};
    std::string setup = t_.Begin(s_);
    if (!setup.empty()) {
      failure_ = {{"step", -1},
                  {"step_kind", "setup"},
                  {"message", "setup failed: " + setup},
                  {"diff", Json::array()},
                  {"closest", nullptr},
                  {"exchanges", Json::array()}};
    } else {
      for (const Step& step : s_.steps) {
        exchanges_ = Json::array();
        if (!(latency_ > 0 ? RunStepEventually(step) : RunStep(step))) {
          failure_["step"] = step.index;
          failure_["step_kind"] = StepKindName(step.kind);
          if (step.spec.contains("name")) failure_["step_name"] = step.spec["name"];
          failure_["exchanges"] = exchanges_;
          break;
        }
      }
      CollectTimeline();
    }
    t_.End();
    if (!failure_.is_null()) {
      result["status"] = "failed";
      result["failure"] = failure_;
    }
    if (latency_mode_) {
      result["latency_ms"] = latency_;
      result["waits"] = waits_;
    }
    result["timeline"] = TimelineJson();
    result["duration_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - begin)
                                .count();
    return result;
  }

 private:
  // ---- plumbing -----------------------------------------------------------------
  HttpResponse Do(const HttpRequest& request) {
    HttpResponse response = t_.Send(request);
    Json headers = Json::object();
    for (const auto& [k, v] : request.headers) headers[k] = v;
    Json body = response.JsonBody();
    if (body.is_string() && body.get_ref<const std::string&>().size() > kMaxResponseChars) {
      body = body.get<std::string>().substr(0, kMaxResponseChars) + "...";
    } else if (!body.is_string() && response.body.size() > kMaxResponseChars) {
      body = response.body.substr(0, kMaxResponseChars) + "...";
    }
    exchanges_.push_back({{"method", request.method},
                          {"url", t_.base_url() + request.path},
                          {"headers", headers},
                          {"body", request.body},
                          {"status", response.status},
                          {"response", response.error.empty() ? body : Json(response.error)}});
    return response;
  }

  bool Fail(const std::string& message, Json diff = Json::array(), Json closest = nullptr) {
    failure_ = {{"message", message}, {"diff", std::move(diff)}, {"closest", std::move(closest)}};
    return false;
  }

  bool TransportOk(const HttpResponse& r, const std::string& what) {
    if (r.error.empty()) return true;
    return Fail(what + ": " + r.error);
  }

  // Replaces ${name} with saved values; "$${" stays a literal "${".
  bool Substitute(Json& v, std::string* error) {
    if (v.is_object() || v.is_array()) {
      for (auto& child : v) {
        if (!Substitute(child, error)) return false;
      }
      return true;
    }
    if (!v.is_string()) return true;
    const std::string text = v.get<std::string>();
    if (text.find("${") == std::string::npos) return true;
    // A string that is exactly one reference takes the saved JSON value as is.
    if (text.size() > 3 && text.rfind("${", 0) == 0 && text.back() == '}' &&
        text.find("${", 2) == std::string::npos && text.find('}') == text.size() - 1) {
      std::string name = text.substr(2, text.size() - 3);
      auto it = saved_.find(name);
      if (it == saved_.end()) return UnknownName(name, error);
      v = it->second;
      return true;
    }
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
      if (text.compare(i, 3, "$${") == 0) {
        out += "${";
        i += 3;
      } else if (text.compare(i, 2, "${") == 0) {
        std::size_t end = text.find('}', i);
        if (end == std::string::npos) {
          out += text.substr(i);
          break;
        }
        std::string name = text.substr(i + 2, end - i - 2);
        auto it = saved_.find(name);
        if (it == saved_.end()) return UnknownName(name, error);
        out += it->second.is_string() ? it->second.get<std::string>() : it->second.dump();
        i = end + 1;
      } else {
        out += text[i++];
      }
    }
    v = out;
    return true;
  }

  bool UnknownName(const std::string& name, std::string* error) {
    std::string known;
    for (const auto& [k, unused] : saved_) known += (known.empty() ? "" : ", ") + k;
    *error = "unknown saved value '${" + name + "}' (saved so far: " + known +
             "; write $${ for a literal ${)";
    return false;
  }

  bool Save(const Json& spec, const Json& root) {
    if (!spec.contains("save")) return true;
    for (auto it = spec["save"].begin(); it != spec["save"].end(); ++it) {
      auto value = Lookup(root, it.value().get<std::string>());
      if (!value) {
        return Fail("save '" + it.key() + "': nothing at '" + it.value().get<std::string>() + "'",
                    Json::array(), root);
      }
      saved_[it.key()] = *value;
    }
    return true;
  }

  std::string AuthHeader(const Json& step) {
    Json auth = step.contains("auth") ? step["auth"] : Json("bearer");
    if (auth.is_string()) {
      const std::string form = auth.get<std::string>();
      if (form == "bearer") return "Bearer " + s_.api_key;
      if (form == "basic") return BasicAuth(s_.api_key + ":");
      if (form == "basic_email") return BasicAuth(std::string(kAuthEmail) + ":" + s_.api_key);
      return "";
    }
    if (auth.contains("header")) return auth["header"].get<std::string>();
    if (auth.contains("bearer")) return "Bearer " + auth["bearer"].get<std::string>();
    return BasicAuth(auth["basic"].get<std::string>() + ":");
  }

  void AddAction(const std::string& kind, const std::string& label, const std::string& detail) {
    entries_.push_back({now_, entries_.size(), kind, label, detail});
  }

  // ---- latency mode ----------------------------------------------------------------
  // Moves the target's clock by `by` ms (POST /_mock/clock/advance) and
  // notes it on the timeline.
  bool AdvanceBy(Duration by, const std::string& why) { return AdvanceAnswer(by, why).has_value(); }

  // AdvanceBy, returning the clock's answer (nullopt after a failure).
  std::optional<Json> AdvanceAnswer(Duration by, const std::string& why) {
    Json body = {{"by", by}};
    HttpResponse r =
        Do({"POST", "/_mock/clock/advance", {{"Content-Type", "application/json"}}, body.dump()});
    if (!TransportOk(r, "POST /_mock/clock/advance")) return std::nullopt;
    Json answer = r.JsonBody();
    if (r.status != 200 || !answer.is_object()) {
      Fail("latency mode: POST /_mock/clock/advance answered " + std::to_string(r.status),
           Json::array(), answer);
      return std::nullopt;
    }
    now_ = FirstTime(answer, {"now_ms", "now"}).value_or(now_ + by);
    AddAction("advance", why + " (fired " + Str(answer, "fired") + ")", "");
    return answer;
  }

  // Latency mode, an advance whose answer is not as expected: what its period
  // caused may fall up to one latency later (a delay started by a processing
  // job), so the clock moves on to each job or timer due within the latency
  // after it, adding what ran to the answer's "fired" and "processed", until
  // `wanted` matches. Returns the last match.
  MatchResult AdvanceEventually(const Json& wanted, Json& actual, MatchResult m) {
    const TimePoint limit = now_ + latency_;
    while (!m.ok) {
      std::optional<TimePoint> next = NextDue();
      if (!next || *next <= now_ || *next > limit) break;
      std::optional<Json> more = AdvanceAnswer(*next - now_, "latency mode: advance reaches");
      if (!more) break;
      Json& body = actual["body"];
      for (const char* count : {"fired", "processed"}) {
        if (body.contains(count) && body[count].is_number_integer() && more->contains(count) &&
            (*more)[count].is_number_integer()) {
          body[count] = body[count].get<std::int64_t>() + (*more)[count].get<std::int64_t>();
        }
      }
      for (const char* time : {"now", "now_ms"}) {
        if (more->contains(time)) body[time] = (*more)[time];
      }
      m = MatchJson(wanted, actual);
    }
    return m;
  }

  // When the target's next timer or job is due, if any.
  std::optional<TimePoint> NextDue() {
    HttpResponse r = t_.Send({"GET", "/_mock/clock", {}, ""});
    Json body = r.JsonBody();
    if (r.status != 200 || !body.is_object() || !body.contains("next_due")) return std::nullopt;
    return ToMs(body["next_due"]);
  }

  // Lets the processing window of the last action pass, when something is
  // due within it (else the clock stays, so scenarios keep their timing).
  bool CatchUp() {
    if (now_ >= settle_until_) return true;
    std::optional<TimePoint> next = NextDue();
    if (!next || *next > settle_until_) return true;
    return AdvanceBy(settle_until_ - now_, "latency mode: processing window");
  }

  // A step in latency mode: actions (other than advances) and expectations
  // of absence run once the last action's processing window has passed;
  // other expectations are retried at each due job until they hold or the
  // window is over.
  bool RunStepEventually(const Step& step) {
    const bool absence = !IsAction(step.kind) && step.kind != StepKind::kExpectProfile &&
                         step.spec.contains(StepKindName(step.kind)) &&
                         step.spec[StepKindName(step.kind)].contains("none");
    if ((IsAction(step.kind) && step.kind != StepKind::kAdvance) || absence) {
      if (!CatchUp()) return false;
    }
    if (IsAction(step.kind)) {
      if (!RunStep(step)) return false;
      settle_until_ = now_ + latency_;
      return true;
    }
    const TimePoint began = now_;
    while (true) {
      exchanges_ = Json::array();
      if (RunStep(step)) {
        failure_ = Json();
        if (now_ > began) {
          waits_.push_back({{"step", step.index},
                            {"step_kind", StepKindName(step.kind)},
                            {"waited_ms", now_ - began}});
          AddAction("advance",
                    std::string("eventually: ") + StepKindName(step.kind) + " held after " +
                        std::to_string(now_ - began) + " ms",
                    "");
        }
        return true;
      }
      if (now_ >= settle_until_) {
        failure_["message"] = failure_.value("message", std::string()) +
                              " (still failing after waiting " + std::to_string(now_ - began) +
                              " ms of mock time in latency mode)";
        return false;
      }
      Duration by = settle_until_ - now_;
      if (auto next = NextDue(); next && *next > now_ && *next < settle_until_) by = *next - now_;
      const Json failed = failure_;
      if (!AdvanceBy(by, "latency mode: waiting for " + std::string(StepKindName(step.kind)))) {
        return false;
      }
      failure_ = failed;
    }
  }

  // ---- steps ----------------------------------------------------------------------
  bool RunStep(const Step& original) {
    Json spec = original.spec;
    std::string error;
    if (!Substitute(spec, &error)) return Fail(error);
    switch (original.kind) {
      case StepKind::kSegment:
      case StepKind::kSegmentLibrary:
      case StepKind::kRequest:
      case StepKind::kAdvance:
      case StepKind::kEngage:
        return RunAction(original.kind, spec);
      case StepKind::kExpectProfile:
        return ExpectProfile(spec);
      default:
        return ExpectCollection(original.kind, spec);
    }
  }

  bool RunAction(StepKind kind, const Json& spec) {
    HttpRequest request;
    std::string label;
    std::string timeline_kind;
    if (kind == StepKind::kSegment) {
      const Json& event = spec["segment"];
      request = {"POST", "/inbound/segment", {{"Content-Type", "application/json"}}, event.dump()};
      std::string auth = AuthHeader(spec);
      if (!auth.empty()) request.headers.emplace_back("Authorization", auth);
      timeline_kind = "segment";
      label =
          Str(event, "type") + (event.contains("event") ? " \"" + Str(event, "event") + "\"" : "");
    } else if (kind == StepKind::kSegmentLibrary) {
      const Json& lib = spec["segment_library"];
      Json event = lib["event"];
      std::string write_key = lib["write_key"].get<std::string>();
      std::string form = lib.value("auth", "basic");
      if (form == "body") event["writeKey"] = write_key;
      request = {"POST",
                 lib.value("path", "/v1/track"),
                 {{"Content-Type", "application/json"}},
                 event.dump()};
      if (form == "basic")
        request.headers.emplace_back("Authorization", BasicAuth(write_key + ":"));
      timeline_kind = "segment";
      label = "library " + request.path + " " + Str(event, "type") +
              (event.contains("event") ? " \"" + Str(event, "event") + "\"" : "");
    } else if (kind == StepKind::kRequest) {
      const Json& r = spec["request"];
      request.method = r["method"].get<std::string>();
      request.path = r["path"].get<std::string>();
      if (r.contains("query")) {
        char sep = request.path.find('?') == std::string::npos ? '?' : '&';
        for (auto it = r["query"].begin(); it != r["query"].end(); ++it) {
          request.path += sep + it.key() + "=" + it.value().get<std::string>();
          sep = '&';
        }
      }
      if (r.contains("body")) {
        request.body = r["body"].dump();
        request.headers.emplace_back("Content-Type", "application/json");
      } else if (r.contains("raw_body")) {
        request.body = r["raw_body"].get<std::string>();
      }
      bool admin = request.path.rfind("/_mock/", 0) == 0;
      if (spec.contains("auth") || !admin) {
        std::string auth = AuthHeader(spec);
        if (!auth.empty()) request.headers.emplace_back("Authorization", auth);
      }
      if (r.contains("headers")) {
        for (auto it = r["headers"].begin(); it != r["headers"].end(); ++it) {
          request.headers.emplace_back(it.key(), it.value().get<std::string>());
        }
      }
      timeline_kind = "request";
      label = request.method + " " + request.path;
    } else if (kind == StepKind::kAdvance) {
      Json body = {{"by", spec["advance"]}};
      request = {
          "POST", "/_mock/clock/advance", {{"Content-Type", "application/json"}}, body.dump()};
      timeline_kind = "advance";
      label = "advance " + spec["advance"].get<std::string>();
    } else {  // engage
      const Json& e = spec["engage"];
      std::string id;
      if (e["message"].is_string()) {
        id = e["message"].get<std::string>();
      } else if (!FindMessage(e["message"]["match"], &id)) {
        return false;
      }
      Json body = {{"event", e["event"]}};
      request = {"POST",
                 "/_mock/messages/" + id + "/engagement",
                 {{"Content-Type", "application/json"}},
                 body.dump()};
      timeline_kind = "engage";
      label = e["event"].get<std::string>() + " " + id;
    }
    HttpResponse response = Do(request);
    if (!TransportOk(response, request.method + " " + request.path)) return false;
    Json body = response.JsonBody();
    if (kind == StepKind::kAdvance && response.status == 200 && body.is_object()) {
      if (auto t = FirstTime(body, {"now_ms", "now"})) {
        now_ = *t;
      } else if (auto d = ParseDuration(spec["advance"].get<std::string>())) {
        now_ += *d;
      }
      if (body.contains("fired")) label += " (fired " + Str(body, "fired") + ")";
      AddAction(timeline_kind, label, "");
    } else {
      AddAction(timeline_kind, label + " -> " + std::to_string(response.status),
                body.is_object() ? Str(body, body.contains("messageId")   ? "messageId"
                                             : body.contains("requestId") ? "requestId"
                                                                          : "runId")
                                 : "");
    }
    Json headers = Json::object();
    for (const auto& [k, v] : response.headers) headers[k] = v;
    Json actual = {{"status", response.status}, {"body", body}, {"headers", headers}};
    if (spec.contains("expect")) {
      const Json& expect = spec["expect"];
      Json wanted = Json::object();
      if (expect.contains("status")) wanted["status"] = expect["status"];
      if (expect.contains("body")) wanted["body"] = expect["body"];
      if (expect.contains("fired")) wanted["body"]["fired"] = expect["fired"];
      if (expect.contains("headers")) {
        for (auto it = expect["headers"].begin(); it != expect["headers"].end(); ++it) {
          std::string name = it.key();
          for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          wanted["headers"][name] = it.value();
        }
      }
      MatchResult m = MatchJson(wanted, actual);
      if (!m.ok && kind == StepKind::kAdvance && latency_ > 0 && response.status == 200) {
        m = AdvanceEventually(wanted, actual, std::move(m));
        body = actual["body"];
      }
      if (!m.ok) {
        return Fail(request.method + " " + request.path + " answered " +
                        std::to_string(response.status) + ", not as expected",
                    DiffsToJson(m.diffs), Json{{"status", response.status}, {"body", body}});
      }
    }
    return Save(spec, actual);
  }

  bool FindMessage(const Json& match, std::string* id) {
    HttpResponse r = Do({"GET", "/_mock/messages?workspace=" + s_.api_key, {}, ""});
    if (!TransportOk(r, "GET /_mock/messages")) return false;
    Json body = r.JsonBody();
    if (r.status != 200 || !body.is_object() || !body.contains("results") ||
        !body["results"].is_array()) {
      return Fail("GET /_mock/messages answered " + std::to_string(r.status) +
                  " without a results array");
    }
    const Json* closest = nullptr;
    MatchResult best;
    best.matched = -1;
    for (const Json& item : body["results"]) {
      MatchResult m = MatchJson(match, item);
      if (m.ok) {
        *id = Str(item, "id");
        return true;
      }
      if (m.matched > best.matched) {
        best = m;
        closest = &item;
      }
    }
    return Fail("engage: no message matches " + match.dump() + " (of " +
                    std::to_string(body["results"].size()) + " messages)",
                DiffsToJson(best.diffs), closest ? *closest : Json());
  }

  bool ExpectProfile(const Json& spec) {
    const Json& p = spec["expect_profile"];
    std::string user = p["user"].get<std::string>();
    HttpResponse r =
        Do({"GET", "/profiles/" + user, {{"Authorization", "Bearer " + s_.api_key}}, ""});
    if (!TransportOk(r, "GET /profiles/" + user)) return false;
    Json body = r.JsonBody();
    if (r.status != 200) {
      return Fail("GET /profiles/" + user + " answered " + std::to_string(r.status), Json::array(),
                  body);
    }
    MatchResult m = MatchJson(p["match"], body);
    if (!m.ok) {
      return Fail("profile of '" + user + "' does not match", DiffsToJson(m.diffs), body);
    }
    return Save(spec, body);
  }

  bool ExpectCollection(StepKind kind, const Json& spec) {
    const Json& c = spec[StepKindName(kind)];
    std::string path, noun;
    switch (kind) {
      case StepKind::kExpectMessages:
        path = "/_mock/messages?workspace=" + s_.api_key;
        noun = "messages";
        break;
      case StepKind::kExpectRuns:
        path = "/_mock/runs?workspace=" + s_.api_key;
        noun = "automation runs";
        break;
      case StepKind::kExpectInbound:
        path = "/_mock/inbound?workspace=" + s_.api_key;
        noun = "inbound journal entries";
        break;
      case StepKind::kExpectOutbound:
        path = "/_mock/segment/outbox?workspace=" + s_.api_key;
        noun = "outbound Segment calls";
        break;
      default:
        path = "/_mock/segment/received";
        if (c.contains("write_key")) path += "?write_key=" + c["write_key"].get<std::string>();
        noun = "calls received by the fake Segment API";
        break;
    }
    HttpResponse r = Do({"GET", path, {}, ""});
    if (!TransportOk(r, "GET " + path)) return false;
    Json body = r.JsonBody();
    if (r.status != 200 || !body.is_object() || !body.contains("results") ||
        !body["results"].is_array()) {
      return Fail(
          "GET " + path + " answered " + std::to_string(r.status) + " without a results array",
          Json::array(), body);
    }
    const Json& items = body["results"];
    const Json match = c.value("match", Json::object());
    std::vector<std::size_t> matching;
    std::size_t closest = items.size();
    MatchResult best;
    best.matched = -1;
    for (std::size_t i = 0; i < items.size(); ++i) {
      MatchResult m = MatchJson(match, items[i]);
      if (m.ok) {
        matching.push_back(i);
      } else if (m.matched > best.matched) {
        best = m;
        closest = i;
      }
    }
    std::string what = noun + " matching " + match.dump();
    std::string of = " (of " + std::to_string(items.size()) + " " + noun + ")";
    auto ids = [&](std::size_t from) {
      std::string out;
      for (std::size_t k = from; k < matching.size(); ++k) {
        out += (out.empty() ? "" : ", ") + Str(items[matching[k]], "id");
      }
      return out;
    };
    const Json closest_item = closest < items.size() ? items[closest] : Json();
    if (c.contains("none")) {
      if (!matching.empty()) {
        return Fail(
            "expected no " + what + ", found " + std::to_string(matching.size()) + ": " + ids(0),
            Json::array(), items[matching[0]]);
      }
      return true;
    }
    if (c.contains("exactly")) {
      std::size_t n = c["exactly"].get<std::size_t>();
      if (matching.size() > n) {
        return Fail("expected exactly " + std::to_string(n) + " " + what + ", found " +
                        std::to_string(matching.size()) + of + "; extra: " + ids(n),
                    Json::array(), items[matching[n]]);
      }
      if (matching.size() < n) {
        return Fail("expected exactly " + std::to_string(n) + " " + what + ", found " +
                        std::to_string(matching.size()) + of,
                    DiffsToJson(best.diffs), closest_item);
      }
    } else {
      std::size_t n = c.contains("at_least") ? c["at_least"].get<std::size_t>() : 1;
      if (matching.size() < n) {
        return Fail("expected at least " + std::to_string(n) + " " + what + ", found " +
                        std::to_string(matching.size()) + of,
                    DiffsToJson(best.diffs), closest_item);
      }
    }
    if (c.contains("sequence")) {
      std::size_t pos = 0;
      const Json& seq = c["sequence"];
      for (std::size_t k = 0; k < seq.size(); ++k) {
        bool found = false;
        MatchResult near;
        near.matched = -1;
        std::size_t near_index = items.size();
        for (; pos < matching.size(); ++pos) {
          MatchResult m = MatchJson(seq[k], items[matching[pos]]);
          if (m.ok) {
            found = true;
            ++pos;
            break;
          }
          if (m.matched > near.matched) {
            near = m;
            near_index = matching[pos];
          }
        }
        if (!found) {
          return Fail("sequence element " + std::to_string(k) + " " + seq[k].dump() +
                          " not found in order among " + what + of,
                      DiffsToJson(near.diffs),
                      near_index < items.size() ? items[near_index] : Json());
        }
      }
    }
    if (!matching.empty()) return Save(spec, items[matching[0]]);
    return true;
  }

  // ---- timeline -----------------------------------------------------------------
  Json Inspect(const std::string& path) {
    HttpResponse r = t_.Send({"GET", path, {}, ""});
    Json body = r.JsonBody();
    if (r.status != 200 || !body.is_object() || !body.contains("results") ||
        !body["results"].is_array()) {
      return Json::array();
    }
    return body["results"];
  }

  void Add(TimePoint at, const std::string& kind, const std::string& label,
           const std::string& detail) {
    entries_.push_back({at, entries_.size(), kind, label, detail});
  }

  void CollectTimeline() {
    const std::string ws = "?workspace=" + s_.api_key;
    for (const Json& e : Inspect("/_mock/inbound" + ws)) {
      TimePoint at = FirstTime(e, {"received_at", "at", "created_at"}).value_or(s_.start);
      std::string label = "inbound " + Str(e, "type");
      if (!Str(e, "event").empty()) label += " \"" + Str(e, "event") + "\"";
      if (!Str(e, "outcome").empty()) label += ": " + Str(e, "outcome");
      std::string detail = Str(e, "id");
      if (e.contains("diagnostics") && e["diagnostics"].is_array()) {
        for (const Json& d : e["diagnostics"])
          detail += "; " + (d.is_string() ? d.get<std::string>() : d.dump());
      }
      Add(at, "segment", label, detail);
    }
    for (const Json& run : Inspect("/_mock/runs" + ws)) {
      TimePoint created = FirstTime(run, {"created_at", "createdAt", "at"}).value_or(s_.start);
      std::string name = Str(run, "template");
      if (name.empty()) name = Str(run, "template_id");
      if (name.empty()) name = Str(run, "source");
      std::string run_detail =
          Str(run, "id") +
          (Str(run, "cancelation_token").empty() ? "" : " token " + Str(run, "cancelation_token"));
      // Run diagnostics, such as "accepted here; Courier may reject", reach the reports.
      if (run.contains("diagnostics") && run["diagnostics"].is_array()) {
        for (const Json& d : run["diagnostics"])
          run_detail += "; " + (d.is_string() ? d.get<std::string>() : d.dump());
      }
      Add(created, "run", "run " + name + " " + Str(run, "status"), run_detail);
      if (!run.contains("steps") || !run["steps"].is_array()) continue;
      for (const Json& step : run["steps"]) {
        const Json def = step.contains("definition") ? step["definition"] : step;
        std::string action = Str(def, "action");
        if (action != "delay" && action != "cancel") continue;
        TimePoint at = FirstTime(step, {"processed_at", "started_at"}).value_or(created);
        std::string label =
            action == "delay" ? "delay " + (def.contains("duration") ? Str(def, "duration")
                                                                     : "until " + Str(def, "until"))
                              : "cancel " + Str(def, "cancelation_token");
        Add(at, action == "delay" ? "delay" : "run", label + " (" + Str(step, "status") + ")",
            Str(run, "id"));
      }
    }
    for (const Json& m : Inspect("/_mock/messages" + ws)) {
      std::string what = Str(m, "notification");
      if (what.empty()) what = Str(m, "event");
      std::string recipient = Str(m, "recipient");
      bool has_history = m.contains("history") && m["history"].is_array() && !m["history"].empty();
      TimePoint enqueued = FirstTime(m, {"enqueued", "created_at"}).value_or(s_.start);
      // Message diagnostics, such as "accepted here; Courier may reject", reach the reports.
      std::string send_detail = Str(m, "id");
      if (m.contains("diagnostics") && m["diagnostics"].is_array()) {
        for (const Json& d : m["diagnostics"])
          send_detail += "; " + (d.is_string() ? d.get<std::string>() : d.dump());
      }
      if (!has_history) {
        Add(enqueued, "send", "send " + what + " to " + recipient, send_detail);
        Add(enqueued, "status", Str(m, "status"), Str(m, "id"));
        continue;
      }
      for (const Json& h : m["history"]) {
        TimePoint at = FirstTime(h, {"ts", "at"}).value_or(enqueued);
        std::string type = Str(h, "type");
        if (type == "ENQUEUED") {
          Add(at, "send", "send " + what + " to " + recipient, send_detail);
        } else {
          std::string channel =
              h.contains("channel") && h["channel"].is_object() ? Str(h["channel"], "id") : "";
          Add(at, "status", type + (channel.empty() ? "" : " (" + channel + ")"), Str(m, "id"));
        }
      }
    }
    for (const Json& o : Inspect("/_mock/segment/outbox" + ws)) {
      TimePoint at = FirstTime(o, {"created_at", "at"}).value_or(s_.start);
      const Json event = o.contains("event") ? o["event"] : Json::object();
      Add(at, "outbound", "Segment track \"" + Str(event, "event") + "\" -> " + Str(o, "state"),
          "userId " + Str(event, "userId"));
    }
  }

  Json TimelineJson() {
    std::stable_sort(entries_.begin(), entries_.end(),
                     [](const TimelineEntry& a, const TimelineEntry& b) { return a.at < b.at; });
    Json out = Json::array();
    for (const auto& e : entries_) {
      out.push_back({{"at", FormatIso8601(e.at)},
                     {"kind", e.kind},
                     {"label", e.label},
                     {"detail", e.detail}});
    }
    return out;
  }

  Duration latency_ = 0;  // Set by Prepared(): 0 unless latency mode applies.
  const Scenario s_;
  Target& t_;
  TimePoint now_;
  const bool latency_mode_;
  TimePoint settle_until_ = 0;  // Latency mode: the last action's processing is due by then.
  Json waits_ = Json::array();
  std::map<std::string, Json> saved_;
  std::vector<TimelineEntry> entries_;
  Json exchanges_ = Json::array();
  Json failure_;
};

Json BaseEntry(const ScenarioFile& file, const std::string& target_name) {
  return {{"name", file.scenario ? file.scenario->name : file.file},
          {"file", file.file},
          {"source", file.scenario ? file.scenario->source : ""},
          {"target", target_name},
          {"duration_ms", 0},
          {"steps", file.scenario ? file.scenario->steps.size() : 0},
          {"timeline", Json::array()}};
}

}  // namespace

Json RunScenario(const Scenario& scenario, Target& target) {
  return RunScenario(scenario, target, RunOptions{});
}

Json RunScenario(const Scenario& scenario, Target& target, const RunOptions& options) {
  return ScenarioRun(scenario, target, options).Run();
}

Json LoadFailureResult(const ScenarioFile& file, const std::string& target_name) {
  Json entry = BaseEntry(file, target_name);
  entry["status"] = "failed";
  entry["failure"] = {{"step", -1},
                      {"step_kind", "load"},
                      {"message", file.error},
                      {"diff", Json::array()},
                      {"closest", nullptr},
                      {"exchanges", Json::array()}};
  return entry;
}

Json SkippedResult(const ScenarioFile& file, const std::string& target_name,
                   const std::string& reason) {
  Json entry = BaseEntry(file, target_name);
  entry["status"] = "skipped";
  entry["skip_reason"] = reason;
  return entry;
}

Json MakeRunResult(const std::vector<std::string>& targets, Json scenarios,
                   std::int64_t duration_ms, const std::string& started_at) {
  int passed = 0, failed = 0, skipped = 0;
  for (const Json& s : scenarios) {
    const std::string status = s.value("status", "");
    (status == "passed" ? passed : status == "skipped" ? skipped : failed)++;
  }
  return {{"suite", "mock-courier conformance"},
          {"targets", targets},
          {"started_at", started_at},
          {"duration_ms", duration_ms},
          {"totals", {{"passed", passed}, {"failed", failed}, {"skipped", skipped}}},
          {"scenarios", std::move(scenarios)}};
}

Json MergeRunResults(const std::vector<Json>& runs) {
  std::vector<std::string> targets;
  std::vector<Json> scenarios;
  std::string started_at;
  std::int64_t duration_ms = 0;
  for (const Json& run : runs) {
    if (!run.is_object() || !run.contains("scenarios") || !run["scenarios"].is_array()) continue;
    for (const Json& t : run.value("targets", Json::array())) {
      if (t.is_string() && std::find(targets.begin(), targets.end(), t) == targets.end()) {
        targets.push_back(t);
      }
    }
    for (const Json& s : run["scenarios"]) scenarios.push_back(s);
    const std::string started = run.value("started_at", "");
    if (!started.empty() && (started_at.empty() || started < started_at)) started_at = started;
    duration_ms += run.value("duration_ms", std::int64_t{0});
  }
  auto target_rank = [&](const Json& s) {
    auto it = std::find(targets.begin(), targets.end(), s.value("target", ""));
    return it - targets.begin();
  };
  std::stable_sort(scenarios.begin(), scenarios.end(), [&](const Json& a, const Json& b) {
    auto ra = target_rank(a), rb = target_rank(b);
    if (ra != rb) return ra < rb;
    return a.value("file", "") < b.value("file", "");
  });
  return MakeRunResult(targets, Json(std::move(scenarios)), duration_ms, started_at);
}

std::map<std::string, std::string> LoadKnownFailures(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    std::size_t end = line.find_first_of(" \t", start);
    std::string file =
        line.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string reason;
    if (end != std::string::npos) {
      std::size_t r = line.find_first_not_of(" \t", end);
      if (r != std::string::npos) reason = line.substr(r);
    }
    out[file] = reason.empty() ? "listed in conformance/known_failures.txt" : reason;
  }
  return out;
}

}  // namespace mock_courier::conformance
