// Regression test for what accessor_fuzz found (issue 12): the expression
// parser recursed once per "(" or "!", so a long run of them in a step's
// `if` overflowed the stack of the thread serving the request.
#include <gtest/gtest.h>

#include <string>

#include "accessors.h"

namespace mock_courier {
namespace {

TEST(ExpressionBadInputTest, DeepNestingIsAnErrorNotAStackOverflow) {
  const Json scope = {{"data", {{"n", 1}}}};
  for (const std::string& deep : {std::string(100000, '(') + "1", std::string(100000, '!') + "1",
                                  std::string(100000, '-') + "1"}) {
    auto value = EvaluateExpression(deep, scope);
    ASSERT_FALSE(value.ok());
    EXPECT_EQ(value.status().http_status(), 400);
    EXPECT_NE(value.status().message().find("expression nests deeper than 100 levels"),
              std::string::npos)
        << value.status().message().substr(0, 200);
  }
}

TEST(ExpressionBadInputTest, NestingUpToTheLimitStillEvaluates) {
  const std::string expression = std::string(90, '(') + "data.n" + std::string(90, ')') + " == 1";
  auto value = EvaluateExpression(expression, {{"data", {{"n", 1}}}});
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(*value, true);
}

}  // namespace
}  // namespace mock_courier
