// Api: the HTTP semantics of mock-courier without the transport.
//
// Api maps a request (method, path, query, headers, body) onto the Engine and
// returns the response Courier (or Segment, or the admin API) would give:
// routing, authentication, body parsing, idempotency replay, size limits and
// the Status -> HTTP mapping all happen here, in one place. The HTTP server
// (server.h) is a thin adapter around it, and the in-process conformance target
// calls it directly, so the two cannot drift.
//
// Thread-safe: Handle() may be called from many threads at once.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_courier/engine.h"

namespace mock_courier::server {

// Header names compare case-insensitively (ASCII, as HTTP field names are),
// and a name can be looked up without making a std::string of it.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};
using HeaderMap = std::map<std::string, std::string, CaseInsensitiveLess>;

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // Percent-decoded path, without the query: "/profiles/user 1"
  // Query parameters in order; repeated names appear several times.
  std::vector<std::pair<std::string, std::string>> query;
  HeaderMap headers;
  std::string body;
};

struct ApiResponse {
  int status = 200;
  HeaderMap headers;  // Content-Type is set for JSON bodies.
  std::string body;   // Serialized JSON, or empty.
  // Parses `body`; null when empty.
  nlohmann::json JsonBody() const;
};

struct ApiOptions {
  // When non-empty, /_mock/ requests need "Authorization: Bearer <token>"
  // (or X-Mock-Admin-Token: <token>).
  std::string admin_token;
  // Courier rejects bodies over 6 MB with 413 (https://www.courier.com/docs/reference/rate-limits).
  std::size_t max_body_bytes = 6 * 1024 * 1024;
  // Reported by /_mock/health.
  std::string version = "0.1.0";
};

class Api {
 public:
  // `engine` is not owned and must outlive the Api.
  Api(Engine& engine, ApiOptions options = {});
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  ApiResponse Handle(const ApiRequest& request);

  // While true, long-polls (/_mock/changes) answer at once, so a server that
  // is stopping does not wait for an open inspector page.
  void SetStopping(bool stopping);

  Engine& engine() { return engine_; }

 private:
  struct Impl;
  Engine& engine_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mock_courier::server
