#include "mock_courier/testing/mock_courier_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace mock_courier::testing {
namespace {

constexpr std::string_view kBanner = "mock-courier listening on ";

std::string BinaryPath(const std::string& configured) {
  if (!configured.empty()) return configured;
  if (const char* env = std::getenv("MOCK_COURIER_BINARY"); env && *env) return env;
  return "mock-courier";
}

// Reads one line from `fd` until `deadline`; "" on EOF or timeout.
std::string ReadLine(int fd, std::chrono::steady_clock::time_point deadline) {
  std::string line;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return "";
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return "";
    char c;
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return "";
    if (c == '\n') return line;
    line.push_back(c);
  }
}

}  // namespace

MockCourierProcess::MockCourierProcess(MockCourierProcessOptions options) {
  const std::string binary = BinaryPath(options.binary);
  std::vector<std::string> args = {binary,
                                   "--host",
                                   "127.0.0.1",
                                   "--port",
                                   "0",
                                   "--clock",
                                   "virtual",
                                   "--start-time",
                                   options.courier.start_time,
                                   "--seed",
                                   std::to_string(options.courier.seed),
                                   "--log-format",
                                   "off"};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());

  // Everything the child needs is prepared before fork(): the test process
  // may have threads, so the child only calls async-signal-safe functions.
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string exec_error = "MockCourierProcess: cannot run " + binary + "\n";

  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    throw std::runtime_error("MockCourierProcess: pipe: " + std::string(std::strerror(errno)));
  }
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(out[0]);
    ::close(out[1]);
    throw std::runtime_error("MockCourierProcess: fork: " + std::string(std::strerror(errno)));
  }
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);  // dup2 clears O_CLOEXEC on the copy.
    ::execvp(argv[0], argv.data());
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, exec_error.data(), exec_error.size());
    ::_exit(127);
  }
  ::close(out[1]);
  stdout_fd_ = out[0];

  const std::string line =
      ReadLine(stdout_fd_, std::chrono::steady_clock::now() + options.startup_timeout);
  if (line.rfind(kBanner, 0) != 0) {
    Stop();
    throw std::runtime_error("MockCourierProcess: " + binary +
                             " did not print its URL (first stdout line: \"" + line + "\")");
  }
  try {
    auto [api_key, write_key] = DefaultKeys(options.courier);
    std::string admin_token;
    for (std::size_t i = 0; i + 1 < options.extra_args.size(); ++i) {
      if (options.extra_args[i] == "--admin-token") admin_token = options.extra_args[i + 1];
    }
    Attach(line.substr(kBanner.size()), api_key, write_key, admin_token);
    LoadWorkspaces(*this, options.courier);
  } catch (...) {
    Stop();
    throw;
  }
}

MockCourierProcess::~MockCourierProcess() { Stop(); }

void MockCourierProcess::Stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  if (stdout_fd_ >= 0) {
    ::close(stdout_fd_);
    stdout_fd_ = -1;
  }
}

}  // namespace mock_courier::testing
