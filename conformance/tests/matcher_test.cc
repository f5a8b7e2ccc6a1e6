#include "mock_courier/conformance/matcher.h"

#include <gtest/gtest.h>

#include "mock_courier/reports/reports.h"

namespace mock_courier::conformance {
namespace {

Json J(const char* text) { return Json::parse(text); }

TEST(MatcherTest, ObjectMatchesWhenExpectedKeysAreASubset) {
  EXPECT_TRUE(MatchJson(J(R"({"a":1})"), J(R"({"a":1,"b":2})")).ok);
  EXPECT_FALSE(MatchJson(J(R"({"a":1,"c":3})"), J(R"({"a":1,"b":2})")).ok);
}

TEST(MatcherTest, WildcardsMatchRunsOfCharacters) {
  EXPECT_TRUE(MatchJson(J(R"({"id":"1-*"})"), J(R"({"id":"1-65f240a0-47a6"})")).ok);
  EXPECT_TRUE(WildcardMatch("*checkout*", "send checkout-reminder now"));
  EXPECT_FALSE(WildcardMatch("1-*-x", "1-abc-y"));
  EXPECT_TRUE(WildcardMatch("a*", "a"));
}

TEST(MatcherTest, AnyAndAbsentCheckPresence) {
  EXPECT_TRUE(MatchJson(J(R"({"a":"$any"})"), J(R"({"a":null})")).ok);
  EXPECT_FALSE(MatchJson(J(R"({"a":"$any"})"), J(R"({})")).ok);
  EXPECT_TRUE(MatchJson(J(R"({"email":"$absent"})"), J(R"({"name":"x"})")).ok);
  MatchResult r = MatchJson(J(R"({"email":"$absent"})"), J(R"({"email":"x@y"})"));
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.diffs[0].problem, "unexpected");
}

TEST(MatcherTest, ArraysMatchElementWiseAndContainsIgnoresOrder) {
  EXPECT_TRUE(MatchJson(J(R"([{"a":1},{"a":2}])"), J(R"([{"a":1,"x":0},{"a":2}])")).ok);
  EXPECT_FALSE(MatchJson(J(R"([{"a":1}])"), J(R"([{"a":1},{"a":2}])")).ok);
  EXPECT_TRUE(MatchJson(J(R"({"$contains":[{"a":2}]})"), J(R"([{"a":1},{"a":2}])")).ok);
  EXPECT_FALSE(MatchJson(J(R"({"$contains":[{"a":3}]})"), J(R"([{"a":1},{"a":2}])")).ok);
}

TEST(MatcherTest, NumbersCompareByValue) {
  EXPECT_TRUE(MatchJson(J("1"), J("1.0")).ok);
  EXPECT_FALSE(MatchJson(J("1"), J("\"1\"")).ok);
}

TEST(MatcherTest, DiffNamesTheFieldPathAndBothValues) {
  MatchResult r = MatchJson(J(R"({"providers":[{"status":"DELIVERED"}]})"),
                            J(R"({"providers":[{"status":"UNDELIVERABLE"}]})"));
  ASSERT_EQ(r.diffs.size(), 1u);
  EXPECT_EQ(r.diffs[0].path, "providers[0].status");
  EXPECT_EQ(reports::FormatDiffs(DiffsToJson(r.diffs)),
            "  providers[0].status: expected \"DELIVERED\", actual \"UNDELIVERABLE\"\n");
}

TEST(MatcherTest, ScoreCountsMatchedLeavesForTheClosestCandidate) {
  MatchResult r = MatchJson(J(R"({"a":1,"b":2,"c":3})"), J(R"({"a":1,"b":2,"c":4})"));
  EXPECT_EQ(r.matched, 2);
  EXPECT_EQ(r.total, 3);
}

}  // namespace
}  // namespace mock_courier::conformance
