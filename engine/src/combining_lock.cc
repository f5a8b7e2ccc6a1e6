#include "combining_lock.h"

namespace mock_courier {

void CombiningLock::Submit(Request& request) {
  bool combine = false;
  {
    std::lock_guard queue(queue_mutex_);
    if (tail_ != nullptr) {
      tail_->next = &request;
    } else {
      head_ = &request;
    }
    tail_ = &request;
    if (!combining_) {
      combining_ = true;
      combine = true;
    }
  }
  if (!combine) {
    // Woken either with the operation done, or to take over as combiner (the
    // operation then still waits in the queue). `request.combine` is written
    // by the combiner before it releases `done`, so it is read only after.
    request.done.acquire();
    combine = request.combine;
  }
  if (combine) Combine(request);
  if (request.error) std::rethrow_exception(request.error);
}

void CombiningLock::Combine(Request& own) {
  std::size_t others = 0;
  bool own_done = false;
  std::unique_lock workspace(mutex_);
  while (true) {
    Request* batch = nullptr;
    {
      std::lock_guard queue(queue_mutex_);
      if (head_ == nullptr) {
        combining_ = false;
        return;
      }
      if (own_done && others >= kMaxBatch) {
        // The oldest waiter takes over; its operation stays queued and is
        // the first it runs.
        Request* next = head_;
        next->combine = true;
        workspace.unlock();
        next->done.release();
        return;
      }
      batch = head_;
      head_ = tail_ = nullptr;
    }
    while (batch != nullptr) {
      Request* request = batch;
      batch = request->next;  // Before the owner is woken and its frame goes.
      try {
        request->call(request->fn);
      } catch (...) {
        request->error = std::current_exception();
      }
      if (request == &own) {
        own_done = true;
      } else {
        ++others;
        request->done.release();
      }
    }
  }
}

}  // namespace mock_courier
