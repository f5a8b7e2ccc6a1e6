// InlineVector (engine/src/inline_vector.h): values in order, inside the
// object up to N and on the heap past it.
#include "inline_vector.h"

#include <gtest/gtest.h>

#include <vector>

namespace mock_courier {
namespace {

TEST(InlineVectorTest, KeepsValuesInOrderPastItsInlineCapacity) {
  for (int count : {0, 1, 3, 4, 5, 40}) {
    InlineVector<int, 4> values;
    std::vector<int> expected;
    for (int i = 0; i < count; ++i) {
      values.push_back(i * 7);
      expected.push_back(i * 7);
    }
    EXPECT_EQ(values.size(), static_cast<std::size_t>(count));
    EXPECT_EQ(values.empty(), count == 0);
    EXPECT_EQ(std::vector<int>(values.begin(), values.end()), expected) << count;
    if (count > 0) {
      EXPECT_EQ(values.front(), 0);
    }
  }
}

}  // namespace
}  // namespace mock_courier
