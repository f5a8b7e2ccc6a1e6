// bench-ceiling-server: the HTTP ingest ceiling. A bare cpp-httplib server
// with mock-courier's socket settings that parses each POST /inbound/segment
// body as JSON and answers 202, doing nothing else. What mock-courier does on
// top of this (routing, auth, the engine) is what the ratio measures.
//
//   bench-ceiling-server [--threads N]
//
// Binds 127.0.0.1 on a free port and prints "listening on http://127.0.0.1:PORT"
// once bound. Runs until killed.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: bench-ceiling-server [--threads N]\n");
      return 2;
    }
  }
  // The pool size mock-courier picks by default (docs/server.md, --threads).
  if (threads <= 0)
    threads = std::max(64, 8 * static_cast<int>(std::thread::hardware_concurrency()));

  httplib::Server server;
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(100000);
  server.set_keep_alive_timeout(5);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.Post("/inbound/segment", [](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json event = nlohmann::json::parse(req.body, nullptr, false);
    if (event.is_discarded() || !event.is_object()) {
      res.status = 400;
      res.set_content(R"({"message":"Invalid JSON"})", "application/json");
      return;
    }
    res.status = 202;
    res.set_content(R"({"messageId":"x"})", "application/json");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::fprintf(stderr, "bench-ceiling-server: cannot bind 127.0.0.1\n");
    return 1;
  }
  std::printf("listening on http://127.0.0.1:%d\n", port);
  std::fflush(stdout);
  return server.listen_after_bind() ? 0 : 1;
}
