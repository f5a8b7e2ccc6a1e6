// CombiningLock (engine/src/combining_lock.h): a workspace's operations run
// one at a time, each exactly once, with exceptions back in their own thread.
#include "combining_lock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mock_courier {
namespace {

TEST(CombiningLockTest, EveryOperationRunsOnceAndAloneUnderTheMutex) {
  std::mutex mutex;
  CombiningLock lock(mutex);
  constexpr int kThreads = 8;
  // Enough per thread that combiners hand over (kMaxBatch) many times.
  constexpr int kOperations = 4000;
  long counter = 0;  // Plain: only mutual exclusion keeps the sum exact.
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kOperations; ++i) {
        lock.Run([&] {
          if (inside.fetch_add(1) != 0) overlaps.fetch_add(1);
          // The mutex is held while an operation runs.
          if (mutex.try_lock()) {
            mutex.unlock();
            overlaps.fetch_add(1);
          }
          ++counter;
          inside.fetch_sub(1);
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter, static_cast<long>(kThreads) * kOperations);
  EXPECT_EQ(overlaps.load(), 0);
}

TEST(CombiningLockTest, OneThreadsOperationsRunInItsOrder) {
  std::mutex mutex;
  CombiningLock lock(mutex);
  std::vector<int> seen;
  std::thread other([&] {
    for (int i = 0; i < 1000; ++i) lock.Run([] {});
  });
  for (int i = 0; i < 1000; ++i) lock.Run([&] { seen.push_back(i); });
  other.join();
  ASSERT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
}

TEST(CombiningLockTest, AnExceptionReachesTheThreadThatSubmittedIt) {
  std::mutex mutex;
  CombiningLock lock(mutex);
  std::atomic<int> caught{0};
  std::atomic<int> ran{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        try {
          lock.Run([&] {
            ran.fetch_add(1);
            if (i % 2 == 1) throw std::runtime_error("operation " + std::to_string(t));
          });
        } catch (const std::runtime_error& e) {
          if (std::string(e.what()) == "operation " + std::to_string(t)) caught.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ran.load(), 2000);
  EXPECT_EQ(caught.load(), 1000);
  // Still usable afterwards, and the mutex is free.
  int after = 0;
  lock.Run([&] { after = 1; });
  EXPECT_EQ(after, 1);
  EXPECT_TRUE(mutex.try_lock());
  mutex.unlock();
}

}  // namespace
}  // namespace mock_courier
