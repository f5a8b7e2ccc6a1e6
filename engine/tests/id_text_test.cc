// IdText (engine/src/id_text.h): a message's or run's id, inline up to 39
// bytes and on the heap beyond. Checked at the boundary, through copies,
// moves and assignments between the two forms (ASan in CI catches a leak or
// a double free), and against IdGenerator::Next.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "id_text.h"

namespace mock_courier {
namespace {

TEST(IdTextTest, HoldsShortIdsInlineAndLongerOnesOnTheHeap) {
  const std::string at_limit(IdText::kInline, 'a');
  const std::string past_limit(IdText::kInline + 1, 'b');
  EXPECT_TRUE(IdText().empty());
  EXPECT_FALSE(IdText(at_limit).on_heap());
  EXPECT_EQ(IdText(at_limit).view(), at_limit);
  EXPECT_TRUE(IdText(past_limit).on_heap());
  EXPECT_EQ(IdText(past_limit).view(), past_limit);
  EXPECT_EQ(IdText(past_limit).size(), past_limit.size());
  EXPECT_EQ(IdText("").view(), "");
}

TEST(IdTextTest, CopiesMovesAndAssignmentsKeepTheText) {
  const std::vector<std::string> texts = {"", "m-1", std::string(IdText::kInline, 'x'),
                                          std::string(100, 'y'),
                                          std::string(IdText::kInline + 1, 'z')};
  for (const std::string& from : texts) {
    for (const std::string& to : texts) {
      IdText a(from);
      IdText b(to);
      b = a;
      EXPECT_EQ(b, from);
      EXPECT_EQ(a, from);
      IdText c(to);
      c = std::move(a);
      EXPECT_EQ(c, from);
      EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty.
      IdText d(std::move(c));
      EXPECT_EQ(d, from);
      d = to;
      EXPECT_EQ(d, to);
    }
  }
}

TEST(IdTextTest, AssigningItsOwnTextKeepsIt) {
  for (const std::string& text : {std::string("short"), std::string(80, 'q')}) {
    IdText id(text);
    id = id.view();
    EXPECT_EQ(id, text);
    id = id.view().substr(1);
    EXPECT_EQ(id, text.substr(1));
    const IdText& same = id;
    id = same;
    EXPECT_EQ(id, text.substr(1));
  }
}

TEST(IdTextTest, ComparesConcatenatesAndConvertsToJson) {
  const IdText id("1-00000000-abc");
  EXPECT_TRUE(id == "1-00000000-abc");
  EXPECT_FALSE(id == "1-00000000-abd");
  EXPECT_TRUE(id == std::string("1-00000000-abc"));
  EXPECT_TRUE(id == IdText("1-00000000-abc"));
  EXPECT_EQ("run/" + id, "run/1-00000000-abc");
  EXPECT_EQ(id + "/x", "1-00000000-abc/x");
  Json json = {{"id", id}};
  EXPECT_EQ(json.dump(), R"({"id":"1-00000000-abc"})");
}

TEST(IdTextTest, NextIdTextIsWhatTheGeneratorWritesAndFitsInline) {
  IdGenerator by_text(42);
  IdGenerator in_place(42);
  for (int i = 0; i < 100; ++i) {
    const TimePoint now = 1'700'000'000'000 + i * 1'000;
    const std::string expected = by_text.Next(now);
    const IdText id = NextIdText(in_place, now);
    EXPECT_EQ(id, expected);
    EXPECT_FALSE(id.on_heap());
  }
}

}  // namespace
}  // namespace mock_courier
