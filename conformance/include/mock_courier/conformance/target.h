// Target: where a scenario runs. Every action and every inspection is an HTTP
// request (method, path, headers, body) answered with a status, headers and
// body, whether the target is the engine in-process (mock_courier::server::Api
// called directly) or a server reached over HTTP. The two cannot drift because
// the in-process target runs the same Api code the HTTP server runs.
//
// A target is used by one thread at a time.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_courier/conformance/scenario.h"

namespace mock_courier::conformance {

struct HttpRequest {
  std::string method;
  // Path with an optional query string: "/_mock/runs?workspace=key". Written
  // decoded (spaces allowed); the HTTP target percent-encodes what it must.
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;                              // 0: the request did not complete (see error).
  std::map<std::string, std::string> headers;  // Names lower-cased.
  std::string body;
  std::string error;  // Transport failure, "" otherwise.
  // The body parsed as JSON; the raw text as a JSON string when it is not JSON;
  // null when empty.
  Json JsonBody() const;
};

class Target {
 public:
  virtual ~Target() = default;
  // "in-process" or "http".
  virtual std::string name() const = 0;
  // Base URL shown in reports' curl commands.
  virtual std::string base_url() const = 0;
  // Prepares a fresh workspace for `scenario` (its definition, API key, start
  // time and seed where the target can honour them). Returns "" or why not.
  virtual std::string Begin(const Scenario& scenario) = 0;
  virtual HttpResponse Send(const HttpRequest& request) = 0;
  // Releases what Begin set up.
  virtual void End() {}
};

// A fresh Engine(ManualClock(start), {seed}) and Api per scenario.
std::unique_ptr<Target> MakeInProcessTarget();

// An external server speaking the Courier API and the admin API contract at
// `base_url` (e.g. "http://127.0.0.1:8080"). Begin() PUTs the workspace,
// resets it and sets the clock (POST /_mock/clock/set); the seed cannot be
// set remotely, so ids differ from the in-process target's.
std::unique_ptr<Target> MakeHttpTarget(const std::string& base_url);

// An in-process mock_courier::server::Server on 127.0.0.1 port 0 with a fresh
// Engine(ManualClock(start), {seed}) per scenario, driven over HTTP: the
// isolated, parallel-safe HTTP target used by the ctest registration.
std::unique_ptr<Target> MakeLocalServerTarget();

// "Basic " + base64(text).
std::string BasicAuth(const std::string& user_and_password);

}  // namespace mock_courier::conformance
