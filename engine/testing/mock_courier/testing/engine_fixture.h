// TestEngine: an Engine on a ManualClock with one workspace, for unit tests.
//
//   TestEngine t(R"({"api_keys":["k"], "notifications":[...]})"_json);
//   auto reply = t.engine.SegmentInbound("k", event);
//   t.Advance(2 * kHour);
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "mock_courier/clock.h"
#include "mock_courier/engine.h"
#include "mock_courier/time_format.h"

namespace mock_courier::testing {

// 2026-01-05T09:00:00Z: the default start of test clocks.
inline constexpr TimePoint kTestStart = 1767603600000;

struct TestEngine {
  explicit TestEngine(const nlohmann::json& workspace = {{"api_keys", {"test-key"}}},
                      EngineOptions options = {}, TimePoint start = kTestStart)
      : clock(start), engine(clock, options) {
    Status status = engine.PutWorkspace(workspace);
    if (!status.ok()) throw std::runtime_error("TestEngine workspace: " + status.ToString());
    key = workspace["api_keys"][0].get<std::string>();
  }

  AdvanceResult Advance(Duration by) { return engine.AdvanceClock(by); }

  // Admin views of the test workspace (throw when the key is unknown).
  nlohmann::json Journal() { return Unwrap(engine.Journal(key)); }
  nlohmann::json Runs() { return Unwrap(engine.Runs(key)); }
  nlohmann::json Messages() { return Unwrap(engine.Messages(key)); }
  nlohmann::json Outbox() { return Unwrap(engine.Outbox(key)); }
  nlohmann::json Profile(const std::string& user) {
    // By pattern, so that a user id may hold '/'.
    static const ApiRoute& route = *ApiRouteFor("GET", "/profiles/{user_id}");
    auto reply = engine.Call(
        key, route, ApiCall{{user}, nlohmann::json::object(), nlohmann::json::object(), "", {}});
    if (!reply.ok()) throw std::runtime_error(reply.status().ToString());
    return reply->body["profile"];
  }

  // A Segment track event with the fields Segment always sets.
  static nlohmann::json Track(const std::string& event, const std::string& user,
                              const std::string& message_id,
                              nlohmann::json properties = nlohmann::json::object()) {
    return {{"type", "track"},          {"event", event},
            {"userId", user},           {"messageId", message_id},
            {"properties", properties}, {"timestamp", "2026-01-05T09:00:00.000Z"}};
  }
  static nlohmann::json Identify(const std::string& user, const std::string& message_id,
                                 nlohmann::json traits) {
    return {{"type", "identify"}, {"userId", user}, {"messageId", message_id}, {"traits", traits}};
  }

  ManualClock clock;
  Engine engine;
  std::string key;

 private:
  static nlohmann::json Unwrap(const Result<nlohmann::json>& result) {
    if (!result.ok()) throw std::runtime_error(result.status().ToString());
    return *result;
  }
};

}  // namespace mock_courier::testing
