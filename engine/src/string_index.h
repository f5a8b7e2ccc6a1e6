// StringIndex and StringMap: hash tables keyed by strings for the engine's
// large indexes (record ids, profiles, cancelation tokens). Internal to the
// engine; not thread-safe (the owning workspace's lock guards them).
//
// A node-based std::unordered_map finds a key through its bucket, the node
// before the bucket's first and then that node: three cache misses per lookup
// once a million waiting runs have pushed the table out of cache, which was a
// sixth of a fired run's time (the profile and the token lookups). Here the
// table is open addressing with linear probing over a power-of-two array, at
// most 3/4 full, of {node, tag} entries: one miss for the entry, one for the
// node, and keys are compared only when the tags (the key's hash) match.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "prefetch.h"
#include "string_hash.h"

namespace mock_courier {

// An index of nodes owned elsewhere, found by the key KeyOf{}(node) gives
// (a std::string_view into the node, which must not change while indexed).
// Nodes do not move; the index holds pointers.
template <typename Node, typename KeyOf>
class StringIndex {
 public:
  // An entry's tag is its key's hash with the top bit set, so that no used
  // entry has tag 0 (the empty one). Table sizes stay far below 2^63, so the
  // bit never reaches a position.
  struct Entry {
    Node* node = nullptr;  // Meaningful when tag != 0.
    std::size_t tag = 0;   // 0: empty.
  };

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  Node* Find(std::string_view key) const {
    const std::size_t at = Position(key);
    return at == npos ? nullptr : entries_[at].node;
  }
  // Where in entries() `key` is, or npos.
  std::size_t Position(std::string_view key) const {
    if (entries_.empty()) return npos;
    const std::size_t at = Probe(key, TagOf(key));
    return entries_[at].tag == 0 ? npos : at;
  }
  // Indexes `node` under its key (a node already indexed under the same key
  // is replaced). Returns where in entries() it went.
  std::size_t Insert(Node* node) {
    if ((size_ + 1) * 4 > entries_.size() * 3) Rehash(entries_.empty() ? 16 : entries_.size() * 2);
    const std::string_view key = KeyOf{}(*node);
    const std::size_t tag = TagOf(key);
    const std::size_t at = Probe(key, tag);
    if (entries_[at].tag == 0) ++size_;
    entries_[at] = {node, tag};
    return at;
  }
  // Drops the entry of `node`'s key when it names that node (another node
  // may have replaced it). Returns whether it did.
  bool Erase(const Node* node) {
    if (entries_.empty()) return false;
    const std::size_t mask = entries_.size() - 1;
    std::size_t hole = TagOf(KeyOf{}(*node)) & mask;
    while (entries_[hole].tag != 0 && entries_[hole].node != node) hole = (hole + 1) & mask;
    if (entries_[hole].tag == 0) return false;
    // Backward-shift deletion: later members of the probe run move up so that
    // no lookup stops early at the freed entry (no key is rehashed: the tag
    // says where each entry belongs).
    for (std::size_t i = (hole + 1) & mask; entries_[i].tag != 0; i = (i + 1) & mask) {
      const std::size_t home = entries_[i].tag & mask;
      if (((i - home) & mask) >= ((i - hole) & mask)) {
        entries_[hole] = entries_[i];
        hole = i;
      }
    }
    entries_[hole] = Entry{};
    --size_;
    // Give a table most keys left back (after a load, with eviction).
    if (entries_.size() > 64 && size_ * 8 < entries_.size()) Rehash(entries_.size() / 4);
    return true;
  }
  // Asks for the entry a lookup or an insert of `key` starts from
  // (prefetch.h): a caller that knows a key before it needs the entry
  // overlaps that miss with its other work.
  void PrefetchKey(std::string_view key) const {
    if (!entries_.empty()) Prefetch(&entries_[TagOf(key) & (entries_.size() - 1)]);
  }
  // Asks for the node a lookup of `key` finds first, when the entry it
  // starts from (cached: PrefetchKey before) holds `key`'s tag.
  void PrefetchNode(std::string_view key) const {
    if (entries_.empty()) return;
    const std::size_t tag = TagOf(key);
    const Entry& entry = entries_[tag & (entries_.size() - 1)];
    if (entry.tag == tag) Prefetch(entry.node);
  }
  // The same for Erase(node); reads the node's key.
  void PrefetchEntry(const Node* node) const { PrefetchKey(KeyOf{}(*node)); }
  std::size_t size() const { return size_; }
  // Forgets every node, and gives the table back.
  void Clear() {
    entries_ = {};
    size_ = 0;
  }
  // The table, for iteration: used entries have tag != 0.
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  static constexpr std::size_t kUsed = std::size_t{1} << (8 * sizeof(std::size_t) - 1);
  // HashBytes mixes a key's bytes into its high bits more than its low ones
  // ("user-1234": the digits reach the low bits only weakly), and a
  // power-of-two table takes the low bits: a final avalanche (MurmurHash3's
  // 64-bit finalizer) spreads them, or such keys cluster into long probes.
  static std::size_t TagOf(std::string_view key) {
    std::uint64_t h = HashBytes(key);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return static_cast<std::size_t>(h) | kUsed;
  }
  // Where `key` (tagged `tag`) has its entry, or the empty entry where it
  // would go (the table must not be empty).
  std::size_t Probe(std::string_view key, std::size_t tag) const {
    const std::size_t mask = entries_.size() - 1;
    for (std::size_t i = tag & mask;; i = (i + 1) & mask) {
      const Entry& entry = entries_[i];
      if (entry.tag == 0 || (entry.tag == tag && KeyOf{}(*entry.node) == key)) return i;
    }
  }
  void Rehash(std::size_t size) {
    std::vector<Entry> old = std::move(entries_);
    entries_.assign(size, Entry{});
    const std::size_t mask = size - 1;
    for (const Entry& entry : old) {
      if (entry.tag == 0) continue;
      std::size_t i = entry.tag & mask;
      while (entries_[i].tag != 0) i = (i + 1) & mask;
      entries_[i] = entry;
    }
  }

