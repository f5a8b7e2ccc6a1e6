// MockCourier (in-process) and MockCourierProcess (the binary) driven the way
// an app's test would: the app talks HTTP, the test reads the admin views.
#include "mock_courier/testing/mock_courier.h"

#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "mock_courier/testing/matchers.h"
#include "mock_courier/testing/mock_courier_process.h"

namespace mock_courier::testing {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

const std::string kDemo = std::string(MOCK_COURIER_WORKSPACE_DIR) + "/demo.json";

// What Segment's Courier (Actions) destination sends: POST /inbound/segment
// with the workspace's API key as a Bearer token.
int PostTrack(const AdminClient& courier, const std::string& event, const std::string& user,
              const std::string& message_id) {
  httplib::Client client(courier.base_url());
  json body = {{"type", "track"},
               {"event", event},
               {"userId", user},
               {"messageId", message_id},
               {"properties", {{"item", "Shoes"}, {"cart_id", "c-1"}, {"total", 42}}}};
  auto result = client.Post("/inbound/segment", {{"Authorization", "Bearer " + courier.api_key()}},
                            body.dump(), "application/json");
  return result ? result->status : -1;
}

MockCourierOptions Demo() { return MockCourierOptions::Files({kDemo}); }

TEST(MockCourierTest, ServesOnAFreeLoopbackPortWithTheWorkspaceKeys) {
  MockCourier courier(Demo());
  EXPECT_THAT(courier.base_url(), ::testing::StartsWith("http://127.0.0.1:"));
  EXPECT_GT(courier.port(), 0);
  EXPECT_EQ(courier.api_key(), "demo-key");
  EXPECT_EQ(courier.source_write_key(), "demo-source-write-key");
  EXPECT_EQ(courier.Now().now, "2026-01-05T09:00:00.000Z");
}

TEST(MockCourierTest, CheckoutReminderArrivesTwoHoursLater) {
  MockCourier courier(Demo());
  ASSERT_EQ(PostTrack(courier, "Checkout Page Visited", "user-1", "m-1"), 202);
  EXPECT_THAT(courier.Runs(), Contains(IsRun(Template("checkout-reminder"), To("user-1"),
                                             Status(RunStatus::kWaiting))));
  EXPECT_THAT(courier.Messages(), IsEmpty());

  ClockReading after = courier.Advance("2 hours");
  EXPECT_EQ(after.fired, 1);
  EXPECT_THAT(
      courier.Messages(),
      Contains(IsMessage(To("user-1"), Template("checkout-reminder"), Channel("email"),
                         Status(kDelivered), RenderedSubject("You left Shoes in your cart"))));
  EXPECT_THAT(courier.SegmentCalls(),
              Contains(IsSegmentTrack(Event("Message Delivered"), To("user-1"),
                                      Properties({{"status", "DELIVERED"}}))));
  EXPECT_THAT(courier.Journal(),
              Contains(IsInbound(Type("track"), Event("Checkout Page Visited"))));
  EXPECT_THAT(courier.Profiles(), SizeIs(2));
}

TEST(MockCourierTest, CheckoutCompleteCancelsTheReminder) {
  MockCourier courier(Demo());
  ASSERT_EQ(PostTrack(courier, "Checkout Page Visited", "user-1", "m-1"), 202);
  courier.Advance(std::chrono::minutes(30));
  ASSERT_EQ(PostTrack(courier, "Checkout Complete", "user-1", "m-2"), 202);
  courier.Advance("2 hours");
  EXPECT_THAT(courier.Runs(), Contains(IsRun(Template("checkout-reminder"), CanceledBy("user-1"))));
  EXPECT_THAT(courier.Messages(), Not(Contains(IsMessage(Template("checkout-reminder")))));
  EXPECT_THAT(courier.Messages(), Contains(IsMessage(Template("order-invoice"))));
}

TEST(MockCourierTest, SetMovesTheClockAndRunsWhatIsDue) {
  MockCourier courier(Demo());
  ASSERT_EQ(PostTrack(courier, "Checkout Page Visited", "user-1", "m-1"), 202);
  ClockReading reading = courier.Set("2026-01-05T12:00:00Z");
  EXPECT_EQ(reading.now, "2026-01-05T12:00:00.000Z");
  EXPECT_EQ(reading.fired, 1);
  EXPECT_THAT(courier.Messages(), Contains(IsMessage(To("user-1"))));
}

TEST(MockCourierTest, ResetClearsTheWorkspaceState) {
  MockCourier courier(Demo());
  ASSERT_EQ(PostTrack(courier, "Checkout Page Visited", "user-1", "m-1"), 202);
  courier.Advance("2 hours");
  ASSERT_THAT(courier.Messages(), SizeIs(1));
  courier.Reset();
  EXPECT_THAT(courier.Messages(), IsEmpty());
  EXPECT_THAT(courier.Runs(), IsEmpty());
}

// Reset(seed) makes ids reproducible from one test to the next (ids carry
// the clock's seconds, so the clock is set back too).
TEST(MockCourierTest, ResetWithASeedRepeatsTheIds) {
  MockCourier courier(Demo());
  const std::string start = courier.Now().now;
  auto first_id = [&] {
    courier.Set(start);
    EXPECT_EQ(PostTrack(courier, "Checkout Page Visited", "user-1", "m-1"), 202);
    courier.Advance("2 hours");
    auto messages = courier.Messages();
    EXPECT_THAT(messages, SizeIs(1));
    return messages.empty() ? "" : messages[0].id;
  };
  courier.Reset(7);
  const std::string with_seven = first_id();
  courier.Reset(8);
  EXPECT_NE(first_id(), with_seven);
  courier.Reset(7);
  EXPECT_EQ(first_id(), with_seven);
}

TEST(MockCourierTest, WorkspacesFromJsonAndTheDefaultKey) {
  MockCourierOptions options = MockCourierOptions::Json(
      {{{"api_keys", {"a-key"}}},
       {{"api_keys", {"b-key"}}, {"segment", {{"source_write_keys", {"b-source"}}}}}});
  options.api_key = "b-key";
  MockCourier courier(options);
  EXPECT_EQ(courier.api_key(), "b-key");
  EXPECT_EQ(courier.source_write_key(), "b-source");
  EXPECT_THAT(courier.Messages("a-key"), IsEmpty());
}

TEST(MockCourierTest, WaitForSeesWhatAnotherThreadCaused) {
  MockCourier courier(Demo());
  std::thread app([&] { PostTrack(courier, "Checkout Page Visited", "user-2", "m-9"); });
  EXPECT_TRUE(courier.WaitFor(IsRun(To("user-2"), Status(RunStatus::kWaiting))));
  EXPECT_TRUE(courier.WaitFor(IsInbound(Event("Checkout Page Visited"))));
  app.join();
}

TEST(MockCourierTest, WaitForFailsWithWhatWasThere) {
  MockCourier courier(Demo());
  ASSERT_EQ(PostTrack(courier, "Checkout Page Visited", "user-1", "m-1"), 202);
  courier.Advance("2 hours");
  ::testing::AssertionResult result =
      courier.WaitFor(IsMessage(To("nobody")), std::chrono::milliseconds(150));
  EXPECT_FALSE(result);
  EXPECT_THAT(result.message(),
              HasSubstr("no messages entry is a message whose recipient is equal to \"nobody\" "
                        "within 150 ms; there were: { Message{to: \"user-1\""));
}

TEST(MockCourierBadInputTest, BadDurationThrowsTheServersMessage) {
  MockCourier courier(Demo());
  try {
    courier.Advance("2 fortnights");
    FAIL() << "no AdminError";
  } catch (const AdminError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_THAT(e.what(), HasSubstr("POST /_mock/clock/advance: 400"));
  }
  EXPECT_EQ(courier.Now().now, "2026-01-05T09:00:00.000Z");
}

TEST(MockCourierBadInputTest, BadWorkspaceThrowsNamingThePath) {
  try {
    MockCourier courier(MockCourierOptions::Json({{{"api_keys", {"k"}}, {"notifications", 5}}}));
    FAIL() << "no AdminError";
  } catch (const AdminError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_THAT(e.what(), HasSubstr("notifications"));
  }
}

TEST(MockCourierTest, RetentionCapsWhatTheWorkspaceKeeps) {
  MockCourierOptions options = Demo();
  options.retention = "journal=1";
  MockCourier courier(options);
  ASSERT_EQ(PostTrack(courier, "Nothing Mapped", "user-1", "m-1"), 202);
  ASSERT_EQ(PostTrack(courier, "Nothing Mapped", "user-1", "m-2"), 202);
  EXPECT_THAT(courier.Journal(), SizeIs(1));
}

TEST(MockCourierTest, SettleLeavesWorkDueLaterForAdvance) {
  MockCourierOptions options = Demo();
  options.processing_latency = "1 second";
  MockCourier courier(options);
  httplib::Client client(courier.base_url());
  json send = {{"message",
                {{"to", {{"email", "settle@example.com"}}},
                 {"content", {{"title", "Hi"}, {"body", "Hello"}}}}}};
  auto result = client.Post("/send", {{"Authorization", "Bearer " + courier.api_key()}},
                            send.dump(), "application/json");
  ASSERT_TRUE(result && result->status == 202);
  EXPECT_THAT(courier.Messages(), ElementsAre(IsMessage(Status(MessageStatus::kEnqueued))));

  ClockReading settled = courier.Settle();
  EXPECT_EQ(settled.processed, 0);
  EXPECT_EQ(settled.pending, 1);
  EXPECT_EQ(settled.now, "2026-01-05T09:00:00.000Z");
  EXPECT_THAT(courier.Messages(), ElementsAre(IsMessage(Status(MessageStatus::kEnqueued))));

  ClockReading advanced = courier.Advance("1 second");
  EXPECT_EQ(advanced.processed, 1);
  EXPECT_THAT(courier.Messages(), ElementsAre(IsMessage(Status(MessageStatus::kDelivered))));
  EXPECT_EQ(courier.Settle().pending, 0);
}

TEST(MockCourierBadInputTest, BadProcessingLatencyThrows) {
  MockCourierOptions options = Demo();
  options.processing_latency = "soon";
  try {
    MockCourier courier(options);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("MockCourier: processing_latency is not a duration: soon"));
  }
}

