#include "mock_courier/server/server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include "mock_courier/time_format.h"
#include "request_body.h"
#include "segment_delivery.h"
#include "worker_pool.h"

namespace mock_courier::server {
namespace {

constexpr const char* kRedacted = "<redacted>";

// The process's resident set in bytes (Linux /proc/self/statm), 0 if unknown.
std::size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return pages_resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// Query parameters whose values are keys (API keys, write keys).
bool IsSecretParam(const std::string& name) {
  return name == "workspace" || name == "write_key" || name == "writeKey" || name == "key";
}

// The path with key-bearing segments redacted: /_mock/workspaces/{api_key}.
std::string RedactPath(const std::string& path) {
  constexpr std::string_view kWorkspaces = "/_mock/workspaces/";
  if (path.starts_with(kWorkspaces) && path.size() > kWorkspaces.size()) {
    return std::string(kWorkspaces) + kRedacted;
  }
  return path;
}

std::string RedactedAuth(const httplib::Request& req) {
  std::string auth = req.get_header_value("Authorization");
  if (auth.empty()) return "-";
  auto space = auth.find(' ');
  return (space == std::string::npos ? std::string("?") : auth.substr(0, space)) + " " + kRedacted;
}

// The query of the request line only: httplib also puts urlencoded form
// bodies into req.params, and those belong to the body.
std::vector<std::pair<std::string, std::string>> QueryOf(const httplib::Request& req) {
  auto mark = req.target.find('?');
  if (mark == std::string::npos) return {};
  return ParseQueryString(std::string_view(req.target).substr(mark + 1));
}

std::string RedactedQuery(const httplib::Request& req) {
  std::string out;
  for (const auto& [name, value] : QueryOf(req)) {
    out += out.empty() ? "?" : "&";
    out += name + "=" + (IsSecretParam(name) ? kRedacted : value);
  }
  return out;
}

// The port of a socket address (IPv4 or IPv6), or -1.
int PortOf(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return -1;
}

// The process's sockets bound to local `port` (Linux: /proc/self/fd). httplib
// exposes neither its listening socket nor the accepted ones, so the server
// finds them here; elsewhere the list is empty.
std::vector<int> SocketsOnPort(int port) {
  std::vector<int> sockets;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return sockets;
  std::vector<int> fds;
  while (const dirent* entry = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0' && fd != dirfd(dir)) {
      fds.push_back(static_cast<int>(fd));
    }
  }
  closedir(dir);
  for (int fd : fds) {
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) continue;
    if (PortOf(local) == port) sockets.push_back(fd);
  }
  return sockets;
}

// Wakes this server's connections that idle between keep-alive requests.
//
// cpp-httplib 0.11 checks for stop() only between requests: a worker whose
// client keeps the connection open waits for the next request up to the
// keep-alive timeout (5 s) before it sees the stop, and stop() joins every
// worker. So a SIGTERM after any request from a keep-alive client (Node's
// fetch, the Courier SDK) took seconds. Shutting down the read side of this
// server's connected TCP sockets makes an idle worker's wait end at once
// (EOF); a worker in a handler has already read its request, still writes
// its response, then sees the stop and closes. Linux only (SocketsOnPort);
// elsewhere shutdown keeps the old, slower behaviour.
// With `peer_port` >= 0, only the connection from that client port.
void ShutDownReadsOfConnections(int port, int peer_port = -1) {
  for (int fd : SocketsOnPort(port)) {
    int type = 0;
    socklen_t type_length = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_length) != 0 || type != SOCK_STREAM) {
      continue;
    }
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) continue;  // listener
    if (peer_port >= 0 && PortOf(peer) != peer_port) continue;
    ::shutdown(fd, SHUT_RD);
  }
}

std::string ServerBusyBody(int max_connections) {
  return Json{{"message", "Server busy: all " + std::to_string(max_connections) +
                              " connection workers are in use; retry shortly"},
              {"type", "service_unavailable"}}
      .dump();
}

