// Connection handling: idle keep-alive clients and slow senders cannot delay
// a fresh request, and a saturated server answers 503 at once instead of
// hanging. These are the deadline tests issue 12 asks for: before the
// WorkerPool, 300 idle connections made a fresh request wait 5.5 s and 100
// slow senders 7.5 s, the server's keep-alive and read timeouts. These tests
// raise both timeouts to 60 s, so that a request queued behind a held worker
// would wait a minute, and give it 10 s: far from both, whatever the machine.
// (With the default timeouts and a 1 s, then 2.5 s deadline, the 300-connection
// test failed under ThreadSanitizer on a loaded 2-core machine, which took up
// to 2.6 s to start 300 connection threads.) bench/README.md has the measured
// latencies (target: under 100 ms).
#include <chrono>
#include <string>
#include <vector>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server_fixture.h"

namespace mock_courier::server::testing {
namespace {

constexpr auto kDeadline = std::chrono::seconds(10);
constexpr int kHeldTimeoutSeconds = 60;

// `options` with the keep-alive and read timeouts a held worker would make a
// queued request wait for.
ServerOptions Held(ServerOptions options) {
  options.keep_alive_timeout_seconds = kHeldTimeoutSeconds;
  options.read_timeout_seconds = kHeldTimeoutSeconds;
  return options;
}

// A raw loopback connection, closed on destruction.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    int one = 1;
    if (connected_) setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  RawConnection(RawConnection&& other) noexcept : fd_(other.fd_), connected_(other.connected_) {
    other.fd_ = -1;
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Reads one response with a Content-Length body; returns it whole.
  std::string ReadResponse() {
    std::string in;
    char buffer[4096];
    while (true) {
      auto end = in.find("\r\n\r\n");
      if (end != std::string::npos) {
        auto cl = in.find("Content-Length: ");
        std::size_t length = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
        if (in.size() >= end + 4 + length) return in;
      }
      ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return in;
      in.append(buffer, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

constexpr const char* kHealth = "GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

class ConnectionTest : public ServerTest {
 protected:
  explicit ConnectionTest(ServerOptions options = {}) : ServerTest(Held(std::move(options))) {}

  // Holds `n` keep-alive connections that each finished one request.
  std::vector<RawConnection> IdleConnections(int n) {
    std::vector<RawConnection> held;
    for (int i = 0; i < n; ++i) {
      RawConnection c(server_.port());
      EXPECT_TRUE(c.connected());
      EXPECT_TRUE(c.Send(kHealth));
      EXPECT_NE(c.ReadResponse().find("200 OK"), std::string::npos);
      held.push_back(std::move(c));
    }
    return held;
  }

  // A fresh request on a new connection: its status and how long it took.
  std::pair<int, std::chrono::milliseconds> TimedFreshRequest() {
    httplib::Client fresh("127.0.0.1", server_.port());
    fresh.set_tcp_nodelay(true);
    // The deadline judges, not the client's own 5 s read timeout.
    fresh.set_read_timeout(std::chrono::seconds(kHeldTimeoutSeconds));
    const auto start = std::chrono::steady_clock::now();
    auto r = fresh.Get("/_mock/health");
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    return {r ? r->status : -1, took};
  }

  static void SetUpTestSuite() { RaiseOpenFileLimit(); }
};

TEST_F(ConnectionTest, ThreeHundredKeepAliveConnectionsDoNotDelayAFreshRequest) {
  // A test suite's HTTP pools: 300 connections each send a request at once,
  // then stay open. A fixed pool would serve the first ones, whose threads
  // then idle in keep-alive, and queue the rest and the fresh request.
  std::vector<RawConnection> pool;
  for (int i = 0; i < 300; ++i) {
    RawConnection c(server_.port());
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.Send(kHealth));
    pool.push_back(std::move(c));
  }
  auto [status, took] = TimedFreshRequest();
  EXPECT_EQ(status, 200);
  EXPECT_LT(took, kDeadline) << "took " << took.count() << " ms";
  for (auto& c : pool) EXPECT_NE(c.ReadResponse().find("200 OK"), std::string::npos);

  // Now all 300 are idle keep-alive connections.
  auto [idle_status, idle_took] = TimedFreshRequest();
  EXPECT_EQ(idle_status, 200);
  EXPECT_LT(idle_took, kDeadline) << "took " << idle_took.count() << " ms";
  // The held connections are still served.
  ASSERT_TRUE(pool.back().Send(kHealth));
  EXPECT_NE(pool.back().ReadResponse().find("200 OK"), std::string::npos);
}

TEST_F(ConnectionTest, HundredSlowSendersDoNotDelayAFreshRequest) {
  std::vector<RawConnection> slow;
  for (int i = 0; i < 100; ++i) {
    RawConnection c(server_.port());
    ASSERT_TRUE(c.connected());
    // Half a request: headers promise a body that never comes.
    ASSERT_TRUE(c.Send(i % 2 == 0 ? "POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
                                  : "POST /send HTTP/1.1\r\nHost: x\r\nAuthor"));
    slow.push_back(std::move(c));
  }
  auto [status, took] = TimedFreshRequest();
  EXPECT_EQ(status, 200);
  EXPECT_LT(took, kDeadline) << "took " << took.count() << " ms";
}

ServerOptions SmallPool() {
  ServerOptions options;
  options.threads = 1;
  options.max_connections = 4;
  return options;
}

class SaturatedConnectionTest : public ConnectionTest {
 protected:
  SaturatedConnectionTest() : ConnectionTest(SmallPool()) {}
};

TEST_F(SaturatedConnectionTest, ConnectionsPastTheLimitGet503WithRetryAfterAtOnce) {
  auto held = IdleConnections(4);
  RawConnection extra(server_.port());
  ASSERT_TRUE(extra.connected());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(extra.Send(kHealth));
  const std::string response = extra.ReadResponse();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, kDeadline);
  EXPECT_EQ(response.rfind("HTTP/1.1 503", 0), 0u) << response;
  EXPECT_NE(response.find("Retry-After: 1\r\n"), std::string::npos) << response;
  auto body = json::parse(response.substr(response.find("\r\n\r\n") + 4));
  EXPECT_EQ(body,
            json({{"message", "Server busy: all 4 connection workers are in use; retry shortly"},
                  {"type", "service_unavailable"}}));
  // Once a held connection closes, fresh requests are served again.
  held.pop_back();
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    served = TimedFreshRequest().first == 200;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(served);
}

}  // namespace
}  // namespace mock_courier::server::testing
