#include "worker_pool.h"

#include <utility>

namespace mock_courier::server {
namespace {
thread_local bool on_overflow_thread = false;
}  // namespace

WorkerPool::WorkerPool(WorkerPoolOptions options) : options_(options) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < options_.min_threads; ++i) SpawnLocked(false, nullptr);
}

WorkerPool::~WorkerPool() { shutdown(); }

bool WorkerPool::OnOverflowThread() { return on_overflow_thread; }

void WorkerPool::SpawnLocked(bool overflow, std::function<void()> job) {
  std::thread thread;
  if (overflow) {
    ++overflow_;
    thread = std::thread([this, job = std::move(job)]() mutable { Overflow(std::move(job)); });
  } else {
    ++regular_;
    ++starting_;
    thread = std::thread([this, generation = generation_] { Work(generation); });
  }
  const auto id = thread.get_id();
  threads_.emplace(id, std::move(thread));
}

void WorkerPool::enqueue(std::function<void()> job) {
  ReapFinished();
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  // A thread still starting will look for work: it counts as idle, or a
  // loaded machine (threads slow to start) would spawn past max_threads'
  // worth of jobs and send the next connection to an overflow thread (503).
  if (idle_ + starting_ > jobs_.size()) {
    jobs_.push_back(std::move(job));
    work_.notify_one();
  } else if (regular_ < options_.max_threads) {
    jobs_.push_back(std::move(job));
    SpawnLocked(false, nullptr);
  } else if (overflow_ < options_.overflow_threads) {
    SpawnLocked(true, std::move(job));
  } else {
    jobs_.push_back(std::move(job));  // Truly saturated: wait for a thread.
    work_.notify_one();
  }
}

void WorkerPool::Work(std::uint64_t generation) {
  std::unique_lock lock(mutex_);
  --starting_;
  while (true) {
    ++idle_;
    const bool woke = work_.wait_for(lock, options_.idle_exit, [&] {
      return stopping_ || !jobs_.empty() || generation != generation_;
    });
    --idle_;
    if (generation != generation_) {
      // Idle when RetireIdle() was called: exit, unless a job came first.
      generation = generation_;
      if (retiring_ > 0 && --retiring_ == 0) retired_.notify_all();
      if (jobs_.empty()) break;
    }
    if (jobs_.empty()) {
      if (stopping_) break;
      if (!woke && regular_ > options_.min_threads) break;  // Idle too long.
      continue;
    }
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    job = nullptr;  // Destroy the job's captures outside the lock.
    lock.lock();
    generation = generation_;  // Busy during a RetireIdle(): not retired.
  }
  --regular_;
  finished_.push_back(std::this_thread::get_id());
}

void WorkerPool::Overflow(std::function<void()> job) {
  on_overflow_thread = true;
  job();
  job = nullptr;
  std::lock_guard lock(mutex_);
  --overflow_;
  finished_.push_back(std::this_thread::get_id());
}

void WorkerPool::RetireIdle(std::chrono::milliseconds wait) {
  {
    std::unique_lock lock(mutex_);
    // A thread still starting counts as idle: it will find the new
    // generation when it first looks for work.
    if (stopping_ || idle_ + starting_ == 0) return;
    ++generation_;
    retiring_ = idle_ + starting_;
    work_.notify_all();
    retired_.wait_for(lock, wait, [&] { return retiring_ == 0 || stopping_; });
    retiring_ = 0;
    if (!stopping_) {
      while (regular_ < options_.min_threads) SpawnLocked(false, nullptr);
    }
  }
  ReapFinished();  // joined: their caches are back in the arenas
}

std::size_t WorkerPool::IdleThreads() {
  std::lock_guard lock(mutex_);
  return idle_;
}

void WorkerPool::ReapFinished() {
  std::vector<std::thread> done;
  {
    std::lock_guard lock(mutex_);
    for (const auto& id : finished_) {
      auto it = threads_.find(id);
      if (it == threads_.end()) continue;
      done.push_back(std::move(it->second));
      threads_.erase(it);
    }
    finished_.clear();
  }
  for (auto& t : done) t.join();
}

void WorkerPool::shutdown() {
  std::map<std::thread::id, std::thread> all;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    work_.notify_all();
    // Once stopping, enqueue spawns nothing, so this is every thread.
    all.swap(threads_);
    finished_.clear();
  }
  for (auto& [id, t] : all) t.join();
}

}  // namespace mock_courier::server
