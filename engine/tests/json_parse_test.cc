#include "mock_courier/json_parse.h"

#include <gtest/gtest.h>

#include <string>

namespace mock_courier {
namespace {

std::string Nested(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

TEST(ParseJsonTest, ParsesAValue) {
  auto parsed = ParseJson(R"({"a":[1,2.5,"x",null,true],"b":{"c":-3}})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, nlohmann::json::parse(R"({"a":[1,2.5,"x",null,true],"b":{"c":-3}})"));
}

TEST(ParseJsonTest, NestingUpToTheLimitIsAccepted) {
  EXPECT_TRUE(ParseJson(Nested(kMaxJsonDepth)).ok());
  EXPECT_TRUE(ParseJson(Nested(3), 3).ok());
}

TEST(ParseJsonBadInputTest, NestingPastTheLimitIsRejectedWithTheLimitNamed) {
  EXPECT_EQ(ParseJson(Nested(kMaxJsonDepth + 1)).status(),
            Status::BadRequest("JSON nesting is deeper than the limit of 64 levels"));
  EXPECT_EQ(ParseJson(R"({"a":{"b":{"c":{}}}})", 3).status(),
            Status::BadRequest("JSON nesting is deeper than the limit of 3 levels"));
}

TEST(ParseJsonBadInputTest, HundredThousandLevelsAreRejectedWithoutRecursing) {
  EXPECT_EQ(ParseJson(Nested(100000)).status().message(), JsonTooDeepMessage());
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += R"({"a":)";
  EXPECT_EQ(ParseJson(objects).status().message(), JsonTooDeepMessage());
}

TEST(ParseJsonBadInputTest, NumberOutOfRangeIs400) {
  EXPECT_EQ(ParseJson(R"({"n":1e400})").status(),
            Status::BadRequest("number overflow parsing '1e400'"));
  EXPECT_EQ(ParseJson("-1e999").status().message(), "number overflow parsing '-1e999'");
}

TEST(ParseJsonBadInputTest, InvalidUtf8IsRejectedWithAUtf8Message) {
  auto bad = ParseJson("[\"a\xff\"]");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "parse error at line 1, column 4: syntax error while parsing value - invalid string: "
            "ill-formed UTF-8 byte");
  EXPECT_TRUE(IsValidUtf8(bad.status().message()));
  // A lone surrogate escape is not a character either.
  EXPECT_FALSE(ParseJson(R"(["\ud800"])").ok());
}

TEST(ParseJsonBadInputTest, TruncatedAndTrailingInputIsRejected) {
  EXPECT_EQ(ParseJson(R"({"a":)").status().http_status(), 400);
  EXPECT_EQ(ParseJson("").status().http_status(), 400);
  EXPECT_EQ(ParseJson("{} x").status().http_status(), 400);
}

TEST(IsValidUtf8Test, AcceptsUtf8AndRejectsEverythingElse) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain \xc3\xa9 \xe2\x80\x9c \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // Overlong "/".
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // Surrogate U+D800.
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // Above U+10FFFF.
  EXPECT_FALSE(IsValidUtf8("\xe2\x80"));          // Truncated.
  EXPECT_FALSE(IsValidUtf8("\x80"));              // Lone continuation byte.
}

}  // namespace
}  // namespace mock_courier
