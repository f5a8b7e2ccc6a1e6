// Server: mock-courier over HTTP (cpp-httplib), an adapter around Api.
//
// Binds the given host and port (port 0 picks a free one), serves every
// request through Api::Handle on a thread pool, and runs two workers of its
// own: the real-time ticker (for a clock that moves by itself) and the
// outbound Segment delivery worker. Start() returns once the socket is bound.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "mock_courier/engine.h"
#include "mock_courier/server/api.h"

namespace mock_courier::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: a free port.
  ApiOptions api;
  // Where outbound Segment calls go: "" = the built-in fake Segment API (in
  // process, no HTTP); else a base URL such as http://127.0.0.1:9999.
  std::string segment_url;
  // Delivery tries per outbound batch before it is marked failed.
  int segment_max_attempts = 5;
  // Backoff before try n+1 is segment_backoff_ms * 2^(n-1) (capped at 60 s).
  int segment_backoff_ms = 500;
  // How long Stop() keeps delivering queued outbound calls.
  int drain_timeout_ms = 3000;
  // Access log: "text", "json" or "" (off). Keys are redacted.
  std::string log_format;
  // Where the access log goes; stderr when null. Not owned.
  std::FILE* log_stream = nullptr;
  // Connection worker threads started up front (more start on demand); 0: 16.
  int threads = 0;
  // Connections served at once: cpp-httplib gives each open connection
  // (idle keep-alive ones included) a thread until it closes or times out.
  // Past this, up to 32 more connections get an immediate 503 with
  // Retry-After: 1; only past those does a new connection wait.
  int max_connections = 1024;
  // How long a connection may idle between keep-alive requests, and wait
  // for a request's bytes, before its worker closes it (docs/server.md).
  int keep_alive_timeout_seconds = 5;
  int read_timeout_seconds = 10;
  // After a POST /_mock/reset, when RSS is still above this many times the
  // RSS at Start(), the idle connection workers are replaced by fresh ones
  // and the heap is trimmed again: a worker's allocator cache is given back
  // only when it exits (docs/server.md "Retention"). 0: always; negative: never.
  double reset_rss_factor = 2.0;
};

class Server {
 public:
  // `engine` is not owned and must outlive the server. When
  // options.segment_url is set, the engine must have been built with
  // deliver_outbound_to_fake_segment = false.
  Server(Engine& engine, ServerOptions options);
  ~Server();  // Stops if running.

  // Binds and starts serving on background threads. Returns false (and
  // error() says why) when the address cannot be bound.
  bool Start();
  // Stops accepting, drains the outbound queue (bounded), joins the threads.
  void Stop();

  int port() const;
  // "http://127.0.0.1:<port>"
  std::string base_url() const;
  const std::string& error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mock_courier::server
