#include "segment_reply_store.h"

#include <cstdio>
#include <optional>
#include <utility>

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

SegmentReplyRecord::SegmentReplyRecord(int status, std::string_view reply_text,
                                       TimePoint expires_at)
    : status(status), expires_at(expires_at) {
  // "1-XXXXXXXX-YYYYYYYYZZZZZZZZZZZZZZZZ", the form IdGenerator::Next writes.
  if (status < 400 && reply_text.size() == 35 && reply_text.substr(0, 2) == "1-" &&
      reply_text[10] == '-') {
    auto seconds = LowerHex(reply_text.substr(2, 8));
    auto random = LowerHex(reply_text.substr(11, 8));
    auto low = LowerHex(reply_text.substr(19, 16));
    if (seconds && random && low) {
      id_high = *seconds << 32 | *random;
      id_low = *low;
      return;
    }
  }
  text = std::make_unique<std::string>(reply_text);
}

std::string SegmentReplyRecord::Text() const {
  if (text) return *text;
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "1-%08llx-%08llx%016llx",
                static_cast<unsigned long long>(id_high >> 32),
                static_cast<unsigned long long>(id_high & 0xffffffffULL),
                static_cast<unsigned long long>(id_low));
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
  std::size_t slot = key.lo & mask;
  while (index_[slot] != 0) {
    const Entry& entry = entries_[index_[slot] - 1 - front_seq_];
    if (entry.key == key) return slot;
    slot = (slot + 1) & mask;
  }
  return slot;
}

const SegmentReplyRecord* SegmentReplyStore::Find(std::string_view message_id,
                                                  TimePoint now) const {
  if (live_ == 0) return nullptr;
  const std::size_t slot = Probe(HashOf(message_id));
  if (index_[slot] == 0) return nullptr;
  const SegmentReplyRecord& record = entries_[index_[slot] - 1 - front_seq_].record;
  return record.expires_at > now ? &record : nullptr;
}

void SegmentReplyStore::Remember(std::string_view message_id, SegmentReplyRecord record) {
  // At most three quarters full: linear probing stays short with a mixed hash.
  if ((live_ + 1) * 4 > index_.size() * 3) Grow();
  const Key key = HashOf(message_id);
  std::size_t slot = Probe(key);
  if (index_[slot] != 0) {
    // Replaced: the old entry stays in order until swept, unindexed.
    entries_[index_[slot] - 1 - front_seq_].record.status = 0;
    IndexErase(slot);
    --live_;
    slot = Probe(key);
  }
  entries_.push_back(Entry{key, std::move(record)});
  index_[slot] = front_seq_ + entries_.size();  // Sequence + 1.
  ++live_;
}

void SegmentReplyStore::Sweep(TimePoint now) {
  while (!entries_.empty() && entries_.front().record.expires_at <= now) {
    const Entry& front = entries_.front();
    if (front.record.status != 0) {
      const std::size_t slot = Probe(front.key);
      if (index_[slot] == front_seq_ + 1) {
        IndexErase(slot);
        --live_;
      }
    }
    entries_.pop_front();
    ++front_seq_;
  }
  if (entries_.empty()) {
    // Give the index back once a load is over (it may have grown large).
    std::vector<std::uint64_t>().swap(index_);
    std::deque<Entry>().swap(entries_);
  }
}

void SegmentReplyStore::Clear() {
  std::deque<Entry>().swap(entries_);
  std::vector<std::uint64_t>().swap(index_);
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
    const std::size_t home = entries_[index_[next] - 1 - front_seq_].key.lo & mask;
    // Move `next` into the hole unless its home lies cyclically in (hole, next].
    const bool stays = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
    if (!stays) {
      index_[hole] = index_[next];
      hole = next;
    }
    next = (next + 1) & mask;
  }
  index_[hole] = 0;
}

void SegmentReplyStore::Grow() {
  std::vector<std::uint64_t> old = std::move(index_);
  index_.assign(old.empty() ? 64 : old.size() * 2, 0);
  const std::size_t mask = index_.size() - 1;
  for (std::uint64_t value : old) {
    if (value == 0) continue;
    std::size_t slot = entries_[value - 1 - front_seq_].key.lo & mask;
    while (index_[slot] != 0) slot = (slot + 1) & mask;
    index_[slot] = value;
  }
}

}  // namespace mock_courier
