#include "http_load.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <latch>
#include <string_view>
#include <thread>

namespace mock_courier::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Connection {
  int fd = -1;
  std::uint32_t stream = 0;
  std::uint64_t sequence = 0;
  std::string request;  // Head + body of the request in flight.
  std::size_t written = 0;
  std::string response;  // Bytes read so far.
  bool busy = false;     // A request is in flight.
  SteadyClock::time_point sent_at;
};

// What one thread measured.
struct ThreadResult {
  std::vector<std::uint32_t> latencies_us;
  std::uint64_t non_2xx = 0;
  std::uint64_t socket_errors = 0;
  std::uint64_t stalled_max_us = 0;  // Oldest request left unanswered at the end.
  std::string first_error;
};

// One connect attempt, waiting at most `timeout_ms`. Returns a non-blocking fd.
int ConnectOnce(const sockaddr_in& address, int timeout_ms, std::string* error) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int socket_error = ETIMEDOUT;
    socklen_t length = sizeof(socket_error);
    if (::poll(&p, 1, timeout_ms) == 1) {
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &socket_error, &length);
    }
    errno = socket_error;
    rc = socket_error == 0 ? 0 : -1;
  }
  if (rc != 0) {
    *error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// Connects within `timeout_ms`. A small listen backlog (cpp-httplib's is 5)
// drops SYNs when many connections open at once, and the kernel would retry
// only after a second: short attempts, retried, open them quickly.
int Connect(const LoadOptions& options, int timeout_ms, std::string* error) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(options.port));
  if (::inet_pton(AF_INET, options.host.c_str(), &address.sin_addr) != 1) {
    *error = "not an IPv4 address: " + options.host;
    return -1;
  }
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int fd = ConnectOnce(address, 50, error);
    if (fd >= 0 || SteadyClock::now() >= deadline) return fd;
  }
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

// Parses a complete response at the start of `data`. Returns its length, 0
// when more bytes are needed, or npos when the bytes are not HTTP.
std::size_t CompleteResponse(std::string_view data, int* status, bool* close) {
  std::size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return 0;
  if (!data.starts_with("HTTP/1.") || data.size() < 12) return std::string_view::npos;
  *status = std::atoi(std::string(data.substr(9, 3)).c_str());
  std::size_t content_length = 0;
  bool chunked = false;
  *close = false;
  std::size_t line = data.find("\r\n") + 2;
  while (line < head_end) {
    std::size_t next = data.find("\r\n", line);
    std::string_view header = data.substr(line, next - line);
    if (StartsWithNoCase(header, "content-length:")) {
      content_length = std::strtoull(std::string(header.substr(15)).c_str(), nullptr, 10);
    } else if (StartsWithNoCase(header, "transfer-encoding:") &&
               header.find("chunked") != std::string_view::npos) {
      chunked = true;
    } else if (StartsWithNoCase(header, "connection:") &&
               header.find("close") != std::string_view::npos) {
      *close = true;
    }
    line = next + 2;
  }
  std::size_t body = head_end + 4;
  if (!chunked) return data.size() >= body + content_length ? body + content_length : 0;
  // Chunked: <hex size>\r\n<data>\r\n ... 0\r\n\r\n (no trailers expected).
  std::size_t at = body;
  while (true) {
    std::size_t size_end = data.find("\r\n", at);
    if (size_end == std::string_view::npos) return 0;
    std::size_t size =
        std::strtoull(std::string(data.substr(at, size_end - at)).c_str(), nullptr, 16);
    at = size_end + 2 + size + 2;
    if (data.size() < at) return 0;
    if (size == 0) return at;
  }
}

// The measured window, known once every connection is open.
struct Window {
  SteadyClock::time_point measure_from;
  SteadyClock::time_point stop_at;
};

