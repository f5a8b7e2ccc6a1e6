// RecordStore: the records of one kind a workspace keeps (messages, runs,
// outbound calls), in creation order, found by id, with bounded retention of
// the finished ones. Internal to the engine.
//
// A record is live until its owner calls MarkFinished (a message in a final
// state, a run that ended, a delivered outbound call); Trim then drops
// finished records beyond a cap, oldest-finished first. Unfinished records
// (a waiting run, a message waiting for its delay, an undelivered call) are
// never dropped.
//
// References stay valid while records are added (node-based storage); only
// Trim and Clear drop records, so the engine trims at the end of an
// operation, never while a step or a send holds a reference.
//
// T has a `std::string id` member, which must not change once added.
//
// Not thread-safe: the owning workspace's lock guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mock_courier {

template <typename T>
class RecordStore {
 public:
  // Creation sequence number: 0 for the first record since the last Clear.
  using Seq = std::uint64_t;

  // Adds `record` under its own `id` (the caller makes ids unique).
  T& Add(T record) {
    const Seq seq = next_seq_++;
    Slot& slot = records_.emplace_hint(records_.end(), seq, Slot{std::move(record), false})->second;
    // The index's key views the record's own id (nodes do not move, and a
    // record's id never changes), so each id is stored once.
    index_[slot.record.id] = seq;
    return slot.record;
  }

  T* Find(const std::string& id) {
    auto it = index_.find(id);
    return it == index_.end() ? nullptr : &records_.find(it->second)->second.record;
  }
  const T* Find(const std::string& id) const { return const_cast<RecordStore*>(this)->Find(id); }

  // The creation sequence number of record `id`, or nullopt. With FindBySeq,
  // a reference to a record that costs 8 bytes instead of a copy of its id.
  std::optional<Seq> SeqOf(const std::string& id) const {
    auto it = index_.find(id);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  // The record created as `seq`, or null when it was evicted or cleared.
  T* FindBySeq(Seq seq) {
    auto it = records_.find(seq);
    return it == records_.end() ? nullptr : &it->second.record;
  }

  // Makes the record evictable by Trim. A second call for the same record,
  // or a call for an unknown id, does nothing.
  void MarkFinished(const std::string& id) {
    auto it = index_.find(id);
    if (it == index_.end()) return;
    Slot& slot = records_.find(it->second)->second;
    if (slot.finished) return;
    slot.finished = true;
    finished_.push_back(it->second);
  }

  // One record as stored (public only so that Node can name it).
  struct Slot {
    // The flag may sit in the record's tail padding (a run ends in one).
    [[no_unique_address]] T record;
    bool finished = false;
  };
  // An evicted record, detached from the store: destroying it frees the
  // record. Trim can hand these out so that the caller frees them after
  // releasing the workspace lock (freeing a message's tree is most of what
  // eviction costs).
  using Node = typename std::map<Seq, Slot>::node_type;

  // Drops finished records, oldest-finished first, until at most `keep`
  // remain; `keep` 0 keeps every one. `on_evict(const T&)` runs before each
  // record goes (to drop what other indexes hold of it). Dropped records go
  // to `graveyard` when given, else are destroyed here. Returns how many
  // were dropped.
  template <typename OnEvict>
  std::size_t Trim(std::size_t keep, OnEvict&& on_evict, std::vector<Node>* graveyard = nullptr) {
    if (keep == 0) return 0;
    std::size_t dropped = 0;
    while (finished_.size() > keep) {
      auto it = records_.find(finished_.front());
      finished_.pop_front();
      on_evict(std::as_const(it->second.record));
      index_.erase(it->second.record.id);
      if (graveyard != nullptr) {
        graveyard->push_back(records_.extract(it));
      } else {
        records_.erase(it);
      }
      ++dropped;
    }
    evicted_ += dropped;
    return dropped;
  }
  std::size_t Trim(std::size_t keep, std::vector<Node>* graveyard = nullptr) {
    return Trim(
        keep, [](const T&) {}, graveyard);
  }

  // Drops everything, including the evicted count.
  void Clear() {
    records_.clear();
    index_ = {};  // Not clear(): that keeps the bucket array.
    finished_ = {};
    next_seq_ = 0;
    evicted_ = 0;
  }

  std::size_t size() const { return records_.size(); }
  std::size_t finished() const { return finished_.size(); }
  // How many records Trim dropped since the last Clear.
  std::uint64_t evicted() const { return evicted_; }

  // `fn(seq, record)` for every record, oldest first; stops when fn returns
  // false (fn returning void visits all).
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& [seq, slot] : records_) {
      if (!Visit(fn, seq, slot.record)) return;
    }
  }
  // The same, newest first.
  template <typename Fn>
  void ForEachNewestFirst(Fn&& fn) const {
    for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
      if (!Visit(fn, it->first, it->second.record)) return;
    }
  }
  // The same, newest first, from the last record with sequence < `before`.
  template <typename Fn>
  void ForEachNewestFirstBefore(Seq before, Fn&& fn) const {
    for (auto it = std::make_reverse_iterator(records_.lower_bound(before)); it != records_.rend();
         ++it) {
      if (!Visit(fn, it->first, it->second.record)) return;
    }
  }
  // The sequence number the next record will get.
  Seq end_seq() const { return next_seq_; }
  // The same, oldest first, from the first record with sequence >= `from`.
  template <typename Fn>
  void ForEachFrom(Seq from, Fn&& fn) const {
    for (auto it = records_.lower_bound(from); it != records_.end(); ++it) {
      if (!Visit(fn, it->first, it->second.record)) return;
    }
  }
  // Mutable iteration, oldest first.
  template <typename Fn>
  void ForEachMutable(Fn&& fn) {
    for (auto& [seq, slot] : records_) {
      if (!Visit(fn, seq, slot.record)) return;
    }
  }

 private:
  template <typename Fn, typename R>
  static bool Visit(Fn& fn, Seq seq, R& record) {
    if constexpr (std::is_void_v<decltype(fn(seq, record))>) {
      fn(seq, record);
      return true;
    } else {
      return fn(seq, record);
    }
  }

  std::map<Seq, Slot> records_;
  // Id -> sequence; the keys view each record's id, so each id is stored once.
  std::unordered_map<std::string_view, Seq> index_;
  std::deque<Seq> finished_;  // In the order records finished.
  Seq next_seq_ = 0;
  std::uint64_t evicted_ = 0;
};

}  // namespace mock_courier
