#include "segment_reply_store.h"

#include <cassert>
#include <cstdio>
#include <limits>
#include <optional>

#include "mock_courier/ids.h"

namespace mock_courier {
namespace {

// Hex digits of `text` as a number, when all are lowercase hex.
std::optional<std::uint64_t> LowerHex(std::string_view text) {
  std::uint64_t value = 0;
  for (char c : text) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    value = value << 4 | static_cast<std::uint64_t>(digit);
  }
  return value;
}

}  // namespace

std::optional<PackedReplyId> PackedReplyId::Of(std::string_view text) {
  // "1-XXXXXXXX-YYYYYYYYZZZZZZZZZZZZZZZZ", the form IdGenerator::Next writes.
  if (text.size() != 35 || text.substr(0, 2) != "1-" || text[10] != '-') return std::nullopt;
  auto seconds = LowerHex(text.substr(2, 8));
  auto random = LowerHex(text.substr(11, 8));
  auto low = LowerHex(text.substr(19, 16));
  if (!seconds || !random || !low) return std::nullopt;
  return PackedReplyId{*seconds << 32 | *random, *low};
}

bool PackedReplyId::FromGenerator() const {
  return IdGenerator::FirstWordBefore(low) == static_cast<std::uint32_t>(high & 0xffffffffULL);
}

std::string PackedReplyId::Text() const {
  char buffer[40];
  std::snprintf(
      buffer, sizeof buffer, "1-%08llx-%08llx%016llx", static_cast<unsigned long long>(high >> 32),
      static_cast<unsigned long long>(high & 0xffffffffULL), static_cast<unsigned long long>(low));
  return buffer;
}

namespace {

// 64-bit FNV-1a of `text` from `basis`, then a final avalanche (splitmix64's
// finalizer) so that nearby ids spread over the index.
std::uint64_t Hash64(std::string_view text, std::uint64_t basis) {
  std::uint64_t hash = basis;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  hash ^= hash >> 30;
  hash *= 0xbf58476d1ce4e5b9ULL;
  hash ^= hash >> 27;
  hash *= 0x94d049bb133111ebULL;
  hash ^= hash >> 31;
  return hash;
}

}  // namespace

SegmentReplyStore::Key SegmentReplyStore::HashOf(std::string_view message_id) {
  // Two independent 64-bit hashes (different bases; the second also mixes
  // in the length), fixed by definition so the same ids behave alike
  // whatever standard library built the mock.
  Key key;
  key.hi = Hash64(message_id, 14695981039346656037ULL);
  key.lo = Hash64(message_id, 0x9e3779b97f4a7c15ULL ^ message_id.size());
  return key;
}

std::size_t SegmentReplyStore::Probe(const Key& key) const {
  const std::size_t mask = index_.size() - 1;
  const std::uint8_t tag = TagOf(key);
  std::size_t slot = key.lo & mask;
  while (index_[slot] != 0) {
    // The tag spares reading the entries of other keys on the way (each a
    // cache miss in a table of millions): 1 in 256 is read for nothing.
    if (tags_[slot] == tag && At(index_[slot]).Is(key)) return slot;
    slot = (slot + 1) & mask;
  }
  return slot;
}

namespace {

// Whether `t` is within Entry::time's reach of `base`.
bool Near(TimePoint t, TimePoint base) {
  TimePoint d = 0;
  return !__builtin_sub_overflow(t, base, &d) && d >= std::numeric_limits<std::int32_t>::min() &&
         d <= std::numeric_limits<std::int32_t>::max();
}

// The seconds field of an id IdGenerator::Next writes at `now`.
std::uint64_t IdSeconds(TimePoint now) {
  return static_cast<std::uint64_t>(now / 1000) & 0xffffffffULL;
}

}  // namespace

std::optional<SegmentReply> SegmentReplyStore::Find(std::string_view message_id,
                                                    TimePoint now) const {
  if (live_ == 0) return std::nullopt;
  const std::size_t slot = Probe(HashOf(message_id));
  if (index_[slot] == 0) return std::nullopt;
  const std::size_t offset = Offset(index_[slot]);
  const Entry& entry = entries_[offset];
  const TimePoint stored_at = StoredAt(offset);
  if (stored_at + lifetime_ <= now) return std::nullopt;
  SegmentReply reply;
  reply.status = static_cast<int>(entry.status());
  if (entry.word() & kHasText) {
    reply.text = texts_.at(front_seq_ + offset);
  } else {
    reply.text =
        PackedReplyId{IdSeconds(stored_at) << 32 | IdGenerator::FirstWordBefore(entry.id_low),
                      entry.id_low}
            .Text();
  }
  return reply;
}

