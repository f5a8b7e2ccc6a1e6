// SharedText (shared_text.h): one allocation for text several records hold.
#include "shared_text.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mock_courier {
namespace {

TEST(SharedTextTest, CopiesTheBytesAndSharesThemBetweenCopies) {
  const std::string text("a\0b \xc3\xa9", 6);  // An embedded NUL and UTF-8.
  SharedText first = SharedText::Copy(text);
  ASSERT_TRUE(first);
  EXPECT_EQ(first.view(), text);
  EXPECT_NE(first.view().data(), text.data());  // A copy, not a view of the source.
  SharedText second = first;
  EXPECT_EQ(second.view().data(), first.view().data());
  first = SharedText();  // The other copy keeps the bytes.
  EXPECT_FALSE(first);
  EXPECT_EQ(second.view(), text);
  EXPECT_EQ(*second, text);
}

TEST(SharedTextTest, EmptyAndMovedFromTextsViewNothing) {
  SharedText none;
  EXPECT_FALSE(none);
  EXPECT_TRUE(none.view().empty());
  SharedText empty = SharedText::Copy("");
  EXPECT_TRUE(empty);
  EXPECT_TRUE(empty.view().empty());
  SharedText text = SharedText::Copy("call");
  SharedText moved = std::move(text);
  EXPECT_FALSE(text);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract.
  EXPECT_EQ(moved.view(), "call");
  SharedText& same = moved;
  moved = same;  // Self-assignment keeps it.
  EXPECT_EQ(moved.view(), "call");
  SharedText other = SharedText::Copy("other");
  moved = std::move(other);
  EXPECT_EQ(moved.view(), "other");
}

// Holders under different locks copy and drop the same text at once (the
// outbox and the fake Segment API); the sanitizer builds check the count.
TEST(SharedTextTest, CopiesOnManyThreadsKeepTheTextUntilTheLastGoes) {
  SharedText original = SharedText::Copy(std::string(300, 'x'));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([copy = original]() {
      for (int i = 0; i < 10000; ++i) {
        SharedText again = copy;
        SharedText moved = std::move(again);
        if (moved.view().size() != 300) std::abort();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(original.view(), std::string(300, 'x'));
}

}  // namespace
}  // namespace mock_courier
