// Status and Result<T>: how errors cross the engine boundary.
//
// Every engine operation that can fail returns a Status (or a Result<T>
// holding either a T or a Status). A Status carries everything the HTTP layer
// needs to answer exactly as Courier does: the HTTP status code, the message
// text (stable, asserted verbatim by tests) and the Courier error `type`.
// No exception crosses the engine boundary.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace mock_courier {

// The three error body shapes Courier uses
// (https://www.courier.com/docs/platform/sending/handling-responses-and-errors).
enum class ErrorShape {
  kStandard,     // {"message": ..., "type": ...}
  kLegacySend,   // {"message": ..., "status": <http status>}  (v1 /send)
  kMessageOnly,  // {"message": ...}                           (/inbound/segment)
};

class [[nodiscard]] Status {
 public:
  // An OK status.
  Status() = default;

  static Status Ok() { return Status(); }
  // 400 invalid_request_error.
  static Status BadRequest(std::string message);
  // 401 authentication_error, message "Unauthorized".
  static Status Unauthorized();
  // 404 invalid_request_error.
  static Status NotFound(std::string message);
  // 409 invalid_request_error.
  static Status Conflict(std::string message);
  // 501 with a message-only body (unsupported Segment type).
  static Status NotImplemented(std::string message);
  // Any status; `type` defaults from the status code as Courier maps it.
  static Status Error(int http_status, std::string message,
                      ErrorShape shape = ErrorShape::kStandard);

  bool ok() const { return http_status_ == 0; }
  int http_status() const { return http_status_; }
  const std::string& message() const { return message_; }
  // Courier's error type for the status: invalid_request_error, authentication_error, ...
  const std::string& type() const { return type_; }
  ErrorShape shape() const { return shape_; }

  // Returns a copy with another body shape (e.g. v1 /send or /inbound/segment errors).
  Status WithShape(ErrorShape shape) const;

  // The JSON error body Courier sends for this status.
  nlohmann::json ToBody() const;

  // "400 invalid_request_error: <message>", for logs and test failure output.
  std::string ToString() const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  Status(int http_status, std::string message, std::string type, ErrorShape shape)
      : http_status_(http_status),
        message_(std::move(message)),
        type_(std::move(type)),
        shape_(shape) {}

  int http_status_ = 0;
  std::string message_;
  std::string type_;
  ErrorShape shape_ = ErrorShape::kStandard;
};

// Courier's error `type` for an HTTP status
// (https://www.courier.com/docs/platform/sending/handling-responses-and-errors).
std::string ErrorTypeForStatus(int http_status);

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design.
  // REQUIRES: !status.ok().
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design.

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace mock_courier

// Returns early from the enclosing function when `expr` (a Status) is not OK.
#define MC_RETURN_IF_ERROR(expr)                \
  do {                                          \
    ::mock_courier::Status mc_status_ = (expr); \
    if (!mc_status_.ok()) return mc_status_;    \
  } while (false)
