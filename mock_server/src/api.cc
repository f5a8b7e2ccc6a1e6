#include "mock_courier/server/api.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <string_view>

#include "api_internal.h"
#include "inspector.h"
#include "mock_courier/json_parse.h"

namespace mock_courier::server {

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  // ASCII folding without the locale: this runs for every header of every request.
  const auto fold = [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 'A' && u <= 'Z' ? static_cast<unsigned char>(u + ('a' - 'A')) : u;
  };
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [&](char x, char y) { return fold(x) < fold(y); });
}

nlohmann::json ApiResponse::JsonBody() const {
  if (body.empty()) return nullptr;
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

ApiResponse JsonResponse(int status, const Json& body) {
  ApiResponse response;
  response.status = status;
  if (!body.is_null()) {
    // Inputs are UTF-8-checked where they enter; `replace` keeps a miss from
    // turning into an exception here.
    response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    response.headers["Content-Type"] = "application/json";
  }
  return response;
}

ApiResponse StatusResponse(const Status& status) {
  Json body = status.ToBody();
  // Courier's error middleware hides 5xx details
  // (https://www.courier.com/docs/platform/sending/handling-responses-and-errors).
  if (status.http_status() >= 500 && status.http_status() != 501) {
    body["message"] = "Internal Server Error";
  }
  return JsonResponse(status.http_status(), body);
}

ApiResponse ReplyResponse(const Result<Reply>& result) {
  if (!result.ok()) return StatusResponse(result.status());
  return JsonResponse(result->status, result->body);
}

bool PartialMatch(const Json& expected, const Json& actual) {
  if (expected.is_string() && expected.get_ref<const std::string&>() == "*") {
    return !actual.is_null();
  }
  if (expected.is_object()) {
    if (!actual.is_object()) return false;
    for (const auto& [key, value] : expected.items()) {
      auto it = actual.find(key);
      if (it == actual.end()) return false;
      if (!PartialMatch(value, *it)) return false;
    }
    return true;
  }
  if (expected.is_array()) {
    if (!actual.is_array()) return false;
    return std::all_of(expected.begin(), expected.end(), [&](const Json& want) {
      return std::any_of(actual.begin(), actual.end(),
                         [&](const Json& have) { return PartialMatch(want, have); });
    });
  }
  if (expected.is_number() && actual.is_number()) {
    return expected.get<double>() == actual.get<double>();
  }
  return expected == actual;
}

struct Api::Impl {
  explicit Impl(Engine& engine)
      : inspector(engine), real_clock(std::string_view(engine.clock().Mode()) == "real") {}
  ApiOptions options;
  Inspector inspector;
  std::atomic<std::uint64_t> segment_sequence{0};
  const bool real_clock;  // The engine's clock moves by itself.
};

Api::Api(Engine& engine, ApiOptions options)
    : engine_(engine), impl_(std::make_unique<Impl>(engine)) {
  impl_->options = std::move(options);
}

Api::~Api() = default;

void Api::SetStopping(bool stopping) { impl_->inspector.SetStopping(stopping); }

namespace {

// The path and query end up in JSON (ids, echoed parameters), so they must
// be UTF-8, as JSON bodies must.
bool PathAndQueryAreUtf8(const ApiRequest& request) {
  if (!IsValidUtf8(request.path)) return false;
  return std::all_of(request.query.begin(), request.query.end(), [](const auto& pair) {
    return IsValidUtf8(pair.first) && IsValidUtf8(pair.second);
  });
}

}  // namespace

ApiResponse Api::Handle(const ApiRequest& request) {
  // A clock that moves by itself makes work due between the ticker's wakes:
  // run it first, so that no read sees a send still ENQUEUED after its
  // processing time (docs/server.md "Processing latency"). A virtual clock
  // runs everything due when it is moved, so it never has any.
  if (impl_->real_clock) {
    std::optional<TimePoint> next = engine_.NextDue();
    if (next && *next <= engine_.clock().Now()) (void)engine_.Settle();
  }
  ApiResponse response;
  if (!PathAndQueryAreUtf8(request)) {
    response = StatusResponse(Status::BadRequest("Invalid UTF-8 in the request path or query"));
  } else if (Inspector::Handles(request.path)) {
    response = impl_->inspector.Handle(impl_->options, request);
  } else if (request.path == "/_mock" || request.path.starts_with("/_mock/")) {
    response = HandleAdmin(engine_, impl_->options, request);
  } else if (request.path.starts_with("/v1/")) {
    response = HandleSegmentTracking(engine_, request, impl_->segment_sequence);
  } else {
    response = HandleCourier(engine_, impl_->options, request);
  }
  // Every Courier response carries these (https://www.courier.com/docs/reference/authorization);
  // the CORS header also lets browser Segment libraries post to /v1/.
  response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains";
  response.headers["X-Content-Type-Options"] = "nosniff";
  response.headers["Access-Control-Allow-Origin"] = "*";
  return response;
}

}  // namespace mock_courier::server
