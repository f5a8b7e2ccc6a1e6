// CombiningLock: runs a workspace's operations one at a time, in arrival
// order, without a lock convoy. Internal to the engine.
//
// With a plain mutex, 32 request threads on 2 cores queue on the lock: every
// release wakes one sleeper while a running thread may barge in first, so a
// woken thread can lose the lock again and again (the p99 tail), and the lock
// sits idle while the next owner is being scheduled. Here a thread that finds
// the workspace busy queues its operation and sleeps; the thread that holds
// the workspace (the combiner) runs the queued operations itself, in order,
// then wakes each owner with its result. After `kMaxBatch` operations beyond
// its own it hands the combiner role to the oldest waiter, so no request
// thread serves others for long.
//
// Operations run under `mutex` (the workspace's), which other paths (timers,
// the Segment relay) still take directly. An operation must not Run() on the
// same CombiningLock (it would wait for itself), as it could not lock the
// mutex twice either. An exception an operation throws is rethrown in the
// thread that submitted it.
#pragma once

#include <cstddef>
#include <exception>
#include <mutex>
#include <semaphore>
#include <type_traits>
#include <utility>

namespace mock_courier {

class CombiningLock {
 public:
  explicit CombiningLock(std::mutex& mutex) : mutex_(mutex) {}
  CombiningLock(const CombiningLock&) = delete;
  CombiningLock& operator=(const CombiningLock&) = delete;

  // Runs `fn()` under the mutex, after every operation submitted before it.
  template <typename Fn>
  void Run(Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    Request request;
    request.call = [](void* f) { (*static_cast<F*>(f))(); };
    request.fn = static_cast<void*>(&fn);
    Submit(request);
  }

  // Operations beyond its own a combiner runs before handing over.
  static constexpr std::size_t kMaxBatch = 32;

 private:
  struct Request {
    void (*call)(void*) = nullptr;
    void* fn = nullptr;
    std::exception_ptr error;
    Request* next = nullptr;
    bool combine = false;  // Set by the combiner that hands over, before `done`.
    std::binary_semaphore done{0};
  };

  void Submit(Request& request);
  // Runs queued operations until the queue is empty or the batch is used up.
  void Combine(Request& own);

  std::mutex& mutex_;
  std::mutex queue_mutex_;  // Guards the fields below.
  Request* head_ = nullptr;
  Request* tail_ = nullptr;
  bool combining_ = false;
};

}  // namespace mock_courier
