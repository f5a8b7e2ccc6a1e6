// HttpLoad: a closed-loop HTTP/1.1 load generator for loopback benchmarks.
//
// Each of `threads` threads drives its share of `connections` keep-alive
// connections with epoll: a connection sends one request, waits for the whole
// response, then sends the next. Requests are POSTs whose bodies come from a
// BodySource, so each can be distinct (e.g. a fresh Segment messageId).
//
// Bounded: the run stops at warmup + duration; a request outstanding for
// longer than `request_timeout_ms` counts as an error and its connection is
// reopened; one still unanswered after 1 s when the run ends is an error
// too. Only responses completed inside the measured window (after the
// warm-up) count. Latency is send-start to last response byte; as with any
// closed-loop generator the tails are optimistic (coordinated omission).
//
// Not thread-safe: one RunLoad at a time per BodySource.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mock_courier::bench {

// Produces request bodies. Called concurrently from the load threads, each
// with its own `stream` number; must be thread-safe across streams.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // Writes the body of request `sequence` of connection `stream` into `body`.
  virtual void Fill(std::uint32_t stream, std::uint64_t sequence, std::string& body) const = 0;
};

struct LoadOptions {
  std::string host = "127.0.0.1";  // IPv4 literal; loopback only.
  int port = 0;
  std::string path = "/inbound/segment";
  // Extra request headers, e.g. {"Authorization", "Bearer key"}.
  std::vector<std::pair<std::string, std::string>> headers;
  int connections = 32;
  int threads = 2;
  double warmup_seconds = 2;
  double duration_seconds = 10;
  int request_timeout_ms = 5000;
};

struct LoadResult {
  std::uint64_t requests = 0;       // Responses completed in the measured window.
  std::uint64_t non_2xx = 0;        // Of those, status outside 200..299.
  std::uint64_t socket_errors = 0;  // Connect/read/write failures, timeouts, closed mid-response.
  double seconds = 0;               // Length of the measured window.
  double requests_per_second = 0;   // 2xx responses per second.
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;        // Includes requests left unanswered at the end.
  std::string first_error;  // A sample error ("" when none).

  std::uint64_t errors() const { return non_2xx + socket_errors; }
};

// Runs the load. REQUIRES: host is a loopback IPv4 address, port > 0,
// connections >= threads >= 1.
LoadResult RunLoad(const LoadOptions& options, const BodySource& bodies);

}  // namespace mock_courier::bench
