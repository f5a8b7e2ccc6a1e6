// The Courier API route table: every endpoint the mock answers
// (https://www.courier.com/docs/reference/; the official SDK's resources list
// the same paths), each pointing at its domain function.
//
// Adding an endpoint: a row here, its domain function (with its codec) in the
// module that owns the concept, and nothing else (docs/server.md "Adding an
// endpoint").
#include "api_routes.h"

#include <string_view>
#include <utility>

#include "automations.h"
#include "json_util.h"
#include "messaging.h"
#include "profiles.h"
#include "segment_inbound.h"

namespace mock_courier {
namespace {

// POST /debug (https://www.courier.com/docs/reference/authorization): the key's
// workspace; non-production tenants are "<tenant>/<env>".
Result<Reply> DebugReply(const WorkspaceState& ws) {
  const std::string& env = ws.def.environment;
  bool production = env == "production";
  return Reply{200,
               {{"environment", env},
                {"scope", std::string(production ? "published" : "draft") + "/" + env},
                {"tenantId", production ? ws.def.tenant_id : ws.def.tenant_id + "/" + env},
                {"tenantName", ws.def.name}}};
}

bool IsParameter(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

bool Matches(const ApiRow& row, const std::vector<std::string_view>& parts) {
  if (row.segments.size() != parts.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (IsParameter(row.segments[i])) {
      if (parts[i].empty()) return false;
    } else if (row.segments[i] != parts[i]) {
      return false;
    }
  }
  return true;
}

// What a row may add to method, path, body rule and handler.
struct RowOptions {
  ErrorShape body_error_shape = ErrorShape::kStandard;
  bool keeps_body_text = false;
  std::optional<RateLimited> rate_limit = std::nullopt;
};

// A row whose body errors are message-only and whose body text the domain
// function keeps (/inbound/segment).
RowOptions JournaledMessageOnlyBody() {
  RowOptions options;
  options.body_error_shape = ErrorShape::kMessageOnly;
  options.keeps_body_text = true;
  return options;
}

// A row counted against the workspace's limit of `family`.
RowOptions Limited(RateLimited family) {
  RowOptions options;
  options.rate_limit = family;
  return options;
}

struct Table {
  std::vector<ApiRow> rows;
  std::vector<ApiRoute> routes;

  void Add(std::string method, std::string path, BodyRule body, ApiHandler handler,
           RowOptions options = {}) {
    ApiRow row;
    row.route = ApiRoute{std::move(method),        std::move(path),         body,
                         options.body_error_shape, options.keeps_body_text, rows.size()};
    for (std::string_view segment : PathSegments(row.route.path))
      row.segments.emplace_back(segment);
    row.rate_limit = options.rate_limit;
    row.handler = handler;
    routes.push_back(row.route);
    rows.push_back(std::move(row));
  }

  Table() {
    using W = WorkspaceState&;
    using S = Services&;
    using C = ApiCall&;
    Add("POST", "/debug", BodyRule::kNone, [](W ws, S, C) { return DebugReply(ws); });
    // /inbound/segment errors are message-only bodies
    // (https://www.courier.com/docs/external-integrations/cdp/segment).
    Add(
        "POST", "/inbound/segment", BodyRule::kRequired,
        [](W ws, S svc, C c) {
          // Text only: packed under the lock, with the workspace's key table.
          if (c.body_unparsed) {
            return HandleSegmentInboundText(ws, svc, std::move(c.body_text),
                                            InboundSource::kSegment);
          }
          // Shared before the lock (ApiCall::shared_body).
          return HandleSegmentInbound(ws, svc, c.shared_body, std::move(c.body_text),
                                      InboundSource::kSegment);
        },
        JournaledMessageOnlyBody());
    Add("POST", "/inbound/courier", BodyRule::kRequired,
        [](W ws, S svc, C c) { return HandleCourierInbound(ws, svc, c.body); });
    Add("POST", "/send", BodyRule::kRequired,
        [](W ws, S svc, C c) { return HandleSend(ws, svc, c.body); });
    Add("POST", "/automations/invoke", BodyRule::kRequired,
        [](W ws, S svc, C c) { return HandleInvokeAdHoc(ws, svc, c.body); });
    Add("GET", "/automations/runs", BodyRule::kNone,
        [](W ws, S, C c) { return ListRunsReply(ws, c.query); });
    Add("GET", "/automations/runs/{run_id}", BodyRule::kNone,
        [](W ws, S, C c) { return GetRunReply(ws, c.params[0]); });
    Add("GET", "/automations/runs/{run_id}/steps", BodyRule::kNone,
        [](W ws, S, C c) { return GetRunStepsReply(ws, c.params[0]); });
    Add("GET", "/automations", BodyRule::kNone,
        [](W ws, S, C c) { return ListAutomationsReply(ws, c.query); });
    Add("POST", "/automations/{template_id}/invoke", BodyRule::kRequired,
        [](W ws, S svc, C c) { return HandleInvokeTemplate(ws, svc, c.params[0], c.body); });
    // Journeys: Courier's newer name for automations (journeys.cc).
    Add("POST", "/journeys/cancel", BodyRule::kRequired,
        [](W ws, S svc, C c) { return CancelJourneyReply(ws, svc, c.body); });
    Add("GET", "/profiles/{user_id}", BodyRule::kNone,
        [](W ws, S, C c) { return GetProfileReply(ws, c.params[0]); });
    Add("POST", "/profiles/{user_id}", BodyRule::kRequired,
        [](W ws, S svc, C c) { return MergeProfileReply(ws, svc, c.params[0], c.body); });
    Add("PUT", "/profiles/{user_id}", BodyRule::kRequired,
        [](W ws, S svc, C c) { return ReplaceProfileReply(ws, svc, c.params[0], c.body); });
    Add("PATCH", "/profiles/{user_id}", BodyRule::kRequired,
        [](W ws, S svc, C c) { return PatchProfileReply(ws, svc, c.params[0], c.body); });
    Add("DELETE", "/profiles/{user_id}", BodyRule::kNone,
        [](W ws, S svc, C c) { return DeleteProfileReply(ws, svc, c.params[0]); });
    Add("GET", "/profiles/{user_id}/lists", BodyRule::kNone,
        [](W ws, S, C c) { return GetProfileListsReply(ws, c.params[0]); });
    Add("GET", "/lists", BodyRule::kNone, [](W ws, S, C c) { return ListListsReply(ws, c.query); });
    Add("GET", "/lists/{list_id}", BodyRule::kNone,
        [](W ws, S, C c) { return GetListReply(ws, c.params[0]); });
    Add(
        "PUT", "/lists/{list_id}", BodyRule::kOptional,
        [](W ws, S svc, C c) { return PutListReply(ws, svc, c.params[0], c.body); },
        Limited(RateLimited::kListWrites));
    Add("DELETE", "/lists/{list_id}", BodyRule::kNone,
        [](W ws, S svc, C c) { return DeleteListReply(ws, svc, c.params[0]); });
    Add("GET", "/lists/{list_id}/subscriptions", BodyRule::kNone,
        [](W ws, S, C c) { return GetListSubscriptionsReply(ws, c.params[0]); });
    // The Sync Audience action sends no body
    // (https://segment.com/docs/connections/destinations/catalog/actions-courier/).
    Add(
        "PUT", "/lists/{list_id}/subscriptions/{user_id}", BodyRule::kOptional,
        [](W ws, S svc, C c) { return SubscribeReply(ws, svc, c.params[0], c.params[1], c.body); },
        Limited(RateLimited::kListWrites));
    Add(
        "DELETE", "/lists/{list_id}/subscriptions/{user_id}", BodyRule::kNone,
        [](W ws, S svc, C c) { return UnsubscribeReply(ws, svc, c.params[0], c.params[1]); },
        Limited(RateLimited::kListWrites));
    Add("GET", "/messages", BodyRule::kNone,
        [](W ws, S, C c) { return ListMessagesReply(ws, c.query); });
    Add("GET", "/messages/{message_id}", BodyRule::kNone,
        [](W ws, S, C c) { return GetMessageReply(ws, c.params[0]); });
    Add("GET", "/messages/{message_id}/history", BodyRule::kNone,
        [](W ws, S, C c) { return GetMessageHistoryReply(ws, c.params[0], c.query); });
    Add("POST", "/messages/{message_id}/cancel", BodyRule::kNone,
        [](W ws, S svc, C c) { return CancelMessageReply(ws, svc, c.params[0]); });
    Add("GET", "/messages/{message_id}/output", BodyRule::kNone,
        [](W ws, S, C c) { return GetMessageOutputReply(ws, c.params[0]); });
    // The SDKs send no body (messages.resend).
    Add("POST", "/messages/{message_id}/resend", BodyRule::kNone,
        [](W ws, S svc, C c) { return ResendMessageReply(ws, svc, c.params[0]); });
    // The SDK sends no body (requests.ts `archive`).
    Add("PUT", "/requests/{request_id}/archive", BodyRule::kNone,
        [](W ws, S svc, C c) { return ArchiveRequestReply(ws, svc, c.params[0]); });
    Add("GET", "/events", BodyRule::kNone, [](W ws, S, C) { return ListEventsReply(ws); });
    Add("GET", "/events/{event_id}", BodyRule::kNone,
        [](W ws, S, C c) { return GetEventReply(ws, c.params[0]); });
    Add(
        "PUT", "/events/{event_id}", BodyRule::kRequired,
        [](W ws, S svc, C c) { return PutEventReply(ws, svc, c.params[0], c.body); },
        Limited(RateLimited::kEventsPut));
    Add("DELETE", "/events/{event_id}", BodyRule::kNone,
        [](W ws, S svc, C c) { return DeleteEventReply(ws, svc, c.params[0]); });
    Add("GET", "/users/{user_id}/preferences", BodyRule::kNone,
        [](W ws, S, C c) { return GetUserPreferencesReply(ws, c.params[0]); });
    Add("GET", "/users/{user_id}/preferences/{topic_id}", BodyRule::kNone,
        [](W ws, S, C c) { return GetUserPreferenceTopicReply(ws, c.params[0], c.params[1]); });
    Add("PUT", "/users/{user_id}/preferences/{topic_id}", BodyRule::kRequired,
        [](W ws, S svc, C c) {
          return PutUserPreferenceTopicReply(ws, svc, c.params[0], c.params[1], c.body);
        });
    Add("GET", "/audiences", BodyRule::kNone, [](W ws, S, C) { return ListAudiencesReply(ws); });
    Add("GET", "/audiences/{audience_id}", BodyRule::kNone,
        [](W ws, S, C c) { return GetAudienceReply(ws, c.params[0]); });
    Add("PUT", "/audiences/{audience_id}", BodyRule::kRequired,
        [](W ws, S svc, C c) { return PutAudienceReply(ws, svc, c.params[0], c.body); });
    Add("DELETE", "/audiences/{audience_id}", BodyRule::kNone,
        [](W ws, S svc, C c) { return DeleteAudienceReply(ws, svc, c.params[0]); });
    Add("GET", "/audiences/{audience_id}/members", BodyRule::kNone,
        [](W ws, S, C c) { return ListAudienceMembersReply(ws, c.params[0]); });
  }
};

const Table& TheTable() {
  static const Table table;
  return table;
}

}  // namespace

std::vector<std::string_view> PathSegments(std::string_view path) {
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.empty()) return {};
  std::vector<std::string_view> parts = SplitOn(path, '/');
  if (parts.size() > 1 && parts.back().empty()) parts.pop_back();
  return parts;
}

const std::vector<ApiRow>& ApiRows() { return TheTable().rows; }

const std::vector<ApiRoute>& ApiRoutes() { return TheTable().routes; }

ApiRouteMatch FindApiRoute(std::string_view method, std::string_view path) {
  ApiRouteMatch match;
  const std::vector<std::string_view> parts = PathSegments(path);
  for (const ApiRow& row : ApiRows()) {
    if (!Matches(row, parts)) continue;
    match.path_known = true;
    if (row.route.method != method) continue;
    match.route = &ApiRoutes()[row.route.index];
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (IsParameter(row.segments[i])) match.params.emplace_back(parts[i]);
    }
    break;
  }
  return match;
}

const ApiRoute* ApiRouteFor(std::string_view method, std::string_view pattern) {
  for (const ApiRoute& route : ApiRoutes()) {
    if (route.method == method && route.path == pattern) return &route;
  }
  return nullptr;
}

Result<Reply> RunApiRow(const ApiRow& row, WorkspaceState& ws, Services& svc, ApiCall& call) {
  if (!row.rate_limit) return row.handler(ws, svc, call);
  return RateLimitedRequest(ws, svc, *row.rate_limit, [&] { return row.handler(ws, svc, call); });
}

}  // namespace mock_courier
