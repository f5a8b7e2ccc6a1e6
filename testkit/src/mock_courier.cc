#include "mock_courier/testing/mock_courier.h"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <utility>

#include "mock_courier/clock.h"
#include "mock_courier/engine.h"
#include "mock_courier/server/server.h"
#include "mock_courier/time_format.h"

namespace mock_courier::testing {

// The engine, its clock and the HTTP server. Only construction reaches into
// them; every later call goes through the admin API.
struct MockCourier::Runtime {
  explicit Runtime(const MockCourierOptions& options)
      : clock(StartTime(options.start_time)),
        engine(clock, EngineOptions{.seed = options.seed,
                                    .retention = Retention(options),
                                    .processing_latency = Latency(options)}),
        server(engine, server::ServerOptions{}) {}

  static mock_courier::Retention Retention(const MockCourierOptions& options) {
    if (options.retention.empty()) return {};
    Result<mock_courier::Retention> parsed = ParseRetention(options.retention);
    if (!parsed.ok()) throw std::runtime_error("MockCourier: " + parsed.status().message());
    return *parsed;
  }

  static Duration Latency(const MockCourierOptions& options) {
    if (options.processing_latency.empty()) return 0;
    std::optional<Duration> parsed = ParseDuration(options.processing_latency);
    if (!parsed || *parsed < 0) {
      throw std::runtime_error("MockCourier: processing_latency is not a duration: " +
                               options.processing_latency);
    }
    return *parsed;
  }

  static TimePoint StartTime(const std::string& text) {
    std::optional<TimePoint> at = ParseIso8601(text);
    if (!at) throw std::runtime_error("MockCourier: start_time is not ISO-8601: " + text);
    return *at;
  }

  ManualClock clock;
  Engine engine;
  server::Server server;
};

MockCourier::MockCourier(MockCourierOptions options)
    : runtime_(std::make_unique<Runtime>(options)) {
  if (!runtime_->server.Start()) {
    throw std::runtime_error("MockCourier: cannot start the server: " + runtime_->server.error());
  }
  auto [api_key, write_key] = DefaultKeys(options);
  Attach(runtime_->server.base_url(), api_key, write_key);
  LoadWorkspaces(*this, options);
}

MockCourier::~MockCourier() { runtime_->server.Stop(); }

std::pair<std::string, std::string> DefaultKeys(const MockCourierOptions& options) {
  std::vector<nlohmann::json> all;
  for (const std::string& file : options.workspace_files) all.push_back(ReadWorkspaceFile(file));
  for (const nlohmann::json& w : options.workspaces) all.push_back(w);
  for (const nlohmann::json& w : all) {
    if (options.api_key.empty()) return {FirstApiKey(w), FirstSourceWriteKey(w)};
    const nlohmann::json keys = w.value("api_keys", nlohmann::json::array());
    if (std::find(keys.begin(), keys.end(), options.api_key) != keys.end()) {
      return {options.api_key, FirstSourceWriteKey(w)};
    }
  }
  return {options.api_key, ""};
}

void LoadWorkspaces(AdminClient& admin, const MockCourierOptions& options) {
  for (const std::string& file : options.workspace_files) {
    admin.PutWorkspace(ReadWorkspaceFile(file));
  }
  for (const nlohmann::json& w : options.workspaces) admin.PutWorkspace(w);
}

}  // namespace mock_courier::testing
