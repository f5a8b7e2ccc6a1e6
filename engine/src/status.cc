#include "mock_courier/status.h"

namespace mock_courier {

std::string ErrorTypeForStatus(int http_status) {
  // https://www.courier.com/docs/platform/sending/handling-responses-and-errors: Courier's status
  // -> type map.
  switch (http_status) {
    case 401:
      return "authentication_error";
    case 402:
    case 403:
      return "authorization_error";
    case 429:
      return "rate_limit_error";
    default:
      return http_status >= 500 ? "api_error" : "invalid_request_error";
  }
}

Status Status::BadRequest(std::string message) { return Error(400, std::move(message)); }

Status Status::Unauthorized() { return Error(401, "Unauthorized"); }

Status Status::NotFound(std::string message) { return Error(404, std::move(message)); }

Status Status::Conflict(std::string message) { return Error(409, std::move(message)); }

Status Status::NotImplemented(std::string message) {
  return Error(501, std::move(message), ErrorShape::kMessageOnly);
}

Status Status::Error(int http_status, std::string message, ErrorShape shape) {
  return Status(http_status, std::move(message), ErrorTypeForStatus(http_status), shape);
}

Status Status::WithShape(ErrorShape shape) const {
  Status copy = *this;
  copy.shape_ = shape;
  return copy;
}

nlohmann::json Status::ToBody() const {
  switch (shape_) {
    case ErrorShape::kLegacySend:
      return {{"message", message_}, {"status", http_status_}};
    case ErrorShape::kMessageOnly:
      return {{"message", message_}};
    case ErrorShape::kStandard:
      break;
  }
  return {{"message", message_}, {"type", type_}};
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::to_string(http_status_) + " " + type_ + ": " + message_;
}

}  // namespace mock_courier