class LoadThread {
 public:
  LoadThread(const LoadOptions& options, const BodySource& bodies, std::uint32_t first_stream,
             int connections)
      : options_(options), bodies_(bodies), connections_(static_cast<std::size_t>(connections)) {
    for (std::size_t i = 0; i < connections_.size(); ++i) {
      connections_[i].stream = first_stream + static_cast<std::uint32_t>(i);
    }
    head_ = "POST " + options.path + " HTTP/1.1\r\nHost: " + options.host + ":" +
            std::to_string(options.port) + "\r\n";
    for (const auto& [name, value] : options.headers) head_ += name + ": " + value + "\r\n";
    head_ += "Content-Type: application/json\r\nContent-Length: ";
  }

  // Connects every connection, waits for `go` (every thread connected and
  // the window set in `window`), then runs the load until window.stop_at.
  ThreadResult Run(std::latch& connected, std::latch& go, const Window& window) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    for (Connection& c : connections_) Open(c, /*send=*/false);
    connected.count_down();
    go.wait();
    measure_from_ = window.measure_from;
    stop_at_ = window.stop_at;
    for (Connection& c : connections_) {
      if (c.fd >= 0) Send(c);
    }
    std::vector<epoll_event> events(connections_.size());
    while (SteadyClock::now() < stop_at_) {
      int ready = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 1);
      for (int i = 0; i < ready; ++i) {
        Connection& c = connections_[events[static_cast<std::size_t>(i)].data.u64];
        if (events[static_cast<std::size_t>(i)].events & EPOLLOUT) Write(c);
        if (events[static_cast<std::size_t>(i)].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) Read(c);
      }
      CheckTimeouts();
    }
    // A request still unanswered after a second (e.g. its connection waits for
    // a server thread) is an error, and its age counts towards the max.
    auto now = SteadyClock::now();
    for (Connection& c : connections_) {
      if (c.fd >= 0 && c.busy && now - c.sent_at > std::chrono::seconds(1)) {
        ++result_.socket_errors;
        if (result_.first_error.empty()) result_.first_error = "no response within 1 s";
        result_.stalled_max_us = std::max<std::uint64_t>(
            result_.stalled_max_us,
            std::chrono::duration_cast<std::chrono::microseconds>(now - c.sent_at).count());
      }
      if (c.fd >= 0) ::close(c.fd);
    }
    ::close(epoll_);
    return std::move(result_);
  }

 private:
  void Error(Connection& c, const std::string& what) {
    if (SteadyClock::now() >= measure_from_) {
      ++result_.socket_errors;
      if (result_.first_error.empty()) result_.first_error = what;
    }
    // Reopened by CheckTimeouts, not here: no recursion through Send.
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
    c.busy = false;
  }

  void Open(Connection& c, bool send = true) {
    std::string error;
    c.fd = Connect(options_, options_.request_timeout_ms, &error);
    if (c.fd < 0) {
      ++result_.socket_errors;
      if (result_.first_error.empty()) result_.first_error = error;
      return;
    }
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT;
    event.data.u64 = static_cast<std::uint64_t>(&c - connections_.data());
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &event);
    if (send) Send(c);
  }

  void Send(Connection& c) {
    bodies_.Fill(c.stream, c.sequence++, body_);
    c.request.assign(head_);
    c.request += std::to_string(body_.size());
    c.request += "\r\n\r\n";
    c.request += body_;
    c.written = 0;
    c.response.clear();
    c.busy = true;
    c.sent_at = SteadyClock::now();
    Write(c);
  }

  void Write(Connection& c) {
    while (c.fd >= 0 && c.busy && c.written < c.request.size()) {
      ssize_t n =
          ::send(c.fd, c.request.data() + c.written, c.request.size() - c.written, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        Error(c, std::string("send: ") + std::strerror(errno));
        return;
      }
      c.written += static_cast<std::size_t>(n);
    }
  }

  void Read(Connection& c) {
    char buffer[16384];
    while (c.fd >= 0) {
      ssize_t n = ::recv(c.fd, buffer, sizeof(buffer), 0);
      if (n == 0) {
        Error(c, "connection closed by the server");
        return;
      }
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        Error(c, std::string("recv: ") + std::strerror(errno));
        return;
      }
      c.response.append(buffer, static_cast<std::size_t>(n));
    }
    if (c.fd < 0 || !c.busy) return;
    int status = 0;
    bool close = false;
    std::size_t length = CompleteResponse(c.response, &status, &close);
    if (length == std::string_view::npos) {
      Error(c, "malformed response");
      return;
    }
    if (length == 0) return;
    auto now = SteadyClock::now();
    if (now >= measure_from_ && now < stop_at_) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - c.sent_at).count();
      result_.latencies_us.push_back(static_cast<std::uint32_t>(us));
      if (status < 200 || status > 299) {
        ++result_.non_2xx;
        if (result_.first_error.empty()) result_.first_error = "HTTP " + std::to_string(status);
      }
    }
    c.busy = false;
    if (close) {
      ::close(c.fd);
      c.fd = -1;
      Open(c);
    } else {
      Send(c);
    }
  }

  void CheckTimeouts() {
    auto now = SteadyClock::now();
    for (Connection& c : connections_) {
      if (c.fd >= 0 && c.busy &&
          now - c.sent_at > std::chrono::milliseconds(options_.request_timeout_ms)) {
        Error(c, "request timed out");
      } else if (c.fd < 0) {
        Open(c);
      }
    }
  }

  const LoadOptions& options_;
  const BodySource& bodies_;
  SteadyClock::time_point measure_from_;
  SteadyClock::time_point stop_at_;
  std::vector<Connection> connections_;
  std::string head_;
  std::string body_;
  int epoll_ = -1;
  ThreadResult result_;
};

