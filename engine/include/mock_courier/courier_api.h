// The Courier API as a route table: which method and path the engine answers,
// how the HTTP layer reads each route's request, and the call the engine runs
// for it (Engine::Call).
//
// The table itself (one row per endpoint, each naming its domain function)
// is engine/src/api_routes.cc. The server keeps only HTTP concerns: it finds
// the route, checks the size and the key, reads the body as the route says,
// honours Idempotency-Key and renders errors; the engine runs the route.
//
// Everything here is immutable after the first use and thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_courier/status.h"

namespace mock_courier {

// How a route's request body is read.
enum class BodyRule {
  kNone,      // The body is ignored; the call's body is {}.
  kRequired,  // An empty body is 400 "No Body Provided".
  kOptional,  // An empty body is {}.
};

// One Courier endpoint.
struct ApiRoute {
  std::string method;  // "GET", "POST", ...
  // The path pattern, "{name}" for a path parameter: "/messages/{message_id}".
  std::string path;
  BodyRule body = BodyRule::kNone;
  // The error body shape of a body that cannot be read (e.g. message-only
  // for /inbound/segment).
  ErrorShape body_error_shape = ErrorShape::kStandard;
  // The domain function keeps the body's JSON text (the inbound journal):
  // callers pass it in ApiCall::body_text when they have it, else the engine
  // writes the body out before taking the workspace lock.
  bool keeps_body_text = false;
  // The route's position in ApiRoutes(); how the engine finds its row.
  std::size_t index = 0;
};

// One request to a route, as the engine sees it after HTTP.
struct ApiCall {
  // The path parameters, in pattern order, as they appear in the path.
  std::vector<std::string> params;
  // Query parameters: name -> string, or an array for a repeated name; null
  // when there are none (routes read it with checks, as of any other type).
  nlohmann::json query;
  // The parsed body; {} for a route that reads none. The route may move it.
  nlohmann::json body = nlohmann::json::object();
  // The JSON text `body` was parsed from, when known (see keeps_body_text).
  std::string body_text;
  // For a route that keeps its body (keeps_body_text), the engine moves
  // `body` here before it takes the workspace lock: the records that share
  // the body let go of it under the lock, and the call's reference, usually
  // the last, is dropped after it, so that the tree is freed outside.
  std::shared_ptr<const nlohmann::json> shared_body;
  // The body is only `body_text`, not parsed (`body` is ignored): a route
  // that keeps its text reads it under the workspace lock (/inbound/segment
  // packs a plain JSON text straight into what it keeps, with no tree);
  // others parse it with ParseJson first. A caller passes text this way when
  // IsPlainJsonText holds, so that it has no parse error to report.
  bool body_unparsed = false;
};

// What FindApiRoute found for a method and path.
struct ApiRouteMatch {
  const ApiRoute* route = nullptr;  // Null: no route has this method and path.
  // Some route has this path (with any method): a CORS preflight answers it,
  // another method gets 403 like an unknown path.
  bool path_known = false;
  std::vector<std::string> params;  // The route's path parameters.
};

// Every route, in table order.
const std::vector<ApiRoute>& ApiRoutes();

// Splits a path into its segments: "/a/b/" is {"a", "b"}. The leading slash
// is dropped, and a trailing one too (API Gateway treats "/send/" as "/send");
// inner empty segments stay. The views point into `path`. The route table and
// the server's own routes (/_mock, Segment's tracking API) split with it.
std::vector<std::string_view> PathSegments(std::string_view path);

// The route of `method` for the percent-decoded `path` (no query string).
// A trailing slash is ignored ("/send/" is "/send", as API Gateway does); a
// path parameter matches one non-empty segment.
ApiRouteMatch FindApiRoute(std::string_view method, std::string_view path);

// The route whose pattern is exactly `pattern` ("/profiles/{user_id}"), or
// null: for callers that hold path parameters rather than a path.
const ApiRoute* ApiRouteFor(std::string_view method, std::string_view pattern);

}  // namespace mock_courier
