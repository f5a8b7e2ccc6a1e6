// Internal to mock_courier::api: the pieces each surface (Courier routes,
// admin routes, fake Segment Tracking API) shares with Api::Handle.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "mock_courier/engine.h"
#include "mock_courier/server/api.h"

namespace mock_courier::server {

// A JSON response; a null body leaves the body empty (e.g. 204).
ApiResponse JsonResponse(int status, const Json& body);

// THE Status -> HTTP mapping: the status code and Status::ToBody(), except
// that 5xx messages become "Internal Server Error" as Courier's error
// middleware does (https://www.courier.com/docs/platform/sending/handling-responses-and-errors).
ApiResponse StatusResponse(const Status& status);

// A Result<Reply> as a response: the reply's status and body, or the error.
ApiResponse ReplyResponse(const Result<Reply>& result);

// The Courier API (routes, auth, body parsing, idempotency). `path` parts
// were already split.
ApiResponse HandleCourier(Engine& engine, const ApiOptions& options, const ApiRequest& request);

// True when `request` carries the admin token (or none is configured).
bool AdminAuthorized(const ApiOptions& options, const ApiRequest& request);

// The admin API under /_mock/.
ApiResponse HandleAdmin(Engine& engine, const ApiOptions& options, const ApiRequest& request);

// The fake Segment Tracking API under /v1/. `sequence` numbers the messageIds
// it assigns.
ApiResponse HandleSegmentTracking(Engine& engine, const ApiRequest& request,
                                  std::atomic<std::uint64_t>& sequence);

// Partial match used by /_mock/wait: every key of `expected` must be present in
// `actual` with a matching value; objects match recursively, the string "*"
// matches any present value, an expected array matches when each of its
// elements matches some element of the actual array.
bool PartialMatch(const Json& expected, const Json& actual);

}  // namespace mock_courier::server
