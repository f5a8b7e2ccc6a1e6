// WorkerPool: cpp-httplib's task queue, sized by demand instead of fixed.
//
// cpp-httplib 0.11 serves each connection on one task-queue thread for the
// connection's whole life: an idle keep-alive connection holds its thread
// until the keep-alive timeout (5 s), a client that sent half a request holds
// it until the read timeout. With a fixed pool, 300 idle connections from a
// test suite's HTTP pools made a fresh request wait 5.5 s. This pool starts
// `min_threads` threads and adds one whenever a connection arrives and no
// thread is free, up to `max_threads`; threads above `min_threads` exit after
// `idle_exit` without work. Past `max_threads`, up to `overflow_threads`
// extra short-lived threads take the connection with OnOverflowThread() set,
// so the server answers at once (503, Retry-After) instead of queueing it;
// only past that does a connection wait in the queue.
//
// Thread-safe. shutdown() joins every thread; jobs still queued then run
// first (httplib closes their sockets).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace mock_courier::server {

struct WorkerPoolOptions {
  std::size_t min_threads = 16;
  std::size_t max_threads = 1024;
  std::size_t overflow_threads = 32;
  std::chrono::milliseconds idle_exit{10000};
};

class WorkerPool : public httplib::TaskQueue {
 public:
  explicit WorkerPool(WorkerPoolOptions options);
  ~WorkerPool() override;

  void enqueue(std::function<void()> job) override;
  void shutdown() override;

  // True on a thread serving a connection beyond max_threads.
  static bool OnOverflowThread();

  // Ends the threads that are idle now (or still starting) and starts fresh ones in their place,
  // up to min_threads; returns once the old ones have exited (or after
  // `wait`). A thread's allocator cache (glibc's tcache) is given back only
  // when the thread exits, and it pins pages in every arena: after a reset of
  // a load test's records, this is what lets RSS fall back near idle.
  void RetireIdle(std::chrono::milliseconds wait);

  // Threads waiting for work now.
  std::size_t IdleThreads();

 private:
  // A regular thread's loop; `generation` is generation_ when it was spawned.
  void Work(std::uint64_t generation);
  void Overflow(std::function<void()> job);
  // Joins threads that have exited. REQUIRES: mutex_ not held.
  void ReapFinished();
  void SpawnLocked(bool overflow, std::function<void()> job);

  const WorkerPoolOptions options_;
  std::mutex mutex_;
  std::condition_variable work_;
  std::deque<std::function<void()>> jobs_;
  std::map<std::thread::id, std::thread> threads_;
  std::vector<std::thread::id> finished_;
  std::size_t regular_ = 0;
  std::size_t idle_ = 0;
  std::size_t overflow_ = 0;
  std::uint64_t generation_ = 0;  // RetireIdle() calls so far
  std::size_t retiring_ = 0;      // idle threads RetireIdle() still waits for
  std::size_t starting_ = 0;      // regular threads spawned, not yet waiting for work
  std::condition_variable retired_;
  bool stopping_ = false;
};

}  // namespace mock_courier::server
