// SegmentReplyStore: the /inbound/segment replies kept for replay, one per
// Segment messageId, for 24 h of mock time (Courier replays the first answer
// to a repeated messageId: https://www.courier.com/docs/reference/idempotent-requests,
// docs/fidelity.md "Dedupe"). Internal to the engine.
//
// A load test sends a distinct messageId per event, and each must be
// remembered for a day: at 10k events a second that is 36M records an hour.
// So a record is flat, with no allocation of its own:
// - the messageId is kept as an 84-bit hash of it (two ids would have to
//   collide in all 84 bits to be taken for each other: with 3.6*10^7 ids, a
//   day at 10k events a second, the chance is about 3*10^-11);
// - a reply that carries an id the mock generated at the time it was stored
//   keeps only the id's last 64 random bits: its seconds are the stored
//   time's, and its first 32 random bits follow from the last 64
//   (IdGenerator::FirstWordBefore); other text (an error message, an id the
//   generator did not write) waits in a side table, by sequence;
// - every record lives the same `lifetime` from when it was stored, so the
//   deque of records in stored order is their expiry order, and expired ones
//   are dropped from the front with no queue of their own;
// - an open-addressing index (linear probing, at most 3/4 full) of 32-bit
//   sequence numbers maps a hash to its record, with 8 more bits of the hash
//   beside each slot, so that a probe reads only its own key's record;
// - the stored time is 32 bits of milliseconds from a base that follows the
//   clock (rebased, one pass over the records, when the clock has moved
//   more than 24 days from it); a record the clock has been set more than 24
//   days away from keeps its full time in a side table.
// About 32 bytes per record (a 24-byte entry, its share of the deque's
// blocks, of the index and of its tags), against 110-140 for a node-based map keyed by the
// id string with a separate expiry queue (bench/README, "Engine v2").
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
  // Records whose text waits in the side table (not a packed id).
  std::size_t text_count() const { return texts_.size(); }
  // Records whose stored time waits in the side table (over 24 days from
  // the base; see above).
  std::size_t far_time_count() const { return far_times_.size(); }

 private:
  struct Key {
    std::uint64_t lo = 0;  // Also the index's home slot.
    std::uint64_t hi = 0;  // Only the kKeyBits are kept.
  };
  // Entry::meta: the key's top 20 bits (Key::hi >> kKeyShift) << 12 | the
  // status word (12 bits: the status in kStatusValue, 0 once replaced;
  // kHasText when the text is in texts_; kFarTime when the time is in
  // far_times_).
  static constexpr int kKeyShift = 44;
  static constexpr std::uint32_t kStatusMask = 0xfff;
  static constexpr unsigned kStatusValue = 0x3ff;
  static constexpr unsigned kFarTime = 0x400;
  static constexpr unsigned kHasText = 0x800;
  static std::uint32_t MetaOf(const Key& key, unsigned word) {
    return static_cast<std::uint32_t>(key.hi >> kKeyShift) << 12 | word;
  }
  // 24 bytes: a load test keeps one per event for a day.
  struct Entry {
    std::uint64_t key_lo;
    std::uint64_t id_low;  // The id's last 16 random digits (packed replies).
    std::uint32_t meta;
    std::int32_t time;  // Milliseconds from base_ (unless kFarTime).
    unsigned word() const { return meta & kStatusMask; }
    unsigned status() const { return word() & kStatusValue; }
    // The key's bits this entry keeps.
    Key key() const { return Key{key_lo, static_cast<std::uint64_t>(meta >> 12) << kKeyShift}; }
    bool Is(const Key& key) const { return key_lo == key.lo && meta >> 12 == key.hi >> kKeyShift; }
  };
  static_assert(sizeof(Entry) == 24);
  // Index slots hold a sequence number modulo kSeqModulus, plus one (0: free).
  static constexpr std::uint64_t kSeqModulus = 0xffffffffULL;
  static Key HashOf(std::string_view message_id);
  // 8 bits of the key beside each index slot (tags_), from bits the entry
  // keeps (Entry::key() gives them back).
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
  void IndexErase(std::size_t slot);
  void Grow();
  // When the entry at `offset` was stored, its time counted from `base`.
  TimePoint StoredAt(std::size_t offset, TimePoint base) const;
  TimePoint StoredAt(std::size_t offset) const { return StoredAt(offset, base_); }
  // Sets the stored time of the entry at `offset` (its word's kFarTime too).
  void Place(std::size_t offset, TimePoint t);
  // Moves base_ to `now`, re-expressing every stored time from it.
  void Rebase(TimePoint now);

  Duration lifetime_;
  std::deque<Entry> entries_;  // Stored order: entries_[i] has sequence front_seq_ + i.
  TimePoint base_ = 0;         // Entry::time counts from here.
  std::uint64_t front_seq_ = 0;
  std::vector<std::uint32_t> index_;
  std::vector<std::uint8_t> tags_;  // TagOf the key of index_[i]'s entry.
  std::size_t live_ = 0;            // Entries with an index slot.
  // Texts that are not packed ids, by their entry's sequence number.
  std::unordered_map<std::uint64_t, std::string> texts_;
  // Stored times more than 2^31 ms from base_, by their entry's sequence number.
  std::unordered_map<std::uint64_t, TimePoint> far_times_;
};

}  // namespace mock_courier