  std::vector<Entry> entries_;
  std::size_t size_ = 0;
};

// A map from strings to V on a StringIndex, with the part of
// std::unordered_map's interface the engine uses. Each pair is its own
// allocation, so references to values stay valid until their key is erased;
// iterators are invalidated by any insertion or erasure. Iteration order is
// unspecified (as an unordered_map's).
template <typename V>
class StringMap {
 public:
  using value_type = std::pair<const std::string, V>;

 private:
  struct KeyOfPair {
    std::string_view operator()(const value_type& pair) const { return pair.first; }
  };
  using Index = StringIndex<value_type, KeyOfPair>;

  template <typename Pair>
  class Iterator {
   public:
    Iterator() = default;
    Pair& operator*() const { return *(*entries_)[at_].node; }
    Pair* operator->() const { return (*entries_)[at_].node; }
    Iterator& operator++() {
      ++at_;
      SkipEmpty();
      return *this;
    }
    bool operator==(const Iterator& other) const { return at_ == other.at_; }

   private:
    friend class StringMap;
    using Entries = std::vector<typename Index::Entry>;
    Iterator(const Entries* entries, std::size_t at) : entries_(entries), at_(at) { SkipEmpty(); }
    void SkipEmpty() {
      while (at_ < entries_->size() && (*entries_)[at_].tag == 0) ++at_;
    }
    const Entries* entries_ = nullptr;
    std::size_t at_ = 0;
  };

 public:
  using iterator = Iterator<value_type>;
  using const_iterator = Iterator<const value_type>;

  StringMap() = default;
  StringMap(const StringMap&) = delete;
  StringMap& operator=(const StringMap&) = delete;
  StringMap(StringMap&& other) noexcept : index_(std::exchange(other.index_, Index())) {}
  StringMap& operator=(StringMap&& other) noexcept {
    if (this != &other) {
      clear();
      index_ = std::exchange(other.index_, Index());
    }
    return *this;
  }
  ~StringMap() { clear(); }

  iterator begin() { return {&index_.entries(), 0}; }
  iterator end() { return {&index_.entries(), index_.entries().size()}; }
  const_iterator begin() const { return {&index_.entries(), 0}; }
  const_iterator end() const { return {&index_.entries(), index_.entries().size()}; }
  std::size_t size() const { return index_.size(); }
  bool empty() const { return index_.size() == 0; }
  // Entries in the table (used or not): what it holds besides the pairs.
  std::size_t table_size() const { return index_.entries().size(); }

  // Asks for where find(key) and try_emplace(key) look first (prefetch.h).
  void PrefetchKey(std::string_view key) const { index_.PrefetchKey(key); }
  // Then the pair found there (StringIndex::PrefetchNode).
  void PrefetchPair(std::string_view key) const { index_.PrefetchNode(key); }
  iterator find(std::string_view key) { return At<iterator>(index_.Position(key)); }
  const_iterator find(std::string_view key) const {
    return At<const_iterator>(index_.Position(key));
  }
  // The value under `key`, default-constructed first when absent.
  V& operator[](std::string_view key) { return try_emplace(key).first->second; }
  // Adds {key, V(args...)} unless `key` is present; the pair and whether it was added.
  template <typename... Args>
  std::pair<iterator, bool> try_emplace(std::string_view key, Args&&... args) {
    if (const std::size_t at = index_.Position(key); at != Index::npos) {
      return {At<iterator>(at), false};
    }
    auto* pair = new value_type(std::piecewise_construct, std::forward_as_tuple(key),
                                std::forward_as_tuple(std::forward<Args>(args)...));
    return {At<iterator>(index_.Insert(pair)), true};
  }
  template <typename... Args>
  std::pair<iterator, bool> emplace(std::string_view key, Args&&... args) {
    return try_emplace(key, std::forward<Args>(args)...);
  }
  std::size_t erase(std::string_view key) {
    value_type* pair = index_.Find(key);
    if (pair == nullptr) return 0;
    index_.Erase(pair);
    delete pair;
    return 1;
  }
  void erase(iterator it) {
    value_type* pair = it.operator->();
    index_.Erase(pair);
    delete pair;
  }
  // Drops every pair, and gives the table back.
  void clear() {
    for (const auto& entry : index_.entries()) delete entry.node;  // Null in empty entries.
    index_.Clear();
  }

 private:
  // The iterator at entry `at` (end() for npos).
  template <typename It>
  It At(std::size_t at) const {
    const auto& entries = index_.entries();
    return It(&entries, at == Index::npos ? entries.size() : at);
  }

  Index index_;
};

}  // namespace mock_courier
