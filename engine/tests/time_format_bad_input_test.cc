// Regression tests for what time_format_fuzz found (issue 12): a duration
// whose number is only "." made std::stod throw (an exception out of
// /_mock/clock/advance and automation delay validation), and huge amounts
// overflowed the cast to Duration.
#include <gtest/gtest.h>

#include "mock_courier/time_format.h"

namespace mock_courier {
namespace {

TEST(DurationBadInputTest, IsoDurationWithOnlyADotIsRejectedNotThrown) {
  EXPECT_EQ(ParseDuration("P."), std::nullopt);
  EXPECT_EQ(ParseDelayDuration("P.D"), std::nullopt);
  EXPECT_EQ(ParseDuration(std::string_view("p.\0\xff\x05", 5)),
            std::nullopt);  // The fuzzer's input.
  EXPECT_EQ(ParseDuration("PT1.2.3H"), std::nullopt);
}

TEST(DurationBadInputTest, DurationsOverTenThousandYearsAreRejected) {
  EXPECT_EQ(ParseDuration("P99999999999999999999D"), std::nullopt);
  EXPECT_EQ(ParseDuration("99999999999999999999 days"), std::nullopt);
  EXPECT_EQ(ParseDelayDuration("P9000Y9000Y"), std::nullopt);
  EXPECT_EQ(ParseDuration("P10000Y"), 10000 * 365 * kDay);
}

TEST(DurationBadInputTest, OrdinaryDurationsStillParse) {
  EXPECT_EQ(ParseDuration("PT2H"), 2 * kHour);
  EXPECT_EQ(ParseDuration("P.5D"), 12 * kHour);
  EXPECT_EQ(ParseDelayDuration("2 hours"), 2 * kHour);
  EXPECT_EQ(ParseDuration("1.5 days"), kDay);  // date-fns floors the amount.
}

}  // namespace
}  // namespace mock_courier
