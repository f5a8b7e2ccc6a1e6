#include "mock_courier/ids.h"

#include <array>
#include <cstddef>

namespace mock_courier {
namespace {

// The two hex digits of each byte value, "000102...ff".
constexpr std::array<char, 512> kHexPairs = [] {
  constexpr char kDigits[] = "0123456789abcdef";
  std::array<char, 512> pairs{};
  for (int i = 0; i < 256; ++i) {
    pairs[2 * i] = kDigits[i >> 4];
    pairs[2 * i + 1] = kDigits[i & 0xf];
  }
  return pairs;
}();

// Writes the low `digits` (even) hex digits of `value` to `out`, most
// significant first, a byte at a time.
void PutHex(char* out, std::uint64_t value, int digits) {
  for (int i = digits - 2; i >= 0; i -= 2) {
    const std::size_t pair = 2 * (value & 0xff);
    out[i] = kHexPairs[pair];
    out[i + 1] = kHexPairs[pair + 1];
    value >>= 8;
  }
}

// splitmix64: tiny, fast, and fully determined by the seed. Each output is
// its state, advanced by kStep, put through Mix, a bijection of 64 bits.
constexpr std::uint64_t kStep = 0x9e3779b97f4a7c15ULL;

std::uint64_t Mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Mix's inverse: each xor-shift undone by repeating it, each product by the
// multiplier's inverse modulo 2^64.
std::uint64_t Unmix(std::uint64_t z) {
  z = z ^ (z >> 31) ^ (z >> 62);
  z *= 0x319642b2d24d8ec3ULL;
  z = z ^ (z >> 27) ^ (z >> 54);
  z *= 0x96de1b173f119089ULL;
  return z ^ (z >> 30) ^ (z >> 60);
}

// kStep's inverse modulo 2^64, by Newton's iteration (each round doubles the
// correct low bits; an odd number is its own inverse modulo 8).
constexpr std::uint64_t Inverse(std::uint64_t odd) {
  std::uint64_t x = odd;
  for (int i = 0; i < 5; ++i) x *= 2 - odd * x;
  return x;
}
constexpr std::uint64_t kStepInverse = Inverse(kStep);
static_assert(kStep * kStepInverse == 1);

}  // namespace

std::uint64_t IdGenerator::StepsBetween(std::uint64_t from, std::uint64_t to) {
  return (Unmix(to) - Unmix(from)) * kStepInverse;
}

std::uint64_t IdGenerator::OutputAfter(std::uint64_t from, std::uint64_t steps) {
  return Mix(Unmix(from) + steps * kStep);
}

std::uint64_t IdGenerator::NextBits() { return Mix(state_ += kStep); }

std::uint32_t IdGenerator::FirstWordBefore(std::uint64_t second_word) {
  return static_cast<std::uint32_t>(Mix(Unmix(second_word) - kStep));
}

void IdGenerator::NextInto(TimePoint now, char (&out)[kIdLength]) {
  std::uint64_t a = NextBits();
  std::uint64_t b = NextBits();
  auto seconds = static_cast<std::uint64_t>(now / 1000);
  // Written digit by digit: snprintf was a third of the cost of an id, and
  // every send makes several.
  out[0] = '1';
  out[1] = '-';
  PutHex(&out[2], seconds, 8);
  out[10] = '-';
  PutHex(&out[11], a, 8);
  PutHex(&out[19], b, 16);
}

std::string IdGenerator::Next(TimePoint now) {
  char id[kIdLength];
  NextInto(now, id);
  return std::string(id, kIdLength);
}

}  // namespace mock_courier
