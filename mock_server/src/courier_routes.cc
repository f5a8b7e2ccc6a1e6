// The Courier API surface: route table, auth, size limit, body parsing,
// idempotency, then one engine call per route.
#include <cctype>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_internal.h"
#include "mock_courier/time_format.h"
#include "request_body.h"

namespace mock_courier::server {
namespace {

enum class BodyRule {
  kNone,      // The body is ignored.
  kRequired,  // Empty -> 400 "No Body Provided".
  kOptional,  // Empty -> {}.
};

struct RouteArgs {
  const std::string& key;
  const std::vector<std::string>& params;  // The {placeholders}, in order.
  // The parsed body. A handler runs once per request and may move it out.
  Json& body;
  const Json& query;
  // The body's text when it was parsed as JSON, else empty.
  const std::string& json_text;
};

using RouteHandler = std::function<Result<Reply>(Engine&, const RouteArgs&)>;

struct Route {
  std::string method;
  std::vector<std::string> pattern;  // Path segments; "{}" matches any one segment.
  BodyRule body = BodyRule::kNone;
  ErrorShape body_error_shape = ErrorShape::kStandard;
  RouteHandler handler;
};

std::vector<std::string> Pattern(std::string_view path) { return SplitPath(path); }

// Every Courier endpoint the mock answers (https://www.courier.com/docs/reference/; the
// official SDK's resources list the same paths).
const std::vector<Route>& Routes() {
  static const std::vector<Route> routes = [] {
    std::vector<Route> r;
    auto add = [&r](std::string method, std::string_view path, BodyRule body, RouteHandler h,
                    ErrorShape shape = ErrorShape::kStandard) {
      r.push_back(Route{std::move(method), Pattern(path), body, shape, std::move(h)});
    };
    using A = const RouteArgs&;
    add("POST", "/debug", BodyRule::kNone, [](Engine& e, A a) { return e.Debug(a.key); });
    // /inbound/segment errors are message-only bodies (§8.1).
    add(
        "POST", "/inbound/segment", BodyRule::kRequired,
        [](Engine& e, A a) { return e.SegmentInbound(a.key, std::move(a.body), a.json_text); },
        ErrorShape::kMessageOnly);
    add("POST", "/inbound/courier", BodyRule::kRequired,
        [](Engine& e, A a) { return e.CourierInbound(a.key, a.body); });
    add("POST", "/send", BodyRule::kRequired, [](Engine& e, A a) { return e.Send(a.key, a.body); });
    add("POST", "/automations/invoke", BodyRule::kRequired,
        [](Engine& e, A a) { return e.InvokeAutomation(a.key, a.body); });
    add("GET", "/automations/runs", BodyRule::kNone,
        [](Engine& e, A a) { return e.ListRuns(a.key, a.query); });
    add("GET", "/automations/runs/{}", BodyRule::kNone,
        [](Engine& e, A a) { return e.GetRun(a.key, a.params[0]); });
    add("GET", "/automations/runs/{}/steps", BodyRule::kNone,
        [](Engine& e, A a) { return e.GetRunSteps(a.key, a.params[0]); });
    add("GET", "/automations", BodyRule::kNone,
        [](Engine& e, A a) { return e.ListAutomations(a.key, a.query); });
    add("POST", "/automations/{}/invoke", BodyRule::kRequired,
        [](Engine& e, A a) { return e.InvokeAutomationTemplate(a.key, a.params[0], a.body); });
    add("GET", "/profiles/{}", BodyRule::kNone,
        [](Engine& e, A a) { return e.GetProfile(a.key, a.params[0]); });
    add("POST", "/profiles/{}", BodyRule::kRequired,
        [](Engine& e, A a) { return e.MergeProfile(a.key, a.params[0], a.body); });
    add("PUT", "/profiles/{}", BodyRule::kRequired,
        [](Engine& e, A a) { return e.ReplaceProfile(a.key, a.params[0], a.body); });
    add("PATCH", "/profiles/{}", BodyRule::kRequired,
        [](Engine& e, A a) { return e.PatchProfile(a.key, a.params[0], a.body); });
    add("DELETE", "/profiles/{}", BodyRule::kNone,
        [](Engine& e, A a) { return e.DeleteProfile(a.key, a.params[0]); });
    add("GET", "/profiles/{}/lists", BodyRule::kNone,
        [](Engine& e, A a) { return e.GetProfileLists(a.key, a.params[0]); });
    add("GET", "/lists", BodyRule::kNone,
        [](Engine& e, A a) { return e.ListLists(a.key, a.query); });
    add("GET", "/lists/{}", BodyRule::kNone,
        [](Engine& e, A a) { return e.GetList(a.key, a.params[0]); });
    add("PUT", "/lists/{}", BodyRule::kOptional,
        [](Engine& e, A a) { return e.PutList(a.key, a.params[0], a.body); });
    add("DELETE", "/lists/{}", BodyRule::kNone,
        [](Engine& e, A a) { return e.DeleteList(a.key, a.params[0]); });
    add("GET", "/lists/{}/subscriptions", BodyRule::kNone,
        [](Engine& e, A a) { return e.GetListSubscriptions(a.key, a.params[0]); });
    // The Sync Audience action sends no body (§8.5).
    add("PUT", "/lists/{}/subscriptions/{}", BodyRule::kOptional,
        [](Engine& e, A a) { return e.Subscribe(a.key, a.params[0], a.params[1], a.body); });
    add("DELETE", "/lists/{}/subscriptions/{}", BodyRule::kNone,
        [](Engine& e, A a) { return e.Unsubscribe(a.key, a.params[0], a.params[1]); });
    add("GET", "/messages", BodyRule::kNone,
        [](Engine& e, A a) { return e.ListMessages(a.key, a.query); });
    add("GET", "/messages/{}", BodyRule::kNone,
        [](Engine& e, A a) { return e.GetMessage(a.key, a.params[0]); });
    add("GET", "/messages/{}/history", BodyRule::kNone,
        [](Engine& e, A a) { return e.GetMessageHistory(a.key, a.params[0], a.query); });
    add("POST", "/messages/{}/cancel", BodyRule::kNone,
        [](Engine& e, A a) { return e.CancelMessage(a.key, a.params[0]); });
    add("GET", "/messages/{}/output", BodyRule::kNone,
        [](Engine& e, A a) { return e.GetMessageOutput(a.key, a.params[0]); });
    // The SDK sends no body (requests.ts `archive`).
    add("PUT", "/requests/{}/archive", BodyRule::kNone,
        [](Engine& e, A a) { return e.ArchiveRequest(a.key, a.params[0]); });
    add("GET", "/events", BodyRule::kNone, [](Engine& e, A a) { return e.ListEvents(a.key); });
    add("GET", "/events/{}", BodyRule::kNone,
        [](Engine& e, A a) { return e.GetEvent(a.key, a.params[0]); });
    add("PUT", "/events/{}", BodyRule::kRequired,
        [](Engine& e, A a) { return e.PutEvent(a.key, a.params[0], a.body); });
    add("DELETE", "/events/{}", BodyRule::kNone,
        [](Engine& e, A a) { return e.DeleteEvent(a.key, a.params[0]); });
    add("GET", "/users/{}/preferences", BodyRule::kNone,
        [](Engine& e, A a) { return e.GetUserPreferences(a.key, a.params[0]); });
    add("GET", "/users/{}/preferences/{}", BodyRule::kNone,
        [](Engine& e, A a) { return e.GetUserPreferenceTopic(a.key, a.params[0], a.params[1]); });
    add("PUT", "/users/{}/preferences/{}", BodyRule::kRequired, [](Engine& e, A a) {
      return e.PutUserPreferenceTopic(a.key, a.params[0], a.params[1], a.body);
    });
    add("GET", "/audiences", BodyRule::kNone,
        [](Engine& e, A a) { return e.ListAudiences(a.key); });
    add("GET", "/audiences/{}", BodyRule::kNone,
        [](Engine& e, A a) { return e.GetAudience(a.key, a.params[0]); });
    add("PUT", "/audiences/{}", BodyRule::kRequired,
        [](Engine& e, A a) { return e.PutAudience(a.key, a.params[0], a.body); });
    add("DELETE", "/audiences/{}", BodyRule::kNone,
        [](Engine& e, A a) { return e.DeleteAudience(a.key, a.params[0]); });
    add("GET", "/audiences/{}/members", BodyRule::kNone,
        [](Engine& e, A a) { return e.ListAudienceMembers(a.key, a.params[0]); });
    return r;
  }();
  return routes;
}

bool MatchPattern(const std::vector<std::string>& pattern, const std::vector<std::string>& parts,
                  std::vector<std::string>& params) {
  if (pattern.size() != parts.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == "{}") {
      if (parts[i].empty()) return false;
      params.push_back(parts[i]);
    } else if (pattern[i] != parts[i]) {
      return false;
    }
  }
  return true;
}

// x-idempotency-expiration: ISO-8601, else an integer read as epoch ms as
// Courier's parseInt does (https://www.courier.com/docs/reference/idempotent-requests).
Result<std::optional<TimePoint>> ParseExpiration(const HeaderMap& headers) {
  auto it = headers.find("x-idempotency-expiration");
  if (it == headers.end()) return std::optional<TimePoint>();
  const std::string& text = it->second;
  std::size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  std::size_t digits = i;
  if (digits < text.size() && (text[digits] == '-' || text[digits] == '+')) ++digits;
  std::size_t end = digits;
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  const bool all_digits = end > digits && end == text.size();
  if (!all_digits) {
    if (auto t = ParseIso8601(text)) return std::optional<TimePoint>(*t);
  }
  if (end > digits && end - digits <= 18) {
    return std::optional<TimePoint>(std::stoll(text.substr(i, end - i)));
  }
  return Status::BadRequest("Expiration is not a valid date");
}

ApiResponse ReplyAsResponse(const Reply& reply) { return JsonResponse(reply.status, reply.body); }

}  // namespace

