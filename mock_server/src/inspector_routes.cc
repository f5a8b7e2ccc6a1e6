// The live inspector's endpoints (inspector.h). Everything here reads the
// engine through its public inspection pages (mock_courier/inspection.h).
#include <chrono>
#include <limits>
#include <thread>

#include "api_internal.h"
#include "inspector.h"
#include "mock_courier/reports/timeline.h"
#include "mock_courier/time_format.h"
#include "request_body.h"
#include "ui_assets.h"

namespace mock_courier::server {

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

// A timeline row as the page reads it.
Json RowJson(const TimelineRow& row) {
  Json out = Json::object();
  out["lane"] = std::string(reports::LaneOfKind(row.kind));
  out["kind"] = row.kind;
  out["id"] = row.id;
  out["at"] = FormatIso8601(row.at);
  out["at_ms"] = row.at;
  out["user"] = row.user;
  out["name"] = row.name;
  out["status"] = row.status;
  out["label"] = row.label;
  out["links"] = row.links;
  out["leads_to"] = row.leads_to;
  return out;
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

}  // namespace

bool Inspector::Handles(const std::string& path) {
  return path == "/_mock/ui" || path.starts_with("/_mock/ui/") || path == "/_mock/changes" ||
         path == "/_mock/summary" || path == "/_mock/timeline" || path == "/_mock/inspect";
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
    // The version first: a change after it is seen by the next long-poll.
    const std::uint64_t version = engine_.Version();
    Result<Json> counts = engine_.InspectionCounts(*key);
    if (!counts.ok()) return StatusResponse(counts.status());
    Json body = std::move(counts).value();
    body["version"] = version;
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
    TimelineQuery query;
    query.user = QueryValue(request.query, "user").value_or("");
    query.event = QueryValue(request.query, "event").value_or("");
    query.status = QueryValue(request.query, "status").value_or("");
    query.kind = QueryValue(request.query, "kind").value_or("");
    query.offset = static_cast<std::size_t>(*offset);
    query.limit = static_cast<std::size_t>(*limit);
    const std::uint64_t version = engine_.Version();
    Result<TimelinePage> page = engine_.Timeline(*key, query);
    if (!page.ok()) return StatusResponse(page.status());
    Json results = Json::array();
    for (const TimelineRow& row : page->rows) results.push_back(RowJson(row));
    return JsonResponse(200, {{"results", std::move(results)},
                              {"total", page->total},
                              {"offset", *offset},
                              {"limit", *limit},
                              {"version", version}});
  }

  // /_mock/inspect
  const std::string kind = QueryValue(request.query, "kind").value_or("");
  const std::string id = QueryValue(request.query, "id").value_or("");
  if (id.empty()) return StatusResponse(BadRequest("id is required"));
  if (kind == "profile") {
    // By pattern, not by path: a user id may hold '/'.
    static const ApiRoute& get_profile = *ApiRouteFor("GET", "/profiles/{user_id}");
    static const ApiRoute& get_lists = *ApiRouteFor("GET", "/profiles/{user_id}/lists");
    Result<Reply> profile =
        engine_.Call(*key, get_profile, ApiCall{{id}, Json::object(), Json::object(), "", {}});
    Result<Reply> lists =
        engine_.Call(*key, get_lists, ApiCall{{id}, Json::object(), Json::object(), "", {}});
    if (!profile.ok()) return StatusResponse(profile.status());
    if (!lists.ok()) return StatusResponse(lists.status());
    return JsonResponse(200, {{"kind", kind},
                              {"id", id},
                              {"record", {{"profile", profile->body}, {"lists", lists->body}}}});
  }
  if (kind != "segment" && kind != "inbound" && kind != "run" && kind != "send" &&
      kind != "outbound") {
    return StatusResponse(
        BadRequest("kind must be one of segment, inbound, run, send, outbound, profile"));
  }
  Result<InspectedRecord> found = engine_.InspectRecord(*key, kind, id);
  if (!found.ok()) return StatusResponse(found.status());
  return JsonResponse(200, {{"kind", kind},
                            {"id", id},
                            {"record", std::move(found->record)},
                            {"row", RowJson(found->row)}});
}

}  // namespace mock_courier::server
