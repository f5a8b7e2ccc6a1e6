#include "mock_courier/ids.h"

#include <cstdio>

namespace mock_courier {

std::uint64_t IdGenerator::NextBits() {
  // splitmix64: tiny, fast, and fully determined by the seed.
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string IdGenerator::Next(TimePoint now) {
  std::uint64_t a = NextBits();
  std::uint64_t b = NextBits();
  auto seconds = static_cast<unsigned long>((now / 1000) & 0xffffffffULL);
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "1-%08lx-%08lx%016llx", seconds,
                static_cast<unsigned long>(a & 0xffffffffULL), static_cast<unsigned long long>(b));
  return buffer;
}

}  // namespace mock_courier
