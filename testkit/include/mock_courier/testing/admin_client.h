// AdminClient: a test's handle on a running mock-courier, over HTTP.
//
// Everything goes through the admin API (README.md "Admin API",
// docs/server.md), a stable contract, so the same client drives the
// in-process server (MockCourier), the launched binary (MockCourierProcess)
// or any mock-courier already running at a URL. Views are parsed into the
// records of records.h.
//
// Errors: a call the server refuses (bad duration, unknown workspace, ...) or
// cannot answer throws AdminError with the method, path, HTTP status and the
// server's message; a test that does not catch it fails with that text.
//
// Thread-safe: calls may come from several threads; they are serialised on
// one keep-alive connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mock_courier/testing/matchers.h"
#include "mock_courier/testing/records.h"

namespace mock_courier::testing {

class AdminError : public std::runtime_error {
 public:
  AdminError(const std::string& what, int status) : std::runtime_error(what), status_(status) {}
  // The HTTP status, or 0 when the server could not be reached.
  int status() const { return status_; }

 private:
  int status_;
};

// The virtual clock after a clock call.
struct ClockReading {
  std::string now;  // ISO-8601
  std::int64_t now_ms = 0;
  int fired = 0;  // Timers run by the call (advance and set only).
  // Processing jobs run by the call (advance, set and settle; see
  // MockCourierOptions::processing_latency).
  int processed = 0;
  // Settle only: timers and jobs still waiting for the clock.
  int pending = 0;
};

class AdminClient {
 public:
  // `base_url` like "http://127.0.0.1:4010". `api_key` names the workspace
  // the accessors read when they are given no workspace.
  AdminClient(std::string base_url, std::string api_key, std::string source_write_key = "",
              std::string admin_token = "");
  virtual ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  const std::string& base_url() const;
  int port() const;
  // The default workspace's first API key and Segment source write key
  // ("" when it has none).
  const std::string& api_key() const;
  const std::string& source_write_key() const;

  // ---- Clock: one method per /_mock/clock endpoint -----------------------
  // Moves the virtual clock and runs everything due, in order:
  // "2 hours", "30 seconds", "PT2H" (POST /_mock/clock/advance).
  ClockReading Advance(const std::string& by);
  ClockReading Advance(std::chrono::milliseconds by);
  // Sets the clock to an ISO-8601 time (also backwards), then runs what is due.
  ClockReading Set(const std::string& iso_time);
  ClockReading Now();
  // Runs what is already due and returns once nothing due remains, without
  // moving the clock (POST /_mock/settle). Work due later (a processing
  // latency, a delay) stays pending: `pending` says how much; Advance reaches it.
  ClockReading Settle();

  // ---- State -------------------------------------------------------------
  // Clears the default workspace's state (definitions and seed data stay).
  void Reset();
  // The same, and its random generators (ids, the Segment delivery
  // simulation) start again from `seed`, as with --seed (POST /_mock/reset
  // {"seed": N}): the same calls then give the same ids.
  void Reset(std::uint64_t seed);
  // Clears every workspace.
  void ResetAll();
  // Creates or replaces a workspace from its JSON (docs/workspace-format.md);
  // the first of its api_keys names it.
  void PutWorkspace(const nlohmann::json& definition);

  // ---- Views (of `workspace`, or the default one when "") ----------------
  std::vector<Message> Messages(const std::string& workspace = "");
  std::vector<AutomationRun> Runs(const std::string& workspace = "");
  std::vector<Profile> Profiles(const std::string& workspace = "");
  // Outbound calls Courier made to Segment (GET /_mock/segment/outbox).
  std::vector<SegmentCall> SegmentCalls(const std::string& workspace = "");
  // The inbound journal (GET /_mock/inbound).
  std::vector<JournalEntry> Journal(const std::string& workspace = "");

  // ---- Waiting for other threads -----------------------------------------
  // Succeeds as soon as an entry of the default workspace matches; fails
  // after `timeout` with the matcher's description and every entry there
  // was. Blocks on GET /_mock/wait (woken by new entries), re-reading at
  // least every 100 ms for entries that change in place.
  //   EXPECT_TRUE(courier.WaitFor(IsMessage(To("user-1"), Status(kDelivered))));
  ::testing::AssertionResult WaitFor(const ::testing::Matcher<const Message&>& matcher,
                                     std::chrono::milliseconds timeout = kDefaultWait);
  ::testing::AssertionResult WaitFor(const ::testing::Matcher<const AutomationRun&>& matcher,
                                     std::chrono::milliseconds timeout = kDefaultWait);
  ::testing::AssertionResult WaitFor(const ::testing::Matcher<const SegmentCall&>& matcher,
                                     std::chrono::milliseconds timeout = kDefaultWait);
  ::testing::AssertionResult WaitFor(const ::testing::Matcher<const JournalEntry&>& matcher,
                                     std::chrono::milliseconds timeout = kDefaultWait);
  ::testing::AssertionResult WaitFor(const ::testing::Matcher<const Profile&>& matcher,
                                     std::chrono::milliseconds timeout = kDefaultWait);

  static constexpr std::chrono::milliseconds kDefaultWait{5000};

  // The raw JSON of any admin GET, e.g. Get("/_mock/segment/received").
  nlohmann::json Get(const std::string& path_and_query);

 protected:
  // For subclasses that start a server first: call Attach() before any use.
  AdminClient();
  void Attach(std::string base_url, std::string api_key, std::string source_write_key,
              std::string admin_token = "");

 private:
  struct Impl;
  template <typename Record>
  ::testing::AssertionResult WaitForRecord(const char* kind,
                                           const ::testing::Matcher<const Record&>& matcher,
                                           std::chrono::milliseconds timeout);
  nlohmann::json View(const char* path, const std::string& workspace);

  std::unique_ptr<Impl> impl_;
};

// The first api key and source write key of a workspace definition ("" when absent).
std::string FirstApiKey(const nlohmann::json& workspace);
std::string FirstSourceWriteKey(const nlohmann::json& workspace);

// Reads a workspace file; throws std::runtime_error naming the file when it
// cannot be read or is not JSON.
nlohmann::json ReadWorkspaceFile(const std::string& path);

}  // namespace mock_courier::testing
