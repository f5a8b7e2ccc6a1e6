// SegmentReplyStore: the /inbound/segment replies kept for replay, one per
// Segment messageId, for 24 h of mock time (Courier replays the first answer
// to a repeated messageId: https://www.courier.com/docs/reference/idempotent-requests,
// docs/fidelity.md "Dedupe"). Internal to the engine.
//
// A load test sends a distinct messageId per event, and each must be
// remembered for a day: at 10k events a second that is 36M records an hour.
// So a record is flat, 16 bytes, with no allocation of its own:
// - the messageId is kept as a 72-bit hash of it: 64 bits in the record and
//   8 beside its index slot (two ids would have to collide in all 72 bits to
//   be taken for each other: with 3.6*10^7 ids, a day at 10k events a
//   second, the chance is about 10^-7);
// - a 202 reply whose id the mock generated at the time it was stored keeps
//   only how many generator calls after a base id its id's last 64 random
//   bits were written, in 32 bits (IdGenerator::StepsBetween): its seconds
//   are the stored time's, its first 32 random bits follow from the last 64
//   (IdGenerator::FirstWordBefore), and those from the base and the distance
//   (IdGenerator::OutputAfter). The base follows the oldest record when the
//   distance outgrows 32 bits. Any other reply (another status, an error
//   message, an id the generator did not write, or one too far from the
//   base: more than 4*10^9 generator calls within a day) waits in a side
//   table, by sequence;
// - every record lives the same `lifetime` from when it was stored, so the
//   deque of records in stored order is their expiry order, and expired ones
//   are dropped from the front with no queue of their own;
// - an open-addressing index (linear probing, at most 3/4 full) of 32-bit
//   sequence numbers maps a hash to its record, with the hash's 8 other bits
//   beside each slot, so that a probe reads only its own key's record;
// - the stored time is 28 bits of milliseconds (37 hours either way) from a
//   base that follows the clock (rebased, one pass over the records, when
//   the clock has moved further from it); a record the clock has been set
//   further away from keeps its full time in a side table.
// About 24 bytes per record (a 16-byte entry, its share of the deque's
// blocks, and 7 to 13 bytes of index and tags, as full as the index is),
// against 110-140 for a node-based map keyed by the id string with a separate
// expiry queue (bench/README, "Engine v2").
//
// Not thread-safe: the owning workspace's lock guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mock_courier/clock.h"

namespace mock_courier {

// A stored /inbound/segment reply, replayed for a repeated messageId until it
// expires (idempotency records live 24 h): the status, and the Courier id
// (2xx) or the error message (4xx, 5xx) the reply carried.
struct SegmentReply {
  int status = 202;
  std::string text;
};

// A reply's text in the packed form: an id the mock generates ("1-" + 8 +
// "-" + 24 lowercase hex digits, IdGenerator::Next) is two 64-bit words.
struct PackedReplyId {
  std::uint64_t high = 0;  // Epoch seconds << 32 | the first 8 random digits.
  std::uint64_t low = 0;   // The last 16 random digits.

  // The packed form of `text`, when it is such an id.
  static std::optional<PackedReplyId> Of(std::string_view text);
  // Whether the first random digits are the ones IdGenerator::Next writes
  // before the last 16 (so that `low` alone stands for both).
  bool FromGenerator() const;
  std::string Text() const;
};

class SegmentReplyStore {
 public:
  // Records live `lifetime` from when they are stored; numbered from
  // `first_seq` (tests start near the index's 32-bit wrap to cross it).
  explicit SegmentReplyStore(Duration lifetime = kDay, std::uint64_t first_seq = 0)
      : lifetime_(lifetime), front_seq_(first_seq) {}

  // The reply stored for `message_id` that has not expired by `now`.
  std::optional<SegmentReply> Find(std::string_view message_id, TimePoint now) const;
  // Asks for the index slot Find and Remember of `message_id` look at first
  // (prefetch.h): one miss each in its two arrays, in a store of a day of
  // events.
  void Prefetch(std::string_view message_id) const;
  // Stores `status` and `text` for `message_id` at `now`, replacing any
  // earlier record; it expires at now + lifetime.
  void Remember(std::string_view message_id, int status, std::string_view text, TimePoint now);
  // Drops the records expired by `now`, oldest first. A record stored while
  // the clock stood earlier than an older one's time stays until the older
  // one goes, but Find never answers with it once it has expired.
  void Sweep(TimePoint now);
  void Clear();  // Forgets every record; numbering starts again at 0.
  // Records held (expired ones not yet swept included).
  std::size_t size() const { return live_; }
  // Records whose reply waits in the side table (not a packed id).
  std::size_t text_count() const { return replies_.size(); }
  // Records whose stored time waits in the side table (over 37 hours from
  // the base; see above).
  std::size_t far_time_count() const { return far_times_.size(); }

