// FakeSegment: what the built-in fake Segment Tracking API has received.
//
// Both Courier's outbound calls (delivered in-process, or over HTTP by the
// server) and an application's Segment library traffic land here. Thread-safe
// (a leaf lock). Bounded: the oldest calls go first past `capacity` (0 =
// unlimited); Received() counts them as "evicted".
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "call_text.h"
#include "mock_courier/clock.h"
#include "string_hash.h"

namespace mock_courier {

class FakeSegment {
 public:
  explicit FakeSegment(std::size_t capacity = 10000) : capacity_(capacity) {}

  // Records one call; `path` is the Tracking API path (e.g. "/v1/batch"),
  // `origin` "courier-outbound" or "http".
  void Record(const std::string& write_key, const nlohmann::json& event, const std::string& path,
              const std::string& origin, TimePoint received_at);
  // The same with the event already serialized or typed, shared with its
  // producer (the outbox keeps the same call) instead of copied. Calls are
  // kept as JSON text (a few hundred bytes and one allocation instead of a
  // tree of nodes) or typed (call_text.h), parsed only when Received() is asked.
  void Record(const std::string& write_key, CallText event, const std::string& path,
              const std::string& origin, TimePoint received_at);
  // {"results":[{write_key, path, origin, received_at, event}], "evicted": N},
  // for one write key or all when empty; N counts every write key.
  nlohmann::json Received(const std::string& write_key) const;
  void Clear();
  // Drops the calls recorded for one write key (no-op for "").
  void ClearWriteKey(const std::string& write_key);
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::size_t capacity_;
  using Text = std::shared_ptr<const std::string>;
  struct Call {
    // Shared with the other calls that name the same (Name()).
    Text write_key;
    Text path;
    Text origin;
    TimePoint received_at = 0;
    CallText event;
  };
  // `text` shared with the calls that name it already: a process sees a few
  // write keys, paths and origins, repeated by every call. At most
  // kMaxNames are kept (a client can send any write key); past that a call
  // holds a copy of its own. `last` is the last call's name for the same
  // field (or null), returned when it names `text`. Called with mutex_ held.
  Text Name(const std::string& text, const Text& last);
  static constexpr std::size_t kMaxNames = 256;
  std::unordered_map<std::string, Text, TransparentStringHash> names_;
  std::deque<Call> calls_;
  std::uint64_t evicted_ = 0;
};

}  // namespace mock_courier
