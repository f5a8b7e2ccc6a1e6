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

// The amount and unit are read in place (no copies): the edges of that
// reading, each of which a wrong bound or a wrong parse end would change.
TEST(DurationBadInputTest, AmountsAndUnitsAtTheirEdges) {
  EXPECT_EQ(ParseDelayDuration("2. hours"), 2 * kHour);  // strtod's "2." is 2.
  EXPECT_EQ(ParseDelayDuration(".5 days"), 0);           // Floored to nothing.
  EXPECT_EQ(ParseDelayDuration("007 minutes"), 7 * kMinute);
  EXPECT_EQ(ParseDelayDuration("2 \t hours \n"), 2 * kHour);  // Spaces around the unit.
  EXPECT_EQ(ParseDelayDuration("2 Hours"), std::nullopt);     // Delays are lower-case.
  EXPECT_EQ(ParseDuration("2 HOURS"), 2 * kHour);             // The admin forms are not.
  EXPECT_EQ(ParseDuration("3 MilliSeconds"), 3);
  EXPECT_EQ(ParseDuration("1 millisecondsss"), std::nullopt);
  EXPECT_EQ(ParseDuration("1 xxxxxxxxxxxxxxxxxxxxhours"), std::nullopt);
  EXPECT_EQ(ParseDelayDuration("1.2.3 hours"), std::nullopt);
  EXPECT_EQ(ParseDelayDuration(". hours"), std::nullopt);
  EXPECT_EQ(ParseDelayDuration(" hours"), std::nullopt);
  EXPECT_EQ(ParseDelayDuration("2 hours x"), std::nullopt);
  EXPECT_EQ(ParseDelayDuration(std::string_view("2 hours\0", 8)), std::nullopt);
  // Out of a double's range: too large is refused, too small is zero.
  EXPECT_EQ(ParseDelayDuration("1" + std::string(400, '0') + " hours"), std::nullopt);
  EXPECT_EQ(ParseDelayDuration("0." + std::string(400, '0') + "1 hours"), 0);
  EXPECT_EQ(ParseDuration("P0." + std::string(400, '0') + "1D"), 0);
}

}  // namespace
}  // namespace mock_courier