ApiResponse HandleCourier(Engine& engine, const ApiOptions& options, const ApiRequest& request) {
  const std::vector<std::string> parts = SplitPath(request.path);
  std::vector<std::string> params;
  const Route* route = nullptr;
  bool path_known = false;
  for (const Route& candidate : Routes()) {
    if (!MatchPattern(candidate.pattern, parts, params)) continue;
    path_known = true;
    if (candidate.method == request.method) {
      route = &candidate;
      break;
    }
  }
  if (route == nullptr) {
    if (path_known && request.method == "OPTIONS") {
      // CORS preflight for browser callers.
      ApiResponse preflight;
      preflight.status = 204;
      preflight.headers["Access-Control-Allow-Methods"] = "GET,POST,PUT,PATCH,DELETE,OPTIONS";
      preflight.headers["Access-Control-Allow-Headers"] =
          "Authorization,Content-Type,Idempotency-Key,x-idempotency-expiration";
      return preflight;
    }
    // API Gateway answers an unknown resource or method before any auth
    // check (https://www.courier.com/docs/reference/authorization).
    return StatusResponse(Status::Error(403, "Missing Authentication Token"));
  }
  MatchPattern(route->pattern, parts, params);

  // Lambda's 6 MB synchronous payload limit (https://www.courier.com/docs/reference/rate-limits).
  if (request.body.size() > options.max_body_bytes) {
    return StatusResponse(Status::Error(413, "Payload Too Large"));
  }

  // Authorization (https://www.courier.com/docs/reference/authorization); every failure is the same
  // 401.
  auto auth = request.headers.find("Authorization");
  std::optional<std::string> key;
  if (auth != request.headers.end()) key = CourierKeyFromAuthorization(auth->second);
  if (!key || !engine.HasApiKey(*key)) return StatusResponse(Status::Unauthorized());

  Json body = Json::object();
  static const std::string kNoText;
  const std::string* json_text = &kNoText;
  if (route->body != BodyRule::kNone) {
    bool blank = request.body.find_first_not_of(" \t\r\n") == std::string::npos;
    if (!(route->body == BodyRule::kOptional && blank)) {
      Result<Json> parsed = ParseCourierBody(request.body);
      if (!parsed.ok()) return StatusResponse(parsed.status().WithShape(route->body_error_shape));
      body = std::move(parsed).value();
      if (BodyIsJson(request.body)) json_text = &request.body;
    }
  }
  const Json query = QueryToJson(request.query);
  const RouteArgs args{*key, params, body, query, *json_text};

  // Idempotency-Key on POST, scoped to the path
  // (https://www.courier.com/docs/reference/idempotent-requests).
  auto idem = request.headers.find("Idempotency-Key");
  if (request.method != "POST" || idem == request.headers.end() || idem->second.empty()) {
    return ReplyResponse(route->handler(engine, args));
  }
  Result<std::optional<TimePoint>> expires = ParseExpiration(request.headers);
  if (!expires.ok()) return StatusResponse(expires.status());
  Result<std::optional<Reply>> begun =
      engine.BeginIdempotent(*key, idem->second, request.path, *expires);
  if (!begun.ok()) return StatusResponse(begun.status());
  if (begun->has_value()) {
    return ReplyAsResponse(**begun);
  }
  Result<Reply> result = route->handler(engine, args);
  ApiResponse response = ReplyResponse(result);
  // Validation failures release the key (docs: "no idempotent result is
  // saved"); successes and 5xx are stored and replayed.
  const bool store = response.status < 400 || response.status >= 500;
  Reply stored{response.status, response.JsonBody()};
  engine.FinishIdempotent(*key, idem->second, request.path, stored, store);
  return response;
}

}  // namespace mock_courier::server
