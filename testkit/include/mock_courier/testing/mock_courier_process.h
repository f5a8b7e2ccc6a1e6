// MockCourierProcess: the `mock-courier` binary, launched for one test.
//
// Same workspaces and accessors as MockCourier (mock_courier.h), but the
// server is a child process, as it would be for an app that is not C++ or
// that a test starts as a separate program. The constructor runs
//   mock-courier --host 127.0.0.1 --port 0 --clock virtual --start-time T
//                --seed N --log-format off [extra_args...]
// reads the first stdout line ("mock-courier listening on <url>"), then
// loads the workspaces through the admin API. The destructor sends SIGTERM
// (the server drains and exits 0) and reaps the child.
//
// Throws std::runtime_error when the binary cannot be started or does not
// print its URL within `startup_timeout`.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "mock_courier/testing/admin_client.h"
#include "mock_courier/testing/mock_courier.h"

namespace mock_courier::testing {

struct MockCourierProcessOptions {
  MockCourierOptions courier;
  // The binary: a path, or a name looked up on PATH. "" = $MOCK_COURIER_BINARY
  // when set, else "mock-courier".
  std::string binary;
  // More flags for the binary (README.md "Flags"), e.g. {"--admin-token", "t"}.
  std::vector<std::string> extra_args;
  std::chrono::milliseconds startup_timeout{10000};
};

class MockCourierProcess : public AdminClient {
 public:
  explicit MockCourierProcess(MockCourierProcessOptions options = {});
  ~MockCourierProcess() override;

  int pid() const { return pid_; }

 private:
  void Stop();

  int pid_ = -1;
  int stdout_fd_ = -1;
};

}  // namespace mock_courier::testing