// cpp-httplib 0.11 listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG,
// fixed when Debian built the library): a burst of connections (a test
// suite's pools opening) overflows it, and each dropped SYN costs its
// client a 1 s (then 3 s) retransmit, fresh requests included. Linux lets
// listen() be called again on a listening socket to change the backlog;
// httplib does not expose the socket, so it is found like the connections
// above: the listening socket bound to `port`.
void RaiseListenBacklog(int port) {
  for (int fd : SocketsOnPort(port)) {
    int listening = 0;
    socklen_t size = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0 && listening) {
      ::listen(fd, SOMAXCONN);
    }
  }
}

}  // namespace

struct Server::Impl {
  Impl(Engine& e, ServerOptions o) : engine(e), options(std::move(o)), api(e, options.api) {}

  void Handle(const httplib::Request& req, httplib::Response& res);
  void Log(const httplib::Request& req, const httplib::Response& res);
  void LogInternalError(const httplib::Request& req, const std::string& what);
  void Tick();
  void AfterReset();

  Engine& engine;
  ServerOptions options;
  Api api;
  httplib::Server http;
  std::unique_ptr<SegmentDelivery> delivery;
  std::thread listener;
  std::thread ticker;
  std::mutex mutex;  // Guards stopping and the log stream.
  std::condition_variable wake;
  bool stopping = false;
  bool started = false;
  int port = 0;
  std::string error;
  WorkerPool* pool = nullptr;  // owned by `http`, set when it starts listening
  std::size_t startup_rss = 0;
};

void Server::Impl::Handle(const httplib::Request& req, httplib::Response& res) {
  ApiRequest request;
  request.method = req.method;
  request.path = req.path;
  request.query = QueryOf(req);
  // httplib's headers come sorted case-insensitively too: each goes at the end.
  for (const auto& [name, value] : req.headers) {
    request.headers.emplace_hint(request.headers.end(), name, value);
  }
  request.body = req.body;
  ApiResponse response = api.Handle(request);
  res.status = response.status;
  std::string content_type;
  for (const auto& [name, value] : response.headers) {
    if (name == "Content-Type" || name == "content-type") {
      content_type = value;
    } else {
      res.set_header(name, value);
    }
  }
  if (!response.body.empty()) res.set_content(response.body, content_type.c_str());
}

void Server::Impl::Log(const httplib::Request& req, const httplib::Response& res) {
  std::FILE* out = options.log_stream != nullptr ? options.log_stream : stderr;
  const std::string time = FormatIso8601(ScaledSystemClock::WallNow());
  std::string line;
  if (options.log_format == "json") {
    Json entry = {{"time", time},
                  {"remote", req.remote_addr},
                  {"method", req.method},
                  {"path", RedactPath(req.path)},
                  {"query", RedactedQuery(req)},
                  {"status", res.status},
                  {"bytes", res.body.size()},
                  {"auth", RedactedAuth(req)}};
    line = entry.dump();
  } else {
    line = time + " " + req.remote_addr + " \"" + req.method + " " + RedactPath(req.path) +
           RedactedQuery(req) + "\" " + std::to_string(res.status) + " " +
           std::to_string(res.body.size()) + " auth=" + RedactedAuth(req);
  }
  std::lock_guard lock(mutex);
  std::fprintf(out, "%s\n", line.c_str());
  std::fflush(out);
}

void Server::Impl::LogInternalError(const httplib::Request& req, const std::string& what) {
  std::FILE* out = options.log_stream != nullptr ? options.log_stream : stderr;
  const std::string line = FormatIso8601(ScaledSystemClock::WallNow()) + " internal error in \"" +
                           req.method + " " + RedactPath(req.path) + RedactedQuery(req) + "\" (" +
                           std::to_string(req.body.size()) + " body bytes): " + what;
  std::lock_guard lock(mutex);
  std::fprintf(out, "%s\n", line.c_str());
  std::fflush(out);
}

