// RunSeqs (engine/src/workspace_state.h), the cancelation-token index's list
// of runs: one held inline, more spilled to the heap and back. Checked
// against a std::vector through random pushes, pops and removals that cross
// between the inline and spilled forms many times.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "workspace_state.h"

namespace mock_courier {
namespace {

std::vector<std::uint64_t> Contents(const RunSeqs& seqs) {
  return std::vector<std::uint64_t>(seqs.begin(), seqs.end());
}

TEST(RunSeqsTest, OneSequenceIsHeldAndDropped) {
  RunSeqs seqs;
  EXPECT_TRUE(seqs.empty());
  seqs.push_back(7);
  EXPECT_EQ(Contents(seqs), (std::vector<std::uint64_t>{7}));
  EXPECT_EQ(seqs.back(), 7u);
  seqs.pop_back();
  EXPECT_TRUE(seqs.empty());
  EXPECT_EQ(seqs.begin(), seqs.end());
}

TEST(RunSeqsTest, RandomOperationsMatchAVector) {
  std::mt19937_64 rng(20261203);
  RunSeqs seqs;
  std::vector<std::uint64_t> model;
  std::uint64_t next = 0;
  std::size_t max_size = 0;
  for (int step = 0; step < 20000; ++step) {
    const unsigned op = rng() % 100;
    if (op < 55 || model.empty()) {
      seqs.push_back(next);
      model.push_back(next);
      ++next;
    } else if (op < 80) {
      seqs.pop_back();
      model.pop_back();
    } else {
      // Removes one present sequence (as a finished run leaves), or, now and
      // then, every one in a residue class (as compaction drops finished runs).
      if (op < 95) {
        const std::uint64_t gone = model[rng() % model.size()];
        seqs.erase_if([&](std::uint64_t seq) { return seq == gone; });
        std::erase(model, gone);
      } else {
        const std::uint64_t mod = 2 + rng() % 3;
        seqs.erase_if([&](std::uint64_t seq) { return seq % mod == 0; });
        std::erase_if(model, [&](std::uint64_t seq) { return seq % mod == 0; });
      }
    }
    ASSERT_EQ(Contents(seqs), model) << "after step " << step;
    max_size = std::max(max_size, model.size());
    ASSERT_EQ(seqs.size(), model.size());
    ASSERT_EQ(seqs.empty(), model.empty());
    if (!model.empty()) {
      ASSERT_EQ(seqs.back(), model.back());
    }
  }
  EXPECT_GT(max_size, 32u);  // The walk grew the spilled array five times or more.
  // A moved list keeps its contents (CancelRunsWithToken moves it out).
  const RunSeqs moved = std::move(seqs);
  EXPECT_EQ(Contents(moved), model);
  EXPECT_TRUE(seqs.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty.
}

}  // namespace
}  // namespace mock_courier
