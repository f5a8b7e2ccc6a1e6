// ServerTest: an in-process Server on port 0 over a TestEngine (ManualClock),
// with an httplib client and helpers for the three auth forms.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "mock_courier/server/server.h"
#include "mock_courier/testing/engine_fixture.h"
#include "request_body.h"

namespace mock_courier::server::testing {

using nlohmann::json;

inline constexpr const char* kKey = "test-key";

// A workspace with a profile, a list, an email notification and a Segment
// source write key, enough for every surface.
inline json TestWorkspace() {
  return json::parse(R"({
    "name": "Server Test",
    "api_keys": ["test-key"],
    "segment": {"write_key": "out-write-key", "source_write_keys": ["src-write-key"]},
    "notifications": [{"id": "welcome", "channels": ["email"],
                       "content": {"email": {"subject": "Hi", "body": "Hello {{data.name}}"}}}],
    "lists": [{"id": "news", "name": "News"}],
    "profiles": {"ada": {"email": "ada@example.com"}}
  })");
}

// Engine options with a processing latency (docs/server.md "Processing latency").
inline EngineOptions WithProcessingLatency(Duration latency) {
  EngineOptions options;
  options.processing_latency = latency;
  return options;
}

inline std::string Bearer(const std::string& key = kKey) { return "Bearer " + key; }
inline std::string Basic(const std::string& userpass) { return "Basic " + Base64Encode(userpass); }

class ServerTest : public ::testing::Test {
 protected:
  explicit ServerTest(ServerOptions options = {}, EngineOptions engine_options = {})
      : t_(TestWorkspace(), engine_options), server_(t_.engine, std::move(options)) {}

  void SetUp() override {
    ASSERT_TRUE(server_.Start()) << server_.error();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_.port());
    client_->set_tcp_nodelay(true);
  }
  void TearDown() override { server_.Stop(); }

  httplib::Result Post(const std::string& path, const std::string& body,
                       const std::string& auth = Bearer(), httplib::Headers headers = {}) {
    if (!auth.empty()) headers.emplace("Authorization", auth);
    return client_->Post(path.c_str(), headers, body, "application/json");
  }
  httplib::Result Put(const std::string& path, const std::string& body,
                      const std::string& auth = Bearer()) {
    httplib::Headers headers;
    if (!auth.empty()) headers.emplace("Authorization", auth);
    return client_->Put(path.c_str(), headers, body, "application/json");
  }
  httplib::Result Patch(const std::string& path, const std::string& body,
                        const std::string& auth = Bearer()) {
    httplib::Headers headers;
    if (!auth.empty()) headers.emplace("Authorization", auth);
    return client_->Patch(path.c_str(), headers, body, "application/json");
  }
  httplib::Result Get(const std::string& path, const std::string& auth = Bearer()) {
    httplib::Headers headers;
    if (!auth.empty()) headers.emplace("Authorization", auth);
    return client_->Get(path.c_str(), headers);
  }
  httplib::Result Delete(const std::string& path, const std::string& auth = Bearer()) {
    httplib::Headers headers;
    if (!auth.empty()) headers.emplace("Authorization", auth);
    return client_->Delete(path.c_str(), headers);
  }

  static json Body(const httplib::Result& result) {
    if (!result || result->body.empty()) return nullptr;
    return json::parse(result->body);
  }

  mock_courier::testing::TestEngine t_;
  Server server_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace mock_courier::server::testing
