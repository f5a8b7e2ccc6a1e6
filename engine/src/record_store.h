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
// References stay valid while records are added (a slot per record); only
// Trim and Clear drop records, so the engine trims at the end of an
// operation, never while a step or a send holds a reference.
//
// T has a `std::string id` member, which must not change once added.
//
// Not thread-safe: the owning workspace's lock guards it.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "prefetch.h"
#include "string_index.h"

namespace mock_courier {

template <typename T>
class RecordStore {
 public:
  // Creation sequence number: 0 for the first record since the last Clear.
  using Seq = std::uint64_t;

  RecordStore() = default;
  RecordStore(const RecordStore&) = delete;
  RecordStore& operator=(const RecordStore&) = delete;
  ~RecordStore() { Clear(); }

  // Adds `record` under its own `id` (the caller makes ids unique). Moved
  // once, into its slot: a message is large, and each move and moved-from
  // destructor of it was 1 % of a fired run.
  T& Add(T&& record) { return Place(new Slot(next_seq_, std::move(record)))->record; }
  // The same for a record built in its slot: `build(T&)` fills a T made
  // from `args` (and must set its id), so that a large record is not moved.
  template <typename Build, typename... Args>
  T& AddBuilt(Build&& build, Args&&... args) {
    Node slot(new Slot(next_seq_, std::in_place, std::forward<Args>(args)...));
    build(slot->record);
    return Place(slot.release())->record;
  }
  // The same for a record finished as it is added (evictable by Trim at
  // once), without MarkFinished's lookup of its id.
  T& AddFinished(T&& record) {
    Slot* slot = Place(new Slot(next_seq_, std::move(record)));
    slot->finished = true;
    finished_.push_back(slot);
    return slot->record;
  }

  // Asks for where Find(id), and adding a record with that id, look first
  // (prefetch.h).
  void PrefetchId(std::string_view id) const { index_.PrefetchKey(id); }
  T* Find(std::string_view id) {
    Slot* slot = index_.Find(id);
    return slot == nullptr ? nullptr : &slot->record;
  }
  const T* Find(std::string_view id) const { return const_cast<RecordStore*>(this)->Find(id); }

  // The creation sequence number of record `id`, or nullopt. With FindBySeq,
  // a reference to a record that costs 8 bytes instead of a copy of its id.
  std::optional<Seq> SeqOf(std::string_view id) const {
    const Slot* slot = index_.Find(id);
    if (slot == nullptr) return std::nullopt;
    return slot->seq;
  }
  // The record created as `seq`, or null when it was evicted or cleared.
  T* FindBySeq(Seq seq) {
    Slot* slot = SlotAt(seq);
    return slot == nullptr ? nullptr : &slot->record;
  }
  const T* FindBySeq(Seq seq) const { return const_cast<RecordStore*>(this)->FindBySeq(seq); }

  // For preparing a record ahead of its use (prefetch.h), in stages: its
  // entry in its sequence page; then (the entry cached) the record's slot.
  void PrefetchSeqEntry(Seq seq) const {
    const Seq page = seq >> kPageBits;
    if (page < first_page_ || page - first_page_ >= pages_.size()) return;
    if (const Page* held = pages_[static_cast<std::size_t>(page - first_page_)].get()) {
      Prefetch(&held->slots[seq & kPageMask]);
    }
  }
  void PrefetchSeqRecord(Seq seq) const {
    if (const Slot* slot = SlotAt(seq)) PrefetchLines(slot, sizeof(Slot));
  }

  // Makes the record evictable by Trim. A second call for the same record,
  // or a call for an unknown id, does nothing.
  void MarkFinished(std::string_view id) { MarkSlotFinished(index_.Find(id)); }

  // The same for the record created as `seq`.
  void MarkFinishedAt(Seq seq) { MarkSlotFinished(SlotAt(seq)); }

