// SegmentReplyStore: the /inbound/segment replies kept for replay, one per
// Segment messageId, for 24 h of mock time (Courier replays the first answer
// to a repeated messageId: https://www.courier.com/docs/reference/idempotent-requests,
// docs/fidelity.md "Dedupe"). Internal to the engine.
//
// A load test sends a distinct messageId per event, and each must be
// remembered for a day: at 10k events a second that is 36M records an hour.
// So a record is flat, with no allocation of its own:
// - the messageId is kept as a 128-bit hash of it (two ids would have to
//   collide in both 64-bit halves to be taken for each other: with 10^8 ids
//   the chance is about 10^-23);
// - records sit in a deque in the order they were stored, which is their
//   expiry order (every record lives the same 24 h), so expired ones are
//   dropped from the front with no queue of their own;
// - an open-addressing index (linear probing, at most 3/4 full) maps a hash
//   to the record's sequence number.
// About 70 bytes per record, against 110-140 for a node-based map keyed by
// the id string with a separate expiry queue.
//
// Not thread-safe: the owning workspace's lock guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mock_courier/clock.h"

namespace mock_courier {

// A stored /inbound/segment reply, replayed for a repeated messageId until it
// expires (idempotency records live 24 h). Compact, since a load test
// keeps one per event for a day: the status, and the Courier id (2xx) or the
// error message (4xx, 5xx) the reply carried.
//
// The text is a Courier id for a 2xx reply: ids the mock generates
// ("1-" + 8 + "-" + 24 lowercase hex digits) are packed into 16 bytes, so a
// record is 40 bytes instead of needing a second allocation.
// Any other text (an error message) is held on the heap.
struct SegmentReplyRecord {
  int status = 202;
  TimePoint expires_at = 0;
  std::uint64_t id_high = 0;          // Epoch seconds << 32 | the first 8 random digits.
  std::uint64_t id_low = 0;           // The last 16 random digits.
  std::unique_ptr<std::string> text;  // Null when the id is packed.

  SegmentReplyRecord() = default;
  SegmentReplyRecord(int status, std::string_view reply_text, TimePoint expires_at);
  // The Courier id or error message the reply carried.
  std::string Text() const;
};

class SegmentReplyStore {
 public:
  // The reply stored for `message_id` that has not expired by `now`, or null.
  // The pointer is valid until the next Remember, Sweep or Clear.
  const SegmentReplyRecord* Find(std::string_view message_id, TimePoint now) const;
  // Stores `record` for `message_id`, replacing any earlier one.
  void Remember(std::string_view message_id, SegmentReplyRecord record);
  // Drops the records expired by `now`, oldest first. A record stored while
  // the clock stood earlier than an older one's time stays until the older
  // one goes, but Find never answers with it once it has expired.
  void Sweep(TimePoint now);
  void Clear();
  // Records held (expired ones not yet swept included).
  std::size_t size() const { return live_; }

 private:
  struct Key {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct Entry {
    Key key;
    SegmentReplyRecord record;  // status 0: replaced, no longer indexed.
  };
  static Key HashOf(std::string_view message_id);
  // The index slot holding `seq`, or of the first free slot on `key`'s probe
  // sequence when no slot holds a live entry with `key`.
  std::size_t Probe(const Key& key) const;
  void IndexErase(std::size_t slot);
  void Grow();

  std::deque<Entry> entries_;  // Stored order: entries_[i] has sequence front_seq_ + i.
  std::uint64_t front_seq_ = 0;
  std::vector<std::uint64_t> index_;  // Sequence + 1 per slot; 0 = free.
  std::size_t live_ = 0;              // Entries with an index slot.
};

}  // namespace mock_courier
