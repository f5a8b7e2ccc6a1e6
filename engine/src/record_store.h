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
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "string_hash.h"

namespace mock_courier {

template <typename T>
class RecordStore {
 public:
  // Creation sequence number: 0 for the first record since the last Clear.
  using Seq = std::uint64_t;

  // Adds `record` under its own `id` (the caller makes ids unique). Moved
  // once, into its node: a message is large, and each move and moved-from
  // destructor of it was 1 % of a fired run.
  T& Add(T&& record) { return Insert(std::move(record))->second.record; }
  // The same for a record built in its node: `build(T&)` fills a T made
  // from `args` (and must set its id), so that a large record is not moved.
  template <typename Build, typename... Args>
  T& AddBuilt(Build&& build, Args&&... args) {
    const Iterator item = records_.emplace_hint(
        records_.end(), std::piecewise_construct, std::forward_as_tuple(next_seq_),
        std::forward_as_tuple(std::in_place, std::forward<Args>(args)...));
    build(item->second.record);
    ++next_seq_;
    IndexInsert(item);
    return item->second.record;
  }
  // The same for a record finished as it is added (evictable by Trim at
  // once), without MarkFinished's lookup of its id.
  T& AddFinished(T&& record) {
    const Iterator item = Insert(std::move(record));
    item->second.finished = true;
    finished_.push_back(item);
    return item->second.record;
  }

  T* Find(std::string_view id) {
    const IndexEntry* entry = IndexFind(id);
    return entry == nullptr ? nullptr : &entry->item->second.record;
  }
  const T* Find(std::string_view id) const { return const_cast<RecordStore*>(this)->Find(id); }

  // The creation sequence number of record `id`, or nullopt. With FindBySeq,
  // a reference to a record that costs 8 bytes instead of a copy of its id.
  std::optional<Seq> SeqOf(std::string_view id) const {
    const IndexEntry* entry = IndexFind(id);
    if (entry == nullptr) return std::nullopt;
    return entry->item->first;
  }
  // The record created as `seq`, or null when it was evicted or cleared.
  T* FindBySeq(Seq seq) {
    auto it = records_.find(seq);
    return it == records_.end() ? nullptr : &it->second.record;
  }

  // Makes the record evictable by Trim. A second call for the same record,
  // or a call for an unknown id, does nothing.
  void MarkFinished(std::string_view id) {
    const IndexEntry* entry = IndexFind(id);
    if (entry == nullptr || entry->item->second.finished) return;
    entry->item->second.finished = true;
    finished_.push_back(entry->item);
  }

  // One record as stored (public only so that Node can name it).
  struct Slot {
    explicit Slot(T&& r) : record(std::move(r)) {}
    template <typename... Args>
    explicit Slot(std::in_place_t, Args&&... args) : record(std::forward<Args>(args)...) {}
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
      const Iterator it = finished_.front();
      finished_.pop_front();
      on_evict(std::as_const(it->second.record));
      IndexErase(&*it);
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
    index_ = {};  // Not clear(): that keeps the table.
    indexed_ = 0;
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

  // The id index: open addressing with linear probing over a power-of-two
  // table, at most 3/4 full. An entry holds its record's map iterator (nodes
  // do not move, a record's id never changes, and the item holds the
  // sequence), so each id is stored once and an added record costs no index
  // allocation (a node-based map took one per record: three per fired
  // automation run). The entry keeps its id's hash: a probe compares ids only
  // when the hashes match, and erasing moves entries up without reading their
  // records (rehashing each moved id was a tenth of a fired run's time).
  using Records = std::map<Seq, Slot>;
  using Iterator = typename Records::iterator;
  using Item = typename Records::value_type;
  Iterator Insert(T&& record) {
    const Seq seq = next_seq_++;
    const Iterator item =
        records_.emplace_hint(records_.end(), std::piecewise_construct, std::forward_as_tuple(seq),
                              std::forward_as_tuple(std::move(record)));
    IndexInsert(item);
    return item;
  }

  // An entry's tag is its id's hash with the top bit set, so that no used
  // entry has tag 0 (the empty one): the iterator has no null value to test.
  // Table sizes stay far below 2^63, so the bit never reaches a slot number.
  static constexpr std::size_t kUsed = std::size_t{1} << (8 * sizeof(std::size_t) - 1);
  struct IndexEntry {
    Iterator item;        // Meaningful when tag != 0.
    std::size_t tag = 0;  // 0: empty.
  };
  static std::size_t TagOf(std::string_view id) {
    return static_cast<std::size_t>(HashBytes(id)) | kUsed;
  }
  // Where `id` (tagged `tag`) has its entry, or the empty entry where it
  // would go (the table must not be empty).
  std::size_t Probe(std::string_view id, std::size_t tag) const {
    const std::size_t mask = index_.size() - 1;
    for (std::size_t i = tag & mask;; i = (i + 1) & mask) {
      const IndexEntry& entry = index_[i];
      if (entry.tag == 0 || (entry.tag == tag && entry.item->second.record.id == id)) {
        return i;
      }
    }
  }
  const IndexEntry* IndexFind(std::string_view id) const {
    if (index_.empty()) return nullptr;
    const IndexEntry& entry = index_[Probe(id, TagOf(id))];
    return entry.tag == 0 ? nullptr : &entry;
  }
  // A second record with the same id takes the id over (as Find sees it).
  void IndexInsert(Iterator item) {
    if ((indexed_ + 1) * 4 > index_.size() * 3) Rehash(index_.empty() ? 16 : index_.size() * 2);
    const std::size_t tag = TagOf(item->second.record.id);
    IndexEntry& entry = index_[Probe(item->second.record.id, tag)];
    if (entry.tag == 0) ++indexed_;
    entry = {item, tag};
  }
  // Drops the entry of `item`'s id when it names that item.
  void IndexErase(const Item* item) {
    if (index_.empty()) return;
    const std::size_t mask = index_.size() - 1;
    std::size_t hole = TagOf(item->second.record.id) & mask;
    // The item's own entry, or a gap (its id was taken over by a later record).
    while (index_[hole].tag != 0 && &*index_[hole].item != item) hole = (hole + 1) & mask;
    if (index_[hole].tag == 0) return;
    // Backward-shift deletion: later members of the probe run move up so that
    // no lookup stops early at the freed entry.
    for (std::size_t i = (hole + 1) & mask; index_[i].tag != 0; i = (i + 1) & mask) {
      const std::size_t home = index_[i].tag & mask;
      if (((i - home) & mask) >= ((i - hole) & mask)) {
        index_[hole] = index_[i];
        hole = i;
      }
    }
    index_[hole] = IndexEntry{};
    --indexed_;
    // Give a table most records left back (after a load, with eviction).
    if (index_.size() > 64 && indexed_ * 8 < index_.size()) Rehash(index_.size() / 4);
  }
  void Rehash(std::size_t size) {
    std::vector<IndexEntry> old = std::move(index_);
    index_.assign(size, IndexEntry{});
    const std::size_t mask = size - 1;
    for (const IndexEntry& entry : old) {
      if (entry.tag == 0) continue;
      std::size_t i = entry.tag & mask;
      while (index_[i].tag != 0) i = (i + 1) & mask;
      index_[i] = entry;
    }
  }

  Records records_;
  std::vector<IndexEntry> index_;
  std::size_t indexed_ = 0;
  // In the order records finished; iterators, so that Trim does not search
  // the map (over a million waiting runs, that search was a chain of cache
  // misses per evicted record).
  std::deque<Iterator> finished_;
  Seq next_seq_ = 0;
  std::uint64_t evicted_ = 0;
};

}  // namespace mock_courier
