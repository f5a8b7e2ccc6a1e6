// Decoding of bodies and Authorization headers, as Courier does it
// (https://www.courier.com/docs/reference/authorization).
#include "request_body.h"

#include <gtest/gtest.h>

namespace mock_courier::server {
namespace {

TEST(AuthorizationTest, BearerGivesEverythingAfterTheScheme) {
  EXPECT_EQ(CourierKeyFromAuthorization("Bearer pk_test_1"), "pk_test_1");
}

TEST(AuthorizationTest, BasicKeyColonDropsTheTrailingColon) {
  EXPECT_EQ(CourierKeyFromAuthorization("Basic " + Base64Encode("pk_test_1:")), "pk_test_1");
}

TEST(AuthorizationTest, BasicEmailKeyTakesThePartAfterTheFirstColon) {
  EXPECT_EQ(CourierKeyFromAuthorization("Basic " + Base64Encode("me@example.com:pk:1")), "pk:1");
}

TEST(AuthorizationTest, BasicWithoutColonLosesItsLastCharacterAsCourierDoes) {
  EXPECT_EQ(CourierKeyFromAuthorization("Basic " + Base64Encode("pk_test_1")), "pk_test_");
}

TEST(AuthorizationBadInputTest, SchemeIsCaseSensitive) {
  EXPECT_EQ(CourierKeyFromAuthorization("bearer pk"), std::nullopt);
  EXPECT_EQ(CourierKeyFromAuthorization("BASIC " + Base64Encode("pk:")), std::nullopt);
}

TEST(AuthorizationBadInputTest, EmptyOrUndecodableValuesHaveNoKey) {
  EXPECT_EQ(CourierKeyFromAuthorization("Bearer "), std::nullopt);
  EXPECT_EQ(CourierKeyFromAuthorization("Basic !!!"), std::nullopt);
  EXPECT_EQ(CourierKeyFromAuthorization("Token pk"), std::nullopt);
}

TEST(AuthorizationTest, SegmentWriteKeyFromBasicWithOrWithoutColon) {
  EXPECT_EQ(WriteKeyFromBasic("Basic YWJjMTIzOg=="), "abc123");  // The Segment docs' example.
  EXPECT_EQ(WriteKeyFromBasic("Basic " + Base64Encode("abc123")), "abc123");
  EXPECT_EQ(WriteKeyFromBasic("Bearer abc123"), std::nullopt);
}

TEST(Base64Test, RoundTripsEveryPaddingLength) {
  for (std::string text : {"", "a", "ab", "abc", "abcd", "key:"}) {
    EXPECT_EQ(Base64Decode(Base64Encode(text)), text);
  }
}

TEST(RequestBodyTest, JsonObjectAndArrayBodiesAreJson) {
  EXPECT_EQ(*ParseCourierBody(R"( {"a":1})"), nlohmann::json({{"a", 1}}));
  EXPECT_EQ(*ParseCourierBody("[1]"), nlohmann::json::array({1}));
}

TEST(RequestBodyTest, OtherBodiesAreUrlEncodedWithBracketSyntax) {
  auto body = ParseCourierBody("event=welcome&recipient=u1&profile[email]=a%40b.c&l[]=1&l[]=2");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(
      *body,
      nlohmann::json::parse(
          R"({"event":"welcome","recipient":"u1","profile":{"email":"a@b.c"},"l":["1","2"]})"));
}

TEST(RequestBodyBadInputTest, EmptyBodyIsNoBodyProvided) {
  auto body = ParseCourierBody("  \n");
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().http_status(), 400);
  EXPECT_EQ(body.status().message(), "No Body Provided");
}

TEST(RequestBodyBadInputTest, SmartQuotesGetCouriersMessage) {
  auto body = ParseCourierBody("{\xE2\x80\x9Cmessage\xE2\x80\x9D: {}}");
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().message(),
            "Body contains a key or value wrapped in a smart quote. Switch the smart quote to a "
            "straight quote.");
}

TEST(RequestBodyBadInputTest, SyntaxErrorsCarryTheParserMessage) {
  auto body = ParseCourierBody(R"({"message": })");
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().http_status(), 400);
  EXPECT_EQ(body.status().message().rfind("parse error at line 1, column 13", 0), 0u)
      << body.status().message();
}

TEST(RequestBodyTest, SmartQuotesInsideValidJsonStringsAreFine) {
  auto body = ParseCourierBody("{\"text\": \"it\xE2\x80\x99s\"}");
  ASSERT_TRUE(body.ok());
}

TEST(QueryTest, RepeatedParametersBecomeArrays) {
  EXPECT_EQ(QueryToJson({{"status", "SENT"}, {"status", "DELIVERED"}, {"recipient", "u1"}}),
            nlohmann::json::parse(R"({"status":["SENT","DELIVERED"],"recipient":"u1"})"));
  EXPECT_TRUE(QueryToJson({}).is_null());
}

}  // namespace
}  // namespace mock_courier::server
