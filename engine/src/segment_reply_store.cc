#include "segment_reply_store.h"

#include <array>
#include <cassert>
#include <cstdio>
#include <limits>
#include <optional>

#include "mock_courier/ids.h"
#include "prefetch.h"

namespace mock_courier {
namespace {

// Each byte's value as a lowercase hex digit, or 0xff when it is none.
constexpr std::array<std::uint8_t, 256> kHexDigit = [] {
  std::array<std::uint8_t, 256> digits{};
  digits.fill(0xff);
  for (int c = '0'; c <= '9'; ++c) digits[c] = static_cast<std::uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) digits[c] = static_cast<std::uint8_t>(c - 'a' + 10);
  return digits;
}();

// Hex digits of `text` as a number, when all are lowercase hex. Without a
// branch per digit: the digits of a random id would mispredict a third of
// them (every accepted Segment event's reply id is read so).
std::optional<std::uint64_t> LowerHex(std::string_view text) {
  std::uint64_t value = 0;
  std::uint8_t seen = 0;  // Any 0xff marks a byte that was no digit.
  for (char c : text) {
    const std::uint8_t digit = kHexDigit[static_cast<unsigned char>(c)];
    seen |= digit;
    value = value << 4 | (digit & 0xfu);
  }
  if (seen & 0xf0) return std::nullopt;
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
    if (tags_[slot] == tag && At(index_[slot]).key_lo == key.lo) return slot;
    slot = (slot + 1) & mask;
  }
  return slot;
}

std::size_t SegmentReplyStore::SlotOf(std::uint64_t seq, const Entry& entry) const {
  const std::size_t mask = index_.size() - 1;
  std::size_t slot = entry.key_lo & mask;
  while (index_[slot] != Slot(seq)) slot = (slot + 1) & mask;
  return slot;
}

namespace {

constexpr TimePoint kTimeReach = TimePoint{1} << 27;  // 2^(kTimeBits - 1) ms.

// Whether `t` is within Entry::time's reach of `base`.
bool Near(TimePoint t, TimePoint base) {
  TimePoint d = 0;
  return !__builtin_sub_overflow(t, base, &d) && d >= -kTimeReach && d < kTimeReach;
}

// The seconds field of an id IdGenerator::Next writes at `now`.
std::uint64_t IdSeconds(TimePoint now) {
  return static_cast<std::uint64_t>(now / 1000) & 0xffffffffULL;
}

}  // namespace

void SegmentReplyStore::Prefetch(std::string_view message_id) const {
  if (index_.empty()) return;
  const std::size_t slot = HashOf(message_id).lo & (index_.size() - 1);
  mock_courier::Prefetch(&index_[slot]);
  mock_courier::Prefetch(&tags_[slot]);
}

std::optional<SegmentReply> SegmentReplyStore::Find(std::string_view message_id,
                                                    TimePoint now) const {
  if (live_ == 0) return std::nullopt;
  const std::size_t slot = Probe(HashOf(message_id));
  if (index_[slot] == 0) return std::nullopt;
  const std::size_t offset = Offset(index_[slot]);
  const Entry& entry = entries_[offset];
  const TimePoint stored_at = StoredAt(offset);
  if (stored_at + lifetime_ <= now) return std::nullopt;
  if (entry.flags() & kInTable) return replies_.at(front_seq_ + offset);
  const std::uint64_t low = IdGenerator::OutputAfter(*id_base_, entry.id_steps);
  SegmentReply reply;
  reply.text =
      PackedReplyId{IdSeconds(stored_at) << 32 | IdGenerator::FirstWordBefore(low), low}.Text();
  return reply;
}

bool SegmentReplyStore::RebaseIds() {
  if (front_seq_ < id_rebase_after_) return false;
  std::optional<std::uint32_t> oldest;
  for (const Entry& entry : entries_) {
    if (entry.flags() & (kReplaced | kInTable)) continue;
    if (!oldest || entry.id_steps < *oldest) oldest = entry.id_steps;
  }
  // One pass, then none until the oldest quarter of the records has gone.
  id_rebase_after_ = front_seq_ + entries_.size() / 4 + 1;
  if (!oldest) {
    id_base_.reset();  // No packed record: the next id is the base.
    return true;
  }
  if (*oldest == 0) return false;
  for (Entry& entry : entries_) {
    if (!(entry.flags() & (kReplaced | kInTable))) entry.id_steps -= *oldest;
  }
  id_base_ = IdGenerator::OutputAfter(*id_base_, *oldest);
  return true;
}