// Engine::Reset gives freed pages back to the OS, but each worker thread's
// allocator cache still pins a few pages in every arena it used: after an
// HTTP load test that adds up to 1-2 MB per arena. When RSS is still above
// reset_rss_factor times what it was at start, the idle workers are replaced by fresh ones
// (their caches go back to the arenas as they exit) and the heap is trimmed
// again. Runs after the reset's answer is written, on its connection's thread.
void Server::Impl::AfterReset() {
  const double factor = options.reset_rss_factor;
  if (pool == nullptr || factor < 0) return;
  if (factor > 0 && (startup_rss == 0 || static_cast<double>(ResidentBytes()) <=
                                             factor * static_cast<double>(startup_rss))) {
    return;
  }
  pool->RetireIdle(std::chrono::milliseconds(500));
  ReleaseFreedMemory();
}

// The real-time ticker: a clock that moves by itself needs someone to run
// what falls due (Engine::RunDue). Wakes at least every 50 ms of wall time,
// since a scaled clock's due times are not wall times.
void Server::Impl::Tick() {
  std::unique_lock lock(mutex);
  while (!stopping) {
    lock.unlock();
    auto next = engine.NextDue();
    if (next && *next <= engine.clock().Now()) (void)engine.RunDue();
    lock.lock();
    wake.wait_for(lock, std::chrono::milliseconds(next ? 5 : 50), [&] { return stopping; });
  }
}

Server::Server(Engine& engine, ServerOptions options)
    : impl_(std::make_unique<Impl>(engine, std::move(options))) {}

Server::~Server() { Stop(); }