void SegmentReplyStore::Remember(std::string_view message_id, int status, std::string_view text,
                                 TimePoint now) {
  assert(status > 0 && static_cast<unsigned>(status) <= kStatusValue);
  // At most three quarters full: linear probing stays short with a mixed hash.
  if ((live_ + 1) * 4 > index_.size() * 3) Grow();
  const Key key = HashOf(message_id);
  std::size_t slot = Probe(key);
  if (index_[slot] != 0) {
    // Replaced: the old entry stays in order until swept, unindexed.
    const std::size_t offset = Offset(index_[slot]);
    Entry& old = entries_[offset];
    if (old.word() & kHasText) texts_.erase(front_seq_ + offset);
    // Its status and text go; its time stays, for Sweep.
    old.meta &= ~static_cast<std::uint32_t>(kStatusValue | kHasText);
    IndexErase(slot);
    --live_;
    slot = Probe(key);
  }
  const std::uint64_t seq = front_seq_ + entries_.size();
  unsigned packed_status = static_cast<unsigned>(status);
  Entry entry{key.lo, 0, MetaOf(key, 0), 0};
  // A 2xx reply's id generated now packs; an error message never does, even
  // one that looks like an id.
  std::optional<PackedReplyId> id;
  if (status < 400) id = PackedReplyId::Of(text);
  if (id && id->high >> 32 == IdSeconds(now) && id->FromGenerator()) {
    entry.id_low = id->low;
  } else {
    packed_status |= kHasText;
    texts_.emplace(seq, std::string(text));
  }
  entry.meta |= packed_status;
  if (entries_.empty()) {
    base_ = now;
  } else if (!Near(now, base_)) {
    // Usually the clock has moved on: follow it. Records it has been set
    // weeks away from keep their time in the side table.
    Rebase(now);
  }
  entries_.push_back(entry);
  Place(entries_.size() - 1, now);
  index_[slot] = Slot(seq);
  tags_[slot] = TagOf(key);
  ++live_;
}

TimePoint SegmentReplyStore::StoredAt(std::size_t offset, TimePoint base) const {
  const Entry& entry = entries_[offset];
  if (entry.word() & kFarTime) return far_times_.at(front_seq_ + offset);
  return base + entry.time;
}

void SegmentReplyStore::Place(std::size_t offset, TimePoint t) {
  Entry& entry = entries_[offset];
  const std::uint32_t far_bit = kFarTime;
  if (Near(t, base_)) {
    if (entry.meta & far_bit) far_times_.erase(front_seq_ + offset);
    entry.meta &= ~far_bit;
    entry.time = static_cast<std::int32_t>(t - base_);
  } else {
    entry.meta |= far_bit;
    entry.time = 0;
    far_times_[front_seq_ + offset] = t;
  }
}

void SegmentReplyStore::Rebase(TimePoint now) {
  // One pass over the records, once per 24 days of a clock that moves on.
  const TimePoint old_base = base_;
  base_ = now;
  for (std::size_t i = 0; i < entries_.size(); ++i) Place(i, StoredAt(i, old_base));
}

void SegmentReplyStore::Sweep(TimePoint now) {
  if (entries_.empty()) return;  // Already given back (a fresh deque allocates).
  while (!entries_.empty() && StoredAt(0) + lifetime_ <= now) {
    const Entry& front = entries_.front();
    if (front.status() != 0) {
      const std::size_t slot = Probe(front.key());
      if (index_[slot] == Slot(front_seq_)) {
        IndexErase(slot);
        --live_;
      }
      if (front.word() & kHasText) texts_.erase(front_seq_);
    }
    if (front.word() & kFarTime) far_times_.erase(front_seq_);
    entries_.pop_front();
    ++front_seq_;
  }
  if (entries_.empty()) {
    // Give the index back once a load is over (it may have grown large).
    std::vector<std::uint32_t>().swap(index_);
    std::vector<std::uint8_t>().swap(tags_);
    std::deque<Entry>().swap(entries_);
    std::unordered_map<std::uint64_t, std::string>().swap(texts_);
    std::unordered_map<std::uint64_t, TimePoint>().swap(far_times_);
  }
}

void SegmentReplyStore::Clear() {
  std::deque<Entry>().swap(entries_);
  std::vector<std::uint32_t>().swap(index_);
  std::vector<std::uint8_t>().swap(tags_);
  std::unordered_map<std::uint64_t, std::string>().swap(texts_);
  std::unordered_map<std::uint64_t, TimePoint>().swap(far_times_);
  front_seq_ = 0;
  live_ = 0;
}

void SegmentReplyStore::IndexErase(std::size_t slot) {
  // Backward-shift deletion: later members of the probe run move up so that
  // no lookup stops early at the freed slot.
  const std::size_t mask = index_.size() - 1;
  std::size_t hole = slot;
  std::size_t next = (hole + 1) & mask;
  while (index_[next] != 0) {
    const std::size_t home = At(index_[next]).key_lo & mask;
    // Move `next` into the hole unless its home lies cyclically in (hole, next].
    const bool stays = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
    if (!stays) {
      index_[hole] = index_[next];
      tags_[hole] = tags_[next];
      hole = next;
    }
    next = (next + 1) & mask;
  }
  index_[hole] = 0;
}

void SegmentReplyStore::Grow() {
  std::vector<std::uint32_t> old = std::move(index_);
  std::vector<std::uint8_t> old_tags = std::move(tags_);
  index_.assign(old.empty() ? 64 : old.size() * 2, 0);
  tags_.assign(index_.size(), 0);
  const std::size_t mask = index_.size() - 1;
  for (std::size_t i = 0; i < old.size(); ++i) {
    if (old[i] == 0) continue;
    std::size_t slot = At(old[i]).key_lo & mask;
    while (index_[slot] != 0) slot = (slot + 1) & mask;
    index_[slot] = old[i];
    tags_[slot] = old_tags[i];
  }
}

}  // namespace mock_courier