std::optional<std::uint32_t> SegmentReplyStore::IdSteps(std::uint64_t low) {
  if (!id_base_) id_base_ = low;
  std::uint64_t steps = IdGenerator::StepsBetween(*id_base_, low);
  if (steps > std::numeric_limits<std::uint32_t>::max() && RebaseIds()) {
    if (!id_base_) id_base_ = low;
    steps = IdGenerator::StepsBetween(*id_base_, low);
  }
  if (steps > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  return static_cast<std::uint32_t>(steps);
}

void SegmentReplyStore::Remember(std::string_view message_id, int status, std::string_view text,
                                 TimePoint now) {
  assert(status > 0);
  if (!entries_.empty() && !Near(now, base_)) {
    // The clock has moved on (or been set) far from the base: drop what has
    // expired before the base follows it, so that little is left far away.
    Sweep(now);
  }
  // At most three quarters full: linear probing stays short with a mixed hash.
  if ((live_ + 1) * 4 > index_.size() * 3) Grow();
  const Key key = HashOf(message_id);
  std::size_t slot = Probe(key);
  if (index_[slot] != 0) {
    // Replaced: the old entry stays in order until swept, unindexed; its
    // reply goes, its time stays, for Sweep.
    const std::size_t offset = Offset(index_[slot]);
    Entry& old = entries_[offset];
    if (old.flags() & kInTable) replies_.erase(front_seq_ + offset);
    old.time_flags = (old.time_flags & ~kInTable) | kReplaced;
    IndexErase(slot);
    --live_;
    slot = Probe(key);
  }
  const std::uint64_t seq = front_seq_ + entries_.size();
  Entry entry{key.lo, 0, 0};
  // A 202 reply's id generated now packs; an error message never does, even
  // one that looks like an id.
  std::optional<PackedReplyId> id;
  if (status == 202) id = PackedReplyId::Of(text);
  std::optional<std::uint32_t> steps;
  if (id && id->high >> 32 == IdSeconds(now) && id->FromGenerator()) steps = IdSteps(id->low);
  if (steps) {
    entry.id_steps = *steps;
  } else {
    entry.time_flags = kInTable;
    replies_.emplace(seq, SegmentReply{status, std::string(text)});
  }
  if (entries_.empty()) {
    base_ = now;
  } else if (!Near(now, base_)) {
    // Usually the clock has moved on: follow it. Records it has been set
    // days away from keep their time in the side table.
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
  if (entry.flags() & kFarTime) return far_times_.at(front_seq_ + offset);
  return base + entry.time();
}

void SegmentReplyStore::Place(std::size_t offset, TimePoint t) {
  Entry& entry = entries_[offset];
  const std::uint32_t flags = entry.flags();
  if (Near(t, base_)) {
    if (flags & kFarTime) far_times_.erase(front_seq_ + offset);
    entry.time_flags = static_cast<std::uint32_t>(t - base_) << kFlagBits | (flags & ~kFarTime);
  } else {
    entry.time_flags = flags | kFarTime;
    far_times_[front_seq_ + offset] = t;
  }
}

void SegmentReplyStore::Rebase(TimePoint now) {
  // One pass over the records, once per 37 hours of a clock that moves on.
  const TimePoint old_base = base_;
  base_ = now;
  for (std::size_t i = 0; i < entries_.size(); ++i) Place(i, StoredAt(i, old_base));
}

void SegmentReplyStore::Sweep(TimePoint now) {
  if (entries_.empty()) return;  // Already given back (a fresh deque allocates).
  while (!entries_.empty() && StoredAt(0) + lifetime_ <= now) {
    const Entry& front = entries_.front();
    if (!(front.flags() & kReplaced)) {
      IndexErase(SlotOf(front_seq_, front));
      --live_;
      if (front.flags() & kInTable) replies_.erase(front_seq_);
    }
    if (front.flags() & kFarTime) far_times_.erase(front_seq_);
    entries_.pop_front();
    ++front_seq_;
  }
  if (entries_.empty()) {
    // Give the index back once a load is over (it may have grown large).
    Release();
  }
}

void SegmentReplyStore::Release() {
  std::vector<std::uint32_t>().swap(index_);
  std::vector<std::uint8_t>().swap(tags_);
  std::deque<Entry>().swap(entries_);
  std::unordered_map<std::uint64_t, SegmentReply>().swap(replies_);
  std::unordered_map<std::uint64_t, TimePoint>().swap(far_times_);
  id_base_.reset();
  id_rebase_after_ = front_seq_;
}

void SegmentReplyStore::Clear() {
  front_seq_ = 0;
  live_ = 0;
  Release();
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
