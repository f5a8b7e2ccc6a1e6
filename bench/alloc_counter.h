// Allocation counting for engine_bench: the program replaces the global
// operator new/delete with versions that count calls and bytes, so each
// benchmark can report allocations per event. Unlike a rate, these counts do
// not depend on machine load, so they compare builds exactly.
#pragma once

#include <cstdint>

namespace mock_courier::bench {

struct AllocationCount {
  std::uint64_t calls = 0;  // operator new calls so far.
  std::uint64_t bytes = 0;  // Bytes they asked for (freed or not).
};

// Totals since the program started.
AllocationCount Allocations();

}  // namespace mock_courier::bench