bool Server::Start() {
  Impl& s = *impl_;
  if (s.started) return true;
  const ServerOptions& o = s.options;
  // Without TCP_NODELAY every keep-alive request stalls ~40 ms on the
  // Nagle/delayed-ACK interaction (docs/server.md#performance-notes).
  s.http.set_tcp_nodelay(true);
  s.http.set_keep_alive_max_count(100000);
  s.http.set_keep_alive_timeout(std::max(1, o.keep_alive_timeout_seconds));
  s.http.set_read_timeout(std::max(1, o.read_timeout_seconds));
  s.http.set_write_timeout(10);
  // Bodies a little over the Courier limit still reach the Api, which
  // answers 413 with Courier's body; larger ones are refused by httplib and
  // get the same body from the error handler.
  s.http.set_payload_max_length(o.api.max_body_bytes + 1024 * 1024);
  // One thread per connection (cpp-httplib 0.11's model), grown on demand so
  // idle keep-alive and slow clients cannot starve a fresh request.
  WorkerPoolOptions pool;
  pool.max_threads = static_cast<std::size_t>(std::max(1, o.max_connections));
  pool.min_threads = std::min(
      pool.max_threads, static_cast<std::size_t>(std::max(o.threads > 0 ? o.threads : 16, 1)));
  s.http.new_task_queue = [&s, pool] {
    s.pool = new WorkerPool(pool);
    return s.pool;
  };
  auto handler = [&s](const httplib::Request& req, httplib::Response& res) { s.Handle(req, res); };
  s.http.Get(".*", handler);
  s.http.Post(".*", handler);
  s.http.Put(".*", handler);
  s.http.Patch(".*", handler);
  s.http.Delete(".*", handler);
  s.http.Options(".*", handler);
  // A request with neither Content-Length nor Transfer-Encoding has no body
  // (RFC 9112 §6.3), e.g. `curl -X POST URL`. httplib would read until the
  // connection closes and then answer an empty 400; answer it here instead,
  // before httplib tries to read a body.
  s.http.set_pre_routing_handler([&s](const httplib::Request& req, httplib::Response& res) {
    if (WorkerPool::OnOverflowThread()) {
      // Every connection worker is taken: answer now (the logger then
      // ends this connection, freeing the overflow thread).
      res.status = 503;
      res.set_header("Retry-After", "1");
      res.set_content(ServerBusyBody(s.options.max_connections), "application/json");
      return httplib::Server::HandlerResponse::Handled;
    }
    const bool may_have_body = req.method == "POST" || req.method == "PUT" ||
                               req.method == "PATCH" || req.method == "DELETE";
    if (may_have_body && !req.has_header("Content-Length") &&
        !req.has_header("Transfer-Encoding")) {
      s.Handle(req, res);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req,
                                                                   httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (res.status == 413) {
      if (req.path.starts_with("/v1/")) {
        res.status =
            400;  // Segment's size errors are 400
                  // (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/).
        res.set_content(R"({"success":false,"message":"Batch exceeds 500 KB"})",
                        "application/json");
      } else {
        res.set_content(R"({"message":"Payload Too Large","type":"invalid_request_error"})",
                        "application/json");
      }
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }));
  // A 500 is a bug, never the answer to bad input: log the request and answer
  // a fixed JSON body. Without a handler httplib copies the exception text
  // into an EXCEPTION_WHAT response header.
  s.http.set_exception_handler([&s](const httplib::Request& req, httplib::Response& res,
                                    std::exception_ptr error) {
    std::string what = "unknown exception";
    try {
      if (error) std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    res.status = 500;
    res.headers.clear();
    res.set_content(R"({"message":"Internal error","type":"internal_error"})", "application/json");
    s.LogInternalError(req, what);
  });
  // httplib calls the logger once the response is written.
  s.http.set_logger([&s](const httplib::Request& req, const httplib::Response& res) {
    if (!s.options.log_format.empty()) s.Log(req, res);
    if (req.method == "POST" && req.path == "/_mock/reset" && res.status == 200) s.AfterReset();
    // An overflow connection ends after its 503: shutting its read side now
    // makes httplib's wait for a next request end at once. (Earlier, before
    // the write, httplib would find the socket dead and write nothing.)
    if (WorkerPool::OnOverflowThread()) ShutDownReadsOfConnections(s.port, req.remote_port);
  });

  if (o.port == 0) {
    s.port = s.http.bind_to_any_port(o.host);
  } else {
    s.port = s.http.bind_to_port(o.host, o.port) ? o.port : -1;
  }
  if (s.port <= 0) {
    s.error = "cannot bind " + o.host + ":" + std::to_string(o.port);
    return false;
  }
  RaiseListenBacklog(s.port);
  s.startup_rss = ResidentBytes();
  s.listener = std::thread([&s] { s.http.listen_after_bind(); });
  s.stopping = false;
  if (std::string(s.engine.clock().Mode()) == "real") s.ticker = std::thread([&s] { s.Tick(); });
  {
    // Always running: it delivers the workspaces' webhooks, and the
    // outbound Segment calls when there is a segment_url.
    SegmentDeliveryOptions d;
    d.segment_url = o.segment_url;
    d.max_attempts = std::max(1, o.segment_max_attempts);
    d.backoff_base_ms = o.segment_backoff_ms;
    d.drain_timeout_ms = o.drain_timeout_ms;
    s.delivery = std::make_unique<SegmentDelivery>(s.engine, d);
    s.delivery->Start();
  }
  // stop() is a no-op until the listener runs; wait for it so that a quick
  // Start/Stop cannot leave the listener blocked.
  while (!s.http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  s.started = true;
  s.api.SetStopping(false);
  return true;
}

void Server::Stop() {
  Impl& s = *impl_;
  if (!s.started) return;
  s.api.SetStopping(true);  // open inspector pages' long-polls answer now
  s.http.stop();
  ShutDownReadsOfConnections(s.port);
  if (s.listener.joinable()) s.listener.join();
  {
    std::lock_guard lock(s.mutex);
    s.stopping = true;
  }
  s.wake.notify_all();
  if (s.ticker.joinable()) s.ticker.join();
  // Requests have stopped, so what the outbox holds now is all there is.
  if (s.delivery) s.delivery->Stop();
  s.started = false;
}

int Server::port() const { return impl_->port; }

std::string Server::base_url() const {
  const std::string& host = impl_->options.host;
  std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "http://" + shown + ":" + std::to_string(impl_->port);
}

const std::string& Server::error() const { return impl_->error; }

}  // namespace mock_courier::server