TEST(MockCourierBadInputTest, BadRetentionThrowsTheFlagsMessage) {
  MockCourierOptions options = Demo();
  options.retention = "emails=1";
  try {
    MockCourier courier(options);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("MockCourier: retention: unknown kind 'emails'"));
  }
}

TEST(MockCourierBadInputTest, MissingWorkspaceFileThrows) {
  EXPECT_THROW(MockCourier(MockCourierOptions::Files({"/nonexistent/ws.json"})),
               std::runtime_error);
}

MockCourierProcessOptions ProcessDemo() {
  MockCourierProcessOptions options;
  options.courier = Demo();
  options.binary = MOCK_COURIER_BINARY;
  return options;
}

TEST(MockCourierProcessTest, RunsTheBinaryAndReadsItsViews) {
  MockCourierProcess courier(ProcessDemo());
  EXPECT_GT(courier.pid(), 0);
  EXPECT_EQ(courier.api_key(), "demo-key");
  ASSERT_EQ(PostTrack(courier, "Checkout Page Visited", "user-1", "m-1"), 202);
  courier.Advance("2 hours");
  EXPECT_THAT(courier.Messages(), Contains(IsMessage(To("user-1"), Status(kDelivered))));
  EXPECT_TRUE(courier.WaitFor(IsSegmentTrack(Event("Message Delivered"))));
}

TEST(MockCourierProcessTest, PassesExtraFlagsAndTheAdminToken) {
  MockCourierProcessOptions options = ProcessDemo();
  options.extra_args = {"--admin-token", "secret"};
  MockCourierProcess courier(options);
  EXPECT_THAT(courier.Messages(), IsEmpty());
  AdminClient without_token(courier.base_url(), "demo-key");
  EXPECT_THROW(without_token.Messages(), AdminError);
}

TEST(MockCourierProcessBadInputTest, MissingBinaryThrows) {
  MockCourierProcessOptions options = ProcessDemo();
  options.binary = "/nonexistent/mock-courier";
  EXPECT_THROW(MockCourierProcess{options}, std::runtime_error);
}

}  // namespace
}  // namespace mock_courier::testing
