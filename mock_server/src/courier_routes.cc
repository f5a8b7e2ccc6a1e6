// The Courier API's HTTP concerns: the route (from the engine's table,
// mock_courier/courier_api.h), size limit, auth, body parsing as the route
// says, Idempotency-Key, then Engine::Call.
#include <cctype>
#include <optional>
#include <string>
#include <utility>

#include "api_internal.h"
#include "mock_courier/json_parse.h"
#include "mock_courier/time_format.h"
#include "request_body.h"

namespace mock_courier::server {
namespace {

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
  ApiRouteMatch match = FindApiRoute(request.method, request.path);
  if (match.route == nullptr) {
    if (match.path_known && request.method == "OPTIONS") {
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
  const ApiRoute& route = *match.route;

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

  ApiCall call;
  call.params = std::move(match.params);
  if (route.body != BodyRule::kNone) {
    bool blank = request.body.find_first_not_of(" \t\r\n") == std::string::npos;
    if (route.keeps_body_text && IsPlainJsonText(request.body)) {
      // No parse error to report: the engine reads the text under the lock
      // (an inbound Segment event is packed with no tree; ApiCall::body_unparsed).
      call.body_text = request.body;
      call.body_unparsed = true;
    } else if (!(route.body == BodyRule::kOptional && blank)) {
      Result<Json> parsed = ParseCourierBody(request.body);
      if (!parsed.ok()) return StatusResponse(parsed.status().WithShape(route.body_error_shape));
      call.body = std::move(parsed).value();
      if (route.keeps_body_text && BodyIsJson(request.body)) call.body_text = request.body;
    }
  }
  call.query = QueryToJson(request.query);

  // Idempotency-Key on POST, scoped to the path
  // (https://www.courier.com/docs/reference/idempotent-requests).
  auto idem = request.headers.find("Idempotency-Key");
  if (request.method != "POST" || idem == request.headers.end() || idem->second.empty()) {
    return ReplyResponse(engine.Call(*key, route, std::move(call)));
  }
  Result<std::optional<TimePoint>> expires = ParseExpiration(request.headers);
  if (!expires.ok()) return StatusResponse(expires.status());
  Result<std::optional<Reply>> begun =
      engine.BeginIdempotent(*key, idem->second, request.path, *expires);
  if (!begun.ok()) return StatusResponse(begun.status());
  if (begun->has_value()) {
    return ReplyAsResponse(**begun);
  }
  Result<Reply> result = engine.Call(*key, route, std::move(call));
  ApiResponse response = ReplyResponse(result);
  // Validation failures release the key (docs: "no idempotent result is
  // saved"); successes and 5xx are stored and replayed.
  const bool store = response.status < 400 || response.status >= 500;
  Reply stored{response.status, response.JsonBody()};
  engine.FinishIdempotent(*key, idem->second, request.path, stored, store);
  return response;
}

}  // namespace mock_courier::server
