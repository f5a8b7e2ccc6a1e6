// WorkerPool::RetireIdle: idle threads are replaced by fresh ones (so their
// allocator caches go back to the heap before a trim), busy ones are left to
// finish, and the pool keeps serving.
#include "worker_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <latch>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

namespace mock_courier::server {
namespace {

// A number per thread, never reused (std::thread::id values can be).
std::atomic<int> next_serial{1};
int ThreadSerial() {
  thread_local const int serial = next_serial++;
  return serial;
}

// Runs `n` jobs that each wait for all the others, so they take `n` distinct
// threads, and returns those threads' serials.
std::set<int> SerialsOfConcurrentJobs(WorkerPool& pool, int n) {
  std::latch all_started(n);
  std::latch done(n);
  std::mutex mutex;
  std::set<int> serials;
  for (int i = 0; i < n; ++i) {
    pool.enqueue([&] {
      {
        std::lock_guard lock(mutex);
        serials.insert(ThreadSerial());
      }
      all_started.arrive_and_wait();
      done.count_down();
    });
  }
  done.wait();
  return serials;
}

void WaitUntilIdle(WorkerPool& pool, std::size_t n) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pool.IdleThreads() < n && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::yield();
  }
  ASSERT_GE(pool.IdleThreads(), n);
}

WorkerPoolOptions ThreeThreads() {
  WorkerPoolOptions options;
  options.min_threads = 3;
  options.max_threads = 3;
  options.overflow_threads = 0;
  return options;
}

TEST(WorkerPoolTest, RetireIdleReplacesIdleThreadsWithFreshOnes) {
  WorkerPool pool(ThreeThreads());
  const std::set<int> before = SerialsOfConcurrentJobs(pool, 3);
  ASSERT_EQ(before.size(), 3u);
  WaitUntilIdle(pool, 3);

  pool.RetireIdle(std::chrono::seconds(10));

  const std::set<int> after = SerialsOfConcurrentJobs(pool, 3);
  ASSERT_EQ(after.size(), 3u);
  for (int serial : after) EXPECT_EQ(before.count(serial), 0u) << "thread " << serial << " kept";
  pool.shutdown();
}

TEST(WorkerPoolTest, WithoutRetireIdleTheSameThreadsServe) {
  // The control for the test above: the pool does not replace threads by itself.
  WorkerPool pool(ThreeThreads());
  const std::set<int> before = SerialsOfConcurrentJobs(pool, 3);
  WaitUntilIdle(pool, 3);
  EXPECT_EQ(SerialsOfConcurrentJobs(pool, 3), before);
  pool.shutdown();
}

TEST(WorkerPoolTest, RetireIdleLeavesABusyThreadToFinishItsJob) {
  WorkerPool pool(ThreeThreads());
  std::mutex mutex;
  std::condition_variable changed;
  bool release = false;
  int busy_serial = 0;
  bool finished = false;
  pool.enqueue([&] {
    std::unique_lock lock(mutex);
    busy_serial = ThreadSerial();
    changed.notify_all();
    changed.wait(lock, [&] { return release; });
    finished = true;
    changed.notify_all();
  });
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return busy_serial != 0; });
  }
  WaitUntilIdle(pool, 2);

  pool.RetireIdle(std::chrono::seconds(10));

  {
    std::unique_lock lock(mutex);
    release = true;
    changed.notify_all();
    changed.wait(lock, [&] { return finished; });
  }
  // The busy thread stayed; with the two fresh ones the pool still has three.
  WaitUntilIdle(pool, 3);
  const std::set<int> after = SerialsOfConcurrentJobs(pool, 3);
  EXPECT_EQ(after.count(busy_serial), 1u);
  pool.shutdown();
}

// Jobs enqueued while the threads spawned for them are still starting are
// theirs: a starting thread is not busy, so up to max_threads jobs never go
// to an overflow thread (the server answers those 503). Enqueued right after
// the pool is made, before its threads run, as on a loaded machine.
TEST(WorkerPoolTest, JobsEnqueuedWhileThreadsStartNeverOverflowBelowTheMaximum) {
  for (int round = 0; round < 50; ++round) {
    WorkerPoolOptions options;
    options.min_threads = 1;
    options.max_threads = 4;
    options.overflow_threads = 4;
    WorkerPool pool(options);
    std::latch all_started(4);
    std::latch done(4);
    std::atomic<int> overflowed{0};
    for (int i = 0; i < 4; ++i) {
      pool.enqueue([&] {
        if (WorkerPool::OnOverflowThread()) ++overflowed;
        all_started.arrive_and_wait();
        done.count_down();
      });
    }
    done.wait();
    ASSERT_EQ(overflowed.load(), 0) << "round " << round;
  }
}

}  // namespace
}  // namespace mock_courier::server