double Percentile(const std::vector<std::uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)] / 1000.0;
}

}  // namespace

LoadResult RunLoad(const LoadOptions& options, const BodySource& bodies) {
  const int threads = std::max(1, std::min(options.threads, options.connections));
  std::vector<ThreadResult> results(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  std::latch connected(threads);
  std::latch go(1);
  Window window;
  std::uint32_t stream = 0;
  for (int t = 0; t < threads; ++t) {
    int share = options.connections / threads + (t < options.connections % threads ? 1 : 0);
    workers.emplace_back([&, t, stream, share] {
      LoadThread thread(options, bodies, stream, share);
      results[static_cast<std::size_t>(t)] = thread.Run(connected, go, window);
    });
    stream += static_cast<std::uint32_t>(share);
  }
  // Connection setup is not part of the load: the clock starts once all are open.
  connected.wait();
  window.measure_from = SteadyClock::now() +
                        std::chrono::duration_cast<SteadyClock::duration>(
                            std::chrono::duration<double>(std::max(0.0, options.warmup_seconds)));
  window.stop_at =
      window.measure_from + std::chrono::duration_cast<SteadyClock::duration>(
                                std::chrono::duration<double>(options.duration_seconds));
  go.count_down();
  for (std::thread& w : workers) w.join();

  LoadResult out;
  std::uint64_t stalled_max_us = 0;
  std::vector<std::uint32_t> latencies;
  for (ThreadResult& r : results) {
    latencies.insert(latencies.end(), r.latencies_us.begin(), r.latencies_us.end());
    out.non_2xx += r.non_2xx;
    out.socket_errors += r.socket_errors;
    stalled_max_us = std::max(stalled_max_us, r.stalled_max_us);
    if (out.first_error.empty()) out.first_error = r.first_error;
  }
  std::sort(latencies.begin(), latencies.end());
  out.requests = latencies.size();
  out.seconds = options.duration_seconds;
  out.requests_per_second =
      out.seconds > 0 ? static_cast<double>(out.requests - out.non_2xx) / out.seconds : 0;
  out.p50_ms = Percentile(latencies, 0.50);
  out.p99_ms = Percentile(latencies, 0.99);
  out.max_ms = static_cast<double>(std::max<std::uint64_t>(latencies.empty() ? 0 : latencies.back(),
                                                           stalled_max_us)) /
               1000.0;
  return out;
}

}  // namespace mock_courier::bench
