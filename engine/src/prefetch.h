// Prefetching what retention is about to free, and table entries about to be
// used. Internal to the engine.
//
// Retention evicts the oldest records, written thousands of operations
// earlier: their memory has left the cache, and freeing a record waits on a
// miss for the record and for each heap block it owns (free reads a block's
// header and writes its first bytes). A store that knows which records go
// next asks for that memory an operation or two early, in stages: first the
// record, then (once the record is cached, so its pointers can be read
// without a stall) the blocks it points at, then the blocks those point at.
// Callers that know a key before they need its table entry (an inserted
// run's id, a dedupe record's messageId) ask for the entry early the same
// way. Together these took engine_bench's automation track from 266-273k to
// 313-326k events/s (bench/README, "Engine v2, twenty-second steps").
//
// Prefetches are hints: they never fault and change no state, so a record
// that is not evicted after all (or was already cached) costs only the hint.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace mock_courier {

// Asks for the cache line holding `p`. Never faults. Not __builtin_prefetch
// alone: GCC counts a function of prefetches and reads as pure and drops
// calls to it whose result is unused, which is every call here.
inline void Prefetch(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 (%0)" : : "r"(p));
#else
  __builtin_prefetch(p);
  asm volatile("" : : "r"(p));
#endif
}

// The address `bytes` before `p`, which may lie outside p's object (malloc's
// header): computed as an integer, not by pointer arithmetic.
inline const void* Before(const void* p, std::size_t bytes) {
  return reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) - bytes);
}

// Asks for the cache lines of [p, p + bytes).
inline void PrefetchLines(const void* p, std::size_t bytes) {
  const char* first = static_cast<const char*>(p);
  for (std::size_t offset = 0; offset < bytes; offset += 64) Prefetch(first + offset);
}

// Asks for what free() touches of the heap block starting at `p`: malloc's
// size word just before it and the block's first bytes.
inline void PrefetchBlock(const void* p) {
  Prefetch(Before(p, sizeof(std::size_t)));
  Prefetch(p);
}

// The heap block of `s`, when it has one (not a short string kept inside
// the object). Reads `s`: call it once `s` itself is cached.
inline void PrefetchStringBlock(const std::string& s) {
  const auto data = reinterpret_cast<std::uintptr_t>(s.data());
  const auto self = reinterpret_cast<std::uintptr_t>(&s);
  if (data < self || data >= self + sizeof(s)) PrefetchBlock(s.data());
}

// The block std::make_shared made for `p`'s control block and object (or
// the object's own block, for a pointer not made by make_shared). Does not
// read the control block: that is what is not cached yet.
template <typename T>
void PrefetchSharedBlock(const std::shared_ptr<T>& p) {
  if (p) PrefetchLines(Before(p.get(), 2 * sizeof(void*)), 64);
}

}  // namespace mock_courier
