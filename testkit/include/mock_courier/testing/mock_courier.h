// MockCourier: mock-courier running inside the test process, for one test.
//
//   MockCourier courier(MockCourierOptions::Files({"fixtures/workspaces/demo.json"}));
//   MyApp app(courier.base_url(), courier.api_key());   // the app talks HTTP
//   app.VisitCheckout("user-1");
//   courier.Advance("2 hours");
//   EXPECT_THAT(courier.Messages(), Contains(IsMessage(To("user-1"), Status(kDelivered))));
//
// The constructor starts the server on 127.0.0.1, port 0 (a free port), on a
// virtual clock at `start_time`, and loads the workspaces; the destructor
// stops it. Loading goes through PUT /_mock/workspaces, so a bad workspace
// throws AdminError naming the JSON path. Failing to bind throws
// std::runtime_error. Everything else is AdminClient (admin_client.h).
//
// The server runs on its own threads: an app under test may call it from
// any thread, and WaitFor() waits for what those calls cause.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_courier/testing/admin_client.h"

namespace mock_courier::testing {

struct MockCourierOptions {
  // Workspace files (docs/workspace-format.md), loaded in order.
  std::vector<std::string> workspace_files;
  // Workspace definitions, loaded after the files.
  std::vector<nlohmann::json> workspaces;
  // The workspace the accessors read by default: an API key; "" = the
  // first key of the first workspace.
  std::string api_key;
  // Initial virtual time, ISO-8601.
  std::string start_time = "2026-01-05T09:00:00Z";
  // Seed of the id generator: same seed, start time and calls give the same ids.
  std::uint64_t seed = 0;
  // What each workspace keeps of finished work, as mock-courier's
  // --retention flag takes it ("0" = everything, "messages=100,runs=0");
  // "" = the defaults (docs/server.md#retention).
  std::string retention;
  // Time between accepting a request (a send, an inbound event, an invoke, a
  // profile write's audience matching) and processing it, on the virtual clock, as
  // mock-courier's --processing-latency flag takes it ("1 second", "PT2S",
  // milliseconds); "" = 0, processed before the request returns.
  std::string processing_latency;

  // Shorthands: MockCourier courier(MockCourierOptions::Files({"demo.json"})).
  static MockCourierOptions Files(std::vector<std::string> files) {
    MockCourierOptions options;
    options.workspace_files = std::move(files);
    return options;
  }
  static MockCourierOptions Json(std::vector<nlohmann::json> definitions) {
    MockCourierOptions options;
    options.workspaces = std::move(definitions);
    return options;
  }
};

class MockCourier : public AdminClient {
 public:
  explicit MockCourier(MockCourierOptions options = {});
  ~MockCourier() override;

 private:
  struct Runtime;
  std::unique_ptr<Runtime> runtime_;
};

// Loads `options`' workspaces through `admin` (PUT /_mock/workspaces).
void LoadWorkspaces(AdminClient& admin, const MockCourierOptions& options);
// The default workspace's API key and first source write key.
std::pair<std::string, std::string> DefaultKeys(const MockCourierOptions& options);

}  // namespace mock_courier::testing