 private:
  struct Key {
    std::uint64_t lo = 0;  // Kept in the entry; also the index's home slot.
    std::uint64_t hi = 0;  // Only TagOf's bits are kept, beside the slot.
  };
  // Entry::time_flags: the stored time (milliseconds from base_, signed, in
  // the top kTimeBits) << kFlagBits | the flags.
  static constexpr int kFlagBits = 4;
  static constexpr int kTimeBits = 32 - kFlagBits;
  static constexpr std::uint32_t kReplaced = 1;  // Unindexed; kept only for Sweep.
  static constexpr std::uint32_t kInTable = 2;   // Status and text are in replies_.
  static constexpr std::uint32_t kFarTime = 4;   // The time is in far_times_.
  // 16 bytes: a load test keeps one per event for a day.
  struct Entry {
    std::uint64_t key_lo;
    std::uint32_t id_steps;  // Generator calls from id_base_ to the id (packed replies).
    std::uint32_t time_flags;
    std::uint32_t flags() const { return time_flags & ((1u << kFlagBits) - 1); }
    std::int32_t time() const { return static_cast<std::int32_t>(time_flags) >> kFlagBits; }
  };
  static_assert(sizeof(Entry) == 16);
  // Index slots hold a sequence number modulo kSeqModulus, plus one (0: free).
  static constexpr std::uint64_t kSeqModulus = 0xffffffffULL;
  static Key HashOf(std::string_view message_id);
  // The key's bits beside each index slot (tags_): bits the entry does not keep.
  static std::uint8_t TagOf(const Key& key) { return static_cast<std::uint8_t>(key.hi >> 56); }
  static std::uint32_t Slot(std::uint64_t seq) {
    return static_cast<std::uint32_t>(seq % kSeqModulus + 1);
  }
  // The offset in entries_ of the entry an index slot names.
  std::size_t Offset(std::uint32_t slot_value) const {
    return static_cast<std::size_t>((slot_value - 1 + kSeqModulus - front_seq_ % kSeqModulus) %
                                    kSeqModulus);
  }
  const Entry& At(std::uint32_t slot_value) const { return entries_[Offset(slot_value)]; }
  // The index slot holding the live entry with `key`, or the first free slot
  // on `key`'s probe sequence when there is none.
  std::size_t Probe(const Key& key) const;
  // The index slot of the live entry with sequence number `seq`.
  std::size_t SlotOf(std::uint64_t seq, const Entry& entry) const;
  void IndexErase(std::size_t slot);
  void Grow();
  // When the entry at `offset` was stored, its time counted from `base`.
  TimePoint StoredAt(std::size_t offset, TimePoint base) const;
  TimePoint StoredAt(std::size_t offset) const { return StoredAt(offset, base_); }
  // Sets the stored time of the entry at `offset` (its kFarTime flag too).
  void Place(std::size_t offset, TimePoint t);
  // Moves base_ to `now`, re-expressing every stored time from it.
  void Rebase(TimePoint now);
  // Frees the records, the index and the side tables.
  void Release();
  // The distance of a generated id's last word `low` from id_base_, when it
  // fits an entry (moving the base up to the oldest packed id if that helps).
  std::optional<std::uint32_t> IdSteps(std::uint64_t low);
  // Moves id_base_ up to the oldest packed id. Returns whether it moved.
  bool RebaseIds();

  Duration lifetime_;
  std::deque<Entry> entries_;  // Stored order: entries_[i] has sequence front_seq_ + i.
  TimePoint base_ = 0;         // Entry::time counts from here.
  std::uint64_t front_seq_ = 0;
  std::vector<std::uint32_t> index_;
  std::vector<std::uint8_t> tags_;  // TagOf the key of index_[i]'s entry.
  std::size_t live_ = 0;            // Entries with an index slot.
  // The output of IdGenerator that packed ids count their steps from, once
  // there is one; no rebase is tried before front_seq_ reaches
  // id_rebase_after_ (a rebase that did not help waits for the oldest
  // quarter of the records to go).
  std::optional<std::uint64_t> id_base_;
  std::uint64_t id_rebase_after_ = 0;
  // Replies that are not packed ids, by their entry's sequence number.
  std::unordered_map<std::uint64_t, SegmentReply> replies_;
  // Stored times beyond kTimeBits from base_, by their entry's sequence number.
  std::unordered_map<std::uint64_t, TimePoint> far_times_;
};

}  // namespace mock_courier
