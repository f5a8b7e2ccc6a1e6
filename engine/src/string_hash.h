// HashBytes: the hash of the engine's own string-keyed tables (record ids,
// packed-JSON keys, names); SameBytes: their key compare. Internal to the
// engine.
//
// std::hash<std::string_view> (libstdc++'s murmur variant) took about 100
// instructions for a 35-character id, and a fired automation run hashes a
// dozen ids (its message, its outbound calls, the records eviction drops).
// This reads eight bytes at a time, multiplies and folds: about a quarter of
// that. Unseeded, as std::hash is; the keys hashed are ids the engine makes
// and the keys of JSON it was sent, and keys chosen to collide make a probe
// longer, never wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace mock_courier {

inline std::uint64_t HashBytes(std::string_view bytes) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = bytes.size() * kMul;
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    h = (h ^ word) * kMul;
    h ^= h >> 29;
  }
  if (i < bytes.size()) {
    // The tail in one word: the last eight bytes (overlapping the words
    // above) when there are that many, else the bytes themselves.
    const std::size_t n = bytes.size();
    std::uint64_t word = 0;
    if (n >= 8) {
      std::memcpy(&word, bytes.data() + n - 8, 8);
    } else if (n >= 4) {
      std::uint32_t first;
      std::uint32_t last;
      std::memcpy(&first, bytes.data(), 4);
      std::memcpy(&last, bytes.data() + n - 4, 4);
      word = (std::uint64_t{first} << 32) | last;
    } else {
      word = (std::uint64_t{static_cast<std::uint8_t>(bytes[0])} << 16) |
             (std::uint64_t{static_cast<std::uint8_t>(bytes[n / 2])} << 8) |
             static_cast<std::uint8_t>(bytes[n - 1]);
    }
    h = (h ^ word) * kMul;
    h ^= h >> 29;
  }
  return h;
}

// HashBytes for unordered containers keyed by std::string, searched by
// std::string_view as well (with std::equal_to<>) without a copy.
struct TransparentStringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return HashBytes(s); }
};

// Whether the first and last sizeof(Word) bytes of x and y (n of each,
// sizeof(Word) <= n <= 2 * sizeof(Word)) agree: all n bytes, in two
// overlapping loads from each.
template <typename Word>
bool SameEnds(const char* x, const char* y, std::size_t n) {
  Word x0, x1, y0, y1;
  std::memcpy(&x0, x, sizeof(Word));
  std::memcpy(&y0, y, sizeof(Word));
  std::memcpy(&x1, x + n - sizeof(Word), sizeof(Word));
  std::memcpy(&y1, y + n - sizeof(Word), sizeof(Word));
  return ((x0 ^ y0) | (x1 ^ y1)) == 0;
}

// Whether `a` and `b` hold the same bytes: a == b, without a call to memcmp
// for the short keys of JSON objects (up to 16 bytes). Packing an event
// compares each of its keys with the key the table guessed, and memcmp's
// call was most of that compare.
inline bool SameBytes(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (n > 16) return std::memcmp(x, y, n) == 0;
  if (n >= 8) return SameEnds<std::uint64_t>(x, y, n);
  if (n >= 4) return SameEnds<std::uint32_t>(x, y, n);
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return false;
  }
  return true;
}

}  // namespace mock_courier
