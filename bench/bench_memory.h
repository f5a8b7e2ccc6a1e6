// Memory probes for the benchmarks: bytes the allocator holds for the process
// (glibc mallinfo2, every arena) and the resident set size.
#pragma once

#include <cstddef>

namespace mock_courier::bench {

// Bytes currently allocated through malloc/new (in use, not freed).
std::size_t AllocatedBytes();

// Resident set size of this process, in bytes (/proc/self/statm).
std::size_t ResidentBytes();

}  // namespace mock_courier::bench
