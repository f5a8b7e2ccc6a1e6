// The checkout app's reminder flow, tested against mock-courier with the C++
// test kit: the app talks HTTP, the test moves the clock and checks what
// Courier sent and told Segment.
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "checkout_app.h"
#include "mock_courier/testing/matchers.h"
#include "mock_courier/testing/mock_courier.h"
#include "mock_courier/testing/mock_courier_process.h"

namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using namespace mock_courier::testing;

class CheckoutReminderTest : public ::testing::Test {
 protected:
  MockCourier courier_{MockCourierOptions::Files({DEMO_WORKSPACE})};
  CheckoutApp app_{courier_.base_url(), courier_.api_key()};
};

TEST_F(CheckoutReminderTest, RemindsTwoHoursAfterAnAbandonedCheckout) {
  ASSERT_EQ(app_.VisitCheckout("user-1", "Shoes", "c-1", 42), 202);
  courier_.Advance("1 hour");
  EXPECT_THAT(courier_.Messages(), IsEmpty());

  courier_.Advance("1 hour");
  EXPECT_THAT(courier_.Messages(),
              Contains(IsMessage(To("user-1"), Template("checkout-reminder"), Status(kDelivered),
                                 RenderedSubject(HasSubstr("Shoes")))));
  EXPECT_THAT(courier_.SegmentCalls(),
              Contains(IsSegmentTrack(Event("Message Delivered"), To("user-1"))));
}

TEST_F(CheckoutReminderTest, CompletingTheCheckoutCancelsTheReminder) {
  ASSERT_EQ(app_.VisitCheckout("user-1", "Shoes", "c-1", 42), 202);
  ASSERT_EQ(app_.CompleteCheckout("user-1", "c-1"), 202);
  courier_.Advance("2 hours");
  EXPECT_THAT(courier_.Runs(),
              Contains(IsRun(Template("checkout-reminder"), CanceledBy("user-1"))));
  EXPECT_THAT(courier_.Messages(), Not(Contains(IsMessage(Template("checkout-reminder")))));
}

TEST_F(CheckoutReminderTest, WaitsForAnAppThatCallsFromItsOwnThread) {
  std::thread worker([this] { app_.VisitCheckout("user-2", "Hat", "c-2", 19); });
  EXPECT_TRUE(courier_.WaitFor(IsRun(To("user-2"), Status(RunStatus::kWaiting))));
  worker.join();
}

TEST(CheckoutReminderProcessTest, SameFlowAgainstTheInstalledBinary) {
  MockCourierProcessOptions options;
  options.courier = MockCourierOptions::Files({DEMO_WORKSPACE});
  options.binary = MOCK_COURIER_BINARY;
  MockCourierProcess courier(options);
  CheckoutApp app(courier.base_url(), courier.api_key());
  ASSERT_EQ(app.VisitCheckout("user-1", "Shoes", "c-1", 42), 202);
  courier.Advance("2 hours");
  EXPECT_THAT(courier.Messages(), Contains(IsMessage(To("user-1"), Status(kDelivered))));
}

}  // namespace
