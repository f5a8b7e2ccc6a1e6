// The live inspector's endpoints (inspector.h). Everything here reads the
// engine through its public admin views; nothing in engine/ knows about it.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <limits>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api_internal.h"
#include "inspector.h"
#include "mock_courier/reports/timeline.h"
#include "mock_courier/time_format.h"
#include "request_body.h"
#include "ui_assets.h"

namespace mock_courier::server {

struct Inspector::Snapshot {
  std::uint64_t version = 0;
  std::vector<Json> rows;  // Newest first.
  Json counts;
  // "kind/id" -> the view's full record.
  std::unordered_map<std::string, Json> records;
};

namespace {

constexpr std::int64_t kDefaultPollMs = 25000;
constexpr std::int64_t kMaxPollMs = 30000;
constexpr std::int64_t kDefaultLimit = 100;
constexpr std::int64_t kMaxLimit = 1000;

// The page may only talk to the mock: no other origin, no inline script, and
// the rendered email (an iframe with srcdoc) inherits this policy, so its
// images or links cannot reach out either.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; frame-src 'self'; base-uri 'none'; "
    "form-action 'none'";

Status BadRequest(std::string message) { return Status::Error(400, std::move(message)); }

std::string Str(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

TimePoint ParseAt(const std::string& iso) { return ParseIso8601(iso).value_or(0); }

// A timeline row. `links` are the ids of the rows that caused this one (its
// parents); `leads_to` the ids of the rows it caused.
Json Row(std::string kind, std::string id, TimePoint at, std::string user, std::string name,
         std::string status, std::string label) {
  Json row = Json::object();
  row["lane"] = std::string(reports::LaneOfKind(kind));
  row["kind"] = std::move(kind);
  row["id"] = std::move(id);
  row["at"] = FormatIso8601(at);
  row["at_ms"] = at;
  row["user"] = std::move(user);
  row["name"] = std::move(name);
  row["status"] = std::move(status);
  row["label"] = std::move(label);
  row["links"] = Json::array();
  row["leads_to"] = Json::array();
  return row;
}

void Count(Json& counts, const std::string& value) {
  Json& slot = counts[value.empty() ? std::string("(none)") : value];
  slot = slot.is_number() ? slot.get<std::int64_t>() + 1 : 1;
}

Json Results(Result<Json>& view) {
  if (!view.ok() || !view->is_object() || !view->contains("results")) return Json::array();
  return std::move((*view)["results"]);
}

ApiResponse TextResponse(int status, std::string_view type, std::string body) {
  ApiResponse response;
  response.status = status;
  response.headers["Content-Type"] = std::string(type);
  response.headers["Content-Security-Policy"] = kContentSecurityPolicy;
  response.headers["Cache-Control"] = "no-cache";
  response.body = std::move(body);
  return response;
}

ApiResponse ServeAsset(const ApiRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    return StatusResponse(Status::Error(405, "The inspector page only answers GET"));
  }
  if (request.path == "/_mock/ui") {
    // Relative asset URLs need the trailing slash; keep the query (?workspace=).
    std::string location = "/_mock/ui/";
    for (std::size_t i = 0; i < request.query.size(); ++i) {
      location += (i == 0 ? "?" : "&") + request.query[i].first + "=" + request.query[i].second;
    }
    ApiResponse response;
    response.status = 302;
    response.headers["Location"] = location;
    return response;
  }
  std::string name = request.path.substr(std::string_view("/_mock/ui/").size());
  if (name.empty()) name = "index.html";
  if (name == "timeline.css") {
    return TextResponse(200, "text/css; charset=utf-8", reports::TimelineCss());
  }
  for (const UiAsset& asset : UiAssets()) {
    if (asset.name == name) return TextResponse(200, asset.content_type, std::string(asset.body));
  }
  return StatusResponse(
      Status::Error(404, "No inspector asset " + name + " (the page is at /_mock/ui/)"));
}

Result<std::int64_t> IntParam(const ApiRequest& request, const char* name, std::int64_t fallback,
                              std::int64_t min, std::int64_t max) {
  auto text = QueryValue(request.query, name);
  if (!text || text->empty()) return fallback;
  std::int64_t value = 0;
  try {
    std::size_t used = 0;
    value = std::stoll(*text, &used);
    if (used != text->size()) throw std::invalid_argument("trailing characters");
  } catch (const std::exception&) {
    return BadRequest(std::string(name) + " must be an integer");
  }
  if (value < min || value > max) {
    return BadRequest(std::string(name) + " must be between " + std::to_string(min) + " and " +
                      std::to_string(max));
  }
  return value;
}

// The `workspace` query parameter, which must name a known API key; 404
// otherwise (as the other admin views).
Result<std::string> Workspace(Engine& engine, const ApiRequest& request) {
  auto key = QueryValue(request.query, "workspace");
  if (!key || key->empty()) {
    return Status::Error(
        404, "The workspace query parameter is required: ?workspace=<an API key of the workspace>");
  }
  if (!engine.HasApiKey(*key)) {
    return Status::Error(
        404, "No workspace has the API key '" + *key + "' (GET /_mock/workspaces lists them)");
  }
  return *key;
}

// Builds the merged timeline from the four admin views. Causal links come
// from fields the views already carry: an inbound entry's effects.runs and
// effects.messages, a run's source ("track/<event>/<inbound id>") and its send
// steps' result.messageId, a message's origin.run_id, an outbound call's
// properties.messageId.
std::shared_ptr<Inspector::Snapshot> Build(Engine& engine, const std::string& key,
                                           std::uint64_t version) {
  auto snapshot = std::make_shared<Inspector::Snapshot>();
  snapshot->version = version;
  Result<Json> journal_view = engine.Journal(key);
  Result<Json> runs_view = engine.Runs(key);
  Result<Json> messages_view = engine.Messages(key);
  Result<Json> outbox_view = engine.Outbox(key);
  Json journal = Results(journal_view);
  Json runs = Results(runs_view);
  Json messages = Results(messages_view);
  Json outbox = Results(outbox_view);

  // (at, phase, index) orders rows causally within one mock instant.
  struct Keyed {
    TimePoint at;
    int phase;
    std::size_t index;
    Json row;
  };
  std::vector<Keyed> rows;
  rows.reserve(journal.size() + runs.size() + messages.size() + outbox.size());
  std::unordered_map<std::string, std::size_t> row_of;  // id -> index in rows
  Json counts = {{"inbound", Json::object()},
                 {"runs", Json::object()},
                 {"messages", Json::object()},
                 {"outbound", Json::object()},
                 {"totals",
                  {{"inbound", journal.size()},
                   {"runs", runs.size()},
                   {"messages", messages.size()},
                   {"outbound", outbox.size()}}}};

  for (std::size_t i = 0; i < journal.size(); ++i) {
    Json& entry = journal[i];
    const Json& payload = entry.contains("payload") ? entry["payload"] : Json::object();
    std::string user = Str(payload, "userId");
    if (user.empty()) user = Str(payload, "anonymousId");
    std::string name = Str(entry, "event");
    if (name.empty()) name = Str(entry, "type");
    const std::string outcome = Str(entry, "outcome");
    // A replayed duplicate has the first entry's id; keep row ids unique.
    std::string id = Str(entry, "id");
    if (row_of.count(id) != 0) id += "#" + std::to_string(i);
    const std::string source = Str(entry, "source");
    std::string label = (source == "segment" ? "Segment " : source + " ") + Str(entry, "type") +
                        (Str(entry, "event").empty() ? "" : " \"" + Str(entry, "event") + "\"") +
                        " -> " + std::to_string(entry.value("status", 0));
    Json row = Row(source == "segment" ? "segment" : "inbound", id,
                   ParseAt(Str(entry, "received_at")), user, name, outcome, label);
    if (const Json* effects = entry.contains("effects") ? &entry["effects"] : nullptr) {
      for (const char* what : {"runs", "messages"}) {
        if (effects->contains(what) && (*effects)[what].is_array()) {
          for (const Json& target : (*effects)[what]) {
            if (target.is_string()) row["leads_to"].push_back(target);
          }
        }
      }
    }
    Count(counts["inbound"], outcome);
    row_of[id] = rows.size();
    rows.push_back({row["at_ms"].get<TimePoint>(), 0, i, std::move(row)});
    snapshot->records["inbound/" + id] = std::move(entry);
  }

  for (std::size_t i = 0; i < runs.size(); ++i) {
    Json& run = runs[i];
    const std::string id = Str(run, "id");
    const Json& context = run.contains("context") ? run["context"] : Json::object();
    std::string label = "run " + Str(run, "template");
    // Show when a waiting delay is due (mock clock).
    if (run.contains("steps") && run["steps"].is_array()) {
      for (const Json& step : run["steps"]) {
        if (Str(step, "status") == "WAITING" && step.contains("result") &&
            step["result"].is_object()) {
          std::string due = Str(step["result"], "expectedDelayValue");
          if (!due.empty()) label += ", due " + due;
        }
      }
    }
    Json row =
        Row("run", id, ParseAt(Str(run, "created_at")), Str(context, "recipient"),
            Str(run, "template") + " " + Str(context, "template"), Str(run, "status"), label);
    // source: "track/<event>/<inbound id>".
    const std::string source = Str(run, "source");
    if (auto slash = source.rfind('/'); slash != std::string::npos) {
      const std::string inbound = source.substr(slash + 1);
      if (row_of.count(inbound) != 0) row["links"].push_back(inbound);
    }
    if (run.contains("steps") && run["steps"].is_array()) {
      for (const Json& step : run["steps"]) {
        std::string message = step.contains("result") ? Str(step["result"], "messageId") : "";
        if (!message.empty()) row["leads_to"].push_back(message);
      }
    }
    Count(counts["runs"], Str(run, "status"));
    row_of[id] = rows.size();
    rows.push_back({row["at_ms"].get<TimePoint>(), 1, i, std::move(row)});
    snapshot->records["run/" + id] = std::move(run);
  }

  for (std::size_t i = 0; i < messages.size(); ++i) {
    Json& message = messages[i];
    const std::string id = Str(message, "id");
    std::string what = Str(message, "notification");
    if (what.empty()) what = Str(message, "event");
    const std::string channel = Str(message, "channel");
    Json row = Row("send", id, message.value("enqueued", TimePoint{0}), Str(message, "recipient"),
                   what, Str(message, "status"),
                   "send " + (what.empty() ? std::string("(content)") : what) + " to " +
                       Str(message, "recipient") + (channel.empty() ? "" : " (" + channel + ")"));
    if (message.contains("origin")) {
      const std::string run = Str(message["origin"], "run_id");
      if (!run.empty() && row_of.count(run) != 0) row["links"].push_back(run);
    }
    Count(counts["messages"], Str(message, "status"));
    row_of[id] = rows.size();
    rows.push_back({row["at_ms"].get<TimePoint>(), 2, i, std::move(row)});
    snapshot->records["send/" + id] = std::move(message);
  }
  // Inbound entries that sent directly (legacy event map) link to their messages.
  for (auto& keyed : rows) {
    if (keyed.phase != 0) continue;
    for (const Json& target : keyed.row["leads_to"]) {
      auto it = row_of.find(target.get<std::string>());
      if (it != row_of.end() && rows[it->second].phase == 2 &&
          rows[it->second].row["links"].empty()) {
        rows[it->second].row["links"].push_back(keyed.row["id"]);
      }
    }
  }

  for (std::size_t i = 0; i < outbox.size(); ++i) {
    Json& call = outbox[i];
    const std::string id = Str(call, "id");
    const Json& event = call.contains("event") ? call["event"] : Json::object();
    const Json& properties = event.contains("properties") ? event["properties"] : Json::object();
    Json row = Row("outbound", id, ParseAt(Str(call, "created_at")), Str(event, "userId"),
                   Str(event, "event"), Str(call, "state"),
                   "Segment track \"" + Str(event, "event") + "\" -> " + Str(call, "state"));
    const std::string message = Str(properties, "messageId");
    if (auto it = row_of.find(message); it != row_of.end()) {
      row["links"].push_back(message);
      rows[it->second].row["leads_to"].push_back(id);
    }
    Count(counts["outbound"], Str(call, "state"));
    rows.push_back({row["at_ms"].get<TimePoint>(), 3, i, std::move(row)});
    snapshot->records["outbound/" + id] = std::move(call);
  }

  std::stable_sort(rows.begin(), rows.end(), [](const Keyed& a, const Keyed& b) {
    if (a.at != b.at) return a.at > b.at;
    if (a.phase != b.phase) return a.phase > b.phase;
    return a.index > b.index;
  });
  snapshot->rows.reserve(rows.size());
  for (Keyed& keyed : rows) snapshot->rows.push_back(std::move(keyed.row));
  snapshot->counts = std::move(counts);
  return snapshot;
}

bool Matches(const Json& row, const std::string& user, const std::string& event,
             const std::string& status, const std::string& kind) {
  if (!user.empty() && row["user"].get_ref<const std::string&>() != user) return false;
  if (!kind.empty() && row["kind"].get_ref<const std::string&>() != kind) return false;
  if (!status.empty() && Lower(row["status"].get<std::string>()) != status) return false;
  if (!event.empty() && Lower(row["name"].get<std::string>()).find(event) == std::string::npos)
    return false;
  return true;
}

}  // namespace

bool Inspector::Handles(const std::string& path) {
  return path == "/_mock/ui" || path.starts_with("/_mock/ui/") || path == "/_mock/changes" ||
         path == "/_mock/summary" || path == "/_mock/timeline" || path == "/_mock/inspect";
}

std::shared_ptr<const Inspector::Snapshot> Inspector::Current(const std::string& key) {
  std::lock_guard lock(mutex_);
  const std::uint64_t version = engine_.Version();
  auto& slot = snapshots_[key];
  if (!slot || slot->version != version) slot = Build(engine_, key, version);
  return slot;
}

ApiResponse Inspector::Handle(const ApiOptions& options, const ApiRequest& request) {
  if (request.path == "/_mock/ui" || request.path.starts_with("/_mock/ui/")) {
    return ServeAsset(request);
  }
  if (!AdminAuthorized(options, request)) return StatusResponse(Status::Unauthorized());
  if (request.method != "GET") {
    return StatusResponse(Status::Error(405, request.path + " only answers GET"));
  }

  if (request.path == "/_mock/changes") {
    Result<std::int64_t> timeout = IntParam(request, "timeout_ms", kDefaultPollMs, 0, kMaxPollMs);
    if (!timeout.ok()) return StatusResponse(timeout.status());
    auto since_text = QueryValue(request.query, "since");
    std::uint64_t since = engine_.Version();
    if (since_text && !since_text->empty()) {
      Result<std::int64_t> parsed =
          IntParam(request, "since", 0, 0, std::numeric_limits<std::int64_t>::max());
      if (!parsed.ok()) return StatusResponse(parsed.status());
      since = static_cast<std::uint64_t>(*parsed);
    }
    // The virtual clock can move without any state change (nothing was due);
    // the page shows the clock, so that is a change too.
    const bool virtual_clock = dynamic_cast<ManualClock*>(&engine_.clock()) != nullptr;
    // The clock the caller last saw (now_ms), else the clock at arrival.
    Result<std::int64_t> clock_at =
        IntParam(request, "now_ms", engine_.clock().Now(), std::numeric_limits<std::int64_t>::min(),
                 std::numeric_limits<std::int64_t>::max());
    if (!clock_at.ok()) return StatusResponse(clock_at.status());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(*timeout);
    auto changed = [&] {
      return engine_.Version() != since || (virtual_clock && engine_.clock().Now() != *clock_at);
    };
    while (!changed() && !stopping_ && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return JsonResponse(200, {{"version", engine_.Version()},
                              {"changed", changed()},
                              {"stopping", stopping_.load()},
                              {"now_ms", engine_.clock().Now()}});
  }

  Result<std::string> key = Workspace(engine_, request);
  if (!key.ok()) return StatusResponse(key.status());

  if (request.path == "/_mock/summary") {
    std::shared_ptr<const Snapshot> snapshot = Current(*key);
    Json body = snapshot->counts;
    body["version"] = snapshot->version;
    body["clock"] = engine_.ClockState();
    body["workspace"] = *key;
    return JsonResponse(200, body);
  }

  if (request.path == "/_mock/timeline") {
    Result<std::int64_t> limit = IntParam(request, "limit", kDefaultLimit, 1, kMaxLimit);
    if (!limit.ok()) return StatusResponse(limit.status());
    Result<std::int64_t> offset =
        IntParam(request, "offset", 0, 0, std::numeric_limits<std::int64_t>::max());
    if (!offset.ok()) return StatusResponse(offset.status());
    const std::string user = QueryValue(request.query, "user").value_or("");
    const std::string event = Lower(QueryValue(request.query, "event").value_or(""));
    const std::string status = Lower(QueryValue(request.query, "status").value_or(""));
    const std::string kind = QueryValue(request.query, "kind").value_or("");
    std::shared_ptr<const Snapshot> snapshot = Current(*key);
    Json results = Json::array();
    std::int64_t total = 0;
    for (const Json& row : snapshot->rows) {
      if (!Matches(row, user, event, status, kind)) continue;
      if (total >= *offset && total < *offset + *limit) results.push_back(row);
      ++total;
    }
    return JsonResponse(200, {{"results", std::move(results)},
                              {"total", total},
                              {"offset", *offset},
                              {"limit", *limit},
                              {"version", snapshot->version}});
  }

  // /_mock/inspect
  const std::string kind = QueryValue(request.query, "kind").value_or("");
  const std::string id = QueryValue(request.query, "id").value_or("");
  if (id.empty()) return StatusResponse(BadRequest("id is required"));
  if (kind == "profile") {
    Result<Reply> profile = engine_.GetProfile(*key, id);
    Result<Reply> lists = engine_.GetProfileLists(*key, id);
    if (!profile.ok()) return StatusResponse(profile.status());
    if (!lists.ok()) return StatusResponse(lists.status());
    return JsonResponse(200, {{"kind", kind},
                              {"id", id},
                              {"record", {{"profile", profile->body}, {"lists", lists->body}}}});
  }
  std::string family = kind == "segment" ? "inbound" : kind;
  if (family != "inbound" && family != "run" && family != "send" && family != "outbound") {
    return StatusResponse(
        BadRequest("kind must be one of segment, inbound, run, send, outbound, profile"));
  }
  std::shared_ptr<const Snapshot> snapshot = Current(*key);
  auto it = snapshot->records.find(family + "/" + id);
  if (it == snapshot->records.end()) {
    return StatusResponse(Status::Error(404, "No " + kind + " with id '" + id + "'"));
  }
  Json row;
  for (const Json& r : snapshot->rows) {
    if (r["id"] == id) {
      row = r;
      break;
    }
  }
  return JsonResponse(
      200, {{"kind", kind}, {"id", id}, {"record", it->second}, {"row", std::move(row)}});
}

}  // namespace mock_courier::server
