// Child processes for courier-bench: the servers under load, engine_bench,
// Prism. Each child gets its own process group, so stopping it also stops
// anything it started (Prism runs under node), and nothing else.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace mock_courier::bench {

class ChildProcess {
 public:
  enum class Output {
    kCapture,   // stdout is readable with ReadLine().
    kToStderr,  // stdout goes to our stderr (progress output).
    kDiscard,   // stdout goes to /dev/null.
  };

  ChildProcess() = default;
  ~ChildProcess();  // Stops the child if it still runs.
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] (searched in PATH when it has no '/'). Returns false and
  // sets error() when it cannot be started.
  bool Start(const std::vector<std::string>& argv, Output output);
  // The next stdout line (without '\n'), or nullopt after `timeout_ms` or EOF.
  std::optional<std::string> ReadLine(int timeout_ms);
  // Waits for the child to exit by itself; returns its exit status, or -1
  // when it did not exit within `timeout_ms` (it is then killed).
  int Wait(int timeout_ms);
  // SIGTERM to the child's group, then SIGKILL after `grace_ms`. Idempotent.
  void Stop(int grace_ms = 3000);

  pid_t pid() const { return pid_; }
  const std::string& error() const { return error_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  std::string error_;
};

// VmRSS of `pid` in bytes (/proc/<pid>/status), 0 when unknown.
std::size_t ProcessRss(pid_t pid);

// A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, close),
// for a program that cannot be told "port 0" and report back.
int FreeLoopbackPort();

}  // namespace mock_courier::bench