  // One record as stored (public only so that Node can name it).
  struct Slot {
    Slot(Seq s, T&& r) : seq(s), record(std::move(r)) {}
    template <typename... Args>
    Slot(Seq s, std::in_place_t, Args&&... args) : seq(s), record(std::forward<Args>(args)...) {}
    Seq seq;
    // The flag may sit in the record's tail padding (a run ends in one).
    [[no_unique_address]] T record;
    bool finished = false;
  };
  // An evicted record, detached from the store: destroying it frees the
  // record. Trim can hand these out so that the caller frees them after
  // releasing the workspace lock (freeing a message's tree is most of what
  // eviction costs).
  using Node = std::unique_ptr<Slot>;

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
      Node slot(finished_.front());
      finished_.pop_front();
      on_evict(std::as_const(slot->record));
      index_.Erase(slot.get());
      Unplace(*slot);
      if (graveyard != nullptr) graveyard->push_back(std::move(slot));
      ++dropped;
    }
    evicted_ += dropped;
    return dropped;
  }
  std::size_t Trim(std::size_t keep, std::vector<Node>* graveyard = nullptr) {
    return Trim(
        keep, [](const T&) {}, graveyard);
  }

  // After a Trim that dropped `dropped` records, asks for what the next
  // Trims will touch of the records they drop next, assuming each drops as
  // many (prefetch.h): one stage per operation, so that a record is freed
  // from the cache rather than from memory. The third `dropped` to go: their
  // slots. The second (slots cached since the last call): the blocks they own,
  // by `prefetch_owned(const T&, 1)`. The first (those blocks cached): what
  // those blocks point at, by `prefetch_owned(const T&, 2)`, and their index
  // entries, whose position hashes the id. Nothing when `dropped` is 0.
  template <typename PrefetchOwned>
  void PrefetchNextEvictions(std::size_t dropped, PrefetchOwned&& prefetch_owned) const {
    if (dropped == 0) return;
    const std::size_t count = finished_.size();
    for (std::size_t i = 2 * dropped; i < 3 * dropped && i < count; ++i) {
      PrefetchLines(finished_[i], sizeof(Slot));
    }
    for (std::size_t i = dropped; i < 2 * dropped && i < count; ++i) {
      const Slot* slot = finished_[i];
      const Page* page =
          pages_[static_cast<std::size_t>((slot->seq >> kPageBits) - first_page_)].get();
      Prefetch(&page->slots[slot->seq & kPageMask]);
      prefetch_owned(slot->record, 1);
    }
    for (std::size_t i = 0; i < dropped && i < count; ++i) {
      prefetch_owned(finished_[i]->record, 2);
      index_.PrefetchEntry(finished_[i]);
    }
  }

  // Drops everything, including the evicted count.
  void Clear() {
    ForEachSlot(0, [](Slot& slot) {
      delete &slot;
      return true;
    });
    pages_ = decltype(pages_)();
    first_page_ = 0;
    size_ = 0;
    index_.Clear();
    finished_ = {};
    next_seq_ = 0;
    evicted_ = 0;
  }

  std::size_t size() const { return size_; }
  std::size_t finished() const { return finished_.size(); }
  // How many records Trim dropped since the last Clear.
  std::uint64_t evicted() const { return evicted_; }
  // Pages of the sequence index held (for tests: pages emptied are freed).
  std::size_t pages_held() const {
    return static_cast<std::size_t>(std::count_if(
        pages_.begin(), pages_.end(), [](const auto& page) { return page != nullptr; }));
  }

  // `fn(seq, record)` for every record, oldest first; stops when fn returns
  // false (fn returning void visits all).
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    ForEachFrom(0, fn);
  }
  // The same, newest first.
  template <typename Fn>
  void ForEachNewestFirst(Fn&& fn) const {
    ForEachNewestFirstBefore(next_seq_, fn);
  }
  // The same, newest first, from the last record with sequence < `before`.
  template <typename Fn>
  void ForEachNewestFirstBefore(Seq before, Fn&& fn) const {
    const Seq end = std::min(before, next_seq_);
    if (pages_.empty() || end == 0 || (end - 1) >> kPageBits < first_page_) return;
    std::size_t page = static_cast<std::size_t>(((end - 1) >> kPageBits) - first_page_);
    std::size_t slot = static_cast<std::size_t>((end - 1) & kPageMask);
    if (page >= pages_.size()) {
      page = pages_.size() - 1;
      slot = kPageSize - 1;
    }
    for (;; --page, slot = kPageSize - 1) {
      if (const Page* held = pages_[page].get()) {
        for (std::size_t i = slot + 1; i-- > 0;) {
          const Slot* record = held->slots[i];
          if (record != nullptr && !Visit(fn, record->seq, std::as_const(record->record))) return;
        }
      }
      if (page == 0) return;
    }
  }
  // The sequence number the next record will get.
  Seq end_seq() const { return next_seq_; }
  // The same, oldest first, from the first record with sequence >= `from`.
  template <typename Fn>
  void ForEachFrom(Seq from, Fn&& fn) const {
    const_cast<RecordStore*>(this)->ForEachSlot(
        from, [&](const Slot& slot) { return Visit(fn, slot.seq, slot.record); });
  }
  // Mutable iteration, oldest first.
  template <typename Fn>
  void ForEachMutable(Fn&& fn) {
    ForEachSlot(0, [&](Slot& slot) { return Visit(fn, slot.seq, slot.record); });
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

  // The records, by sequence: pages of kPageSize slot pointers, page i
  // covering sequences [(first_page_ + i) * kPageSize, ...). A timer names
  // its run or message by sequence, and finding one in a tree over a
  // million waiting runs was a chain of cache misses per fired run; here it
  // is two loads. A page whose records are all gone is freed (and dropped
  // from the front), so a run waiting for days behind millions of evicted
  // records holds one page and a pointer per kPageSize sequences, not a slot
  // per record. Each record is one allocation (its Slot), as a tree node was.
  static constexpr unsigned kPageBits = 6;
  static constexpr std::size_t kPageSize = std::size_t{1} << kPageBits;
  static constexpr Seq kPageMask = kPageSize - 1;
  struct Page {
    std::array<Slot*, kPageSize> slots{};
    std::size_t live = 0;
  };

  Slot* Place(Slot* slot) {
    ++next_seq_;
    const Seq page = slot->seq >> kPageBits;
    if (pages_.empty()) first_page_ = page;
    while (first_page_ + pages_.size() <= page) pages_.emplace_back();
    std::unique_ptr<Page>& held = pages_[static_cast<std::size_t>(page - first_page_)];
    if (held == nullptr) held = std::make_unique<Page>();
    held->slots[slot->seq & kPageMask] = slot;
    ++held->live;
    ++size_;
    index_.Insert(slot);  // A second record with the same id takes the id over.
    return slot;
  }
  // Takes `slot` out of its page (the caller owns it from here).
  void Unplace(const Slot& slot) {
    const std::size_t page = static_cast<std::size_t>((slot.seq >> kPageBits) - first_page_);
    std::unique_ptr<Page>& held = pages_[page];
    held->slots[slot.seq & kPageMask] = nullptr;
    --size_;
    // A page no later record can land in is freed once empty.
    if (--held->live == 0 && ((slot.seq >> kPageBits) + 1) << kPageBits <= next_seq_) {
      held.reset();
      while (!pages_.empty() && pages_.front() == nullptr) {
        pages_.pop_front();
        ++first_page_;
      }
    }
  }
  void MarkSlotFinished(Slot* slot) {
    if (slot == nullptr || slot->finished) return;
    slot->finished = true;
    finished_.push_back(slot);
  }
  Slot* SlotAt(Seq seq) const {
    const Seq page = seq >> kPageBits;
    if (page < first_page_ || page - first_page_ >= pages_.size()) return nullptr;
    const Page* held = pages_[static_cast<std::size_t>(page - first_page_)].get();
    return held == nullptr ? nullptr : held->slots[seq & kPageMask];
  }
  // fn(Slot&) for every record with sequence >= `from`, oldest first, until
  // fn returns false. fn may delete the slot it is given (Clear).
  template <typename Fn>
  void ForEachSlot(Seq from, Fn&& fn) {
    if (pages_.empty()) return;
    std::size_t page = 0;
    std::size_t slot = 0;
    if ((from >> kPageBits) >= first_page_) {
      page = static_cast<std::size_t>((from >> kPageBits) - first_page_);
      slot = static_cast<std::size_t>(from & kPageMask);
    }
    for (; page < pages_.size(); ++page, slot = 0) {
      Page* held = pages_[page].get();
      if (held == nullptr) continue;
      for (; slot < kPageSize; ++slot) {
        if (Slot* record = held->slots[slot]; record != nullptr && !fn(*record)) return;
      }
    }
  }

  std::deque<std::unique_ptr<Page>> pages_;
  Seq first_page_ = 0;  // The page number of pages_.front().
  std::size_t size_ = 0;
  // The id index (string_index.h): slots do not move, a record's id never
  // changes, and the slot holds the sequence, so each id is stored once and
  // an added record costs no index allocation.
  struct SlotId {
    std::string_view operator()(const Slot& slot) const { return slot.record.id; }
  };
  StringIndex<Slot, SlotId> index_;
  // In the order records finished; slots, so that Trim does not search.
  std::deque<Slot*> finished_;
  Seq next_seq_ = 0;
  std::uint64_t evicted_ = 0;
};

}  // namespace mock_courier
