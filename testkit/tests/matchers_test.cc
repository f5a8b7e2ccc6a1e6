// The matchers' behaviour and the exact text they print: descriptions,
// explanations and whole EXPECT_THAT failures (docs/cpp-testing.md quotes them).
#include "mock_courier/testing/matchers.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

namespace mock_courier::testing {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::DescribeMatcher;
using ::testing::HasSubstr;
using ::testing::Not;

// Entries shaped like GET /_mock/messages, /_mock/runs, /_mock/segment/outbox.
Message Reminder(const std::string& to, const std::string& status) {
  return Message::FromJson(json{
      {"id", "m-" + to},
      {"recipient", to},
      {"notification", "checkout-reminder"},
      {"event", "checkout-reminder"},
      {"channel", "email"},
      {"status", status},
      {"rendered",
       {{"email",
         {{"subject", "You left Shoes in your cart"}, {"body", "Your cart c-1 is waiting"}}}}}});
}

AutomationRun CheckoutRun(const std::string& status, const std::string& token) {
  return AutomationRun::FromJson(json{{"id", "r-1"},
                                      {"template", "checkout-reminder"},
                                      {"status", status},
                                      {"cancelation_token", token},
                                      {"context", {{"recipient", "user-1"}}}});
}

SegmentCall Track(const std::string& event, json properties) {
  return SegmentCall::FromJson(json{
      {"id", "o-1"},
      {"state", "delivered"},
      {"attempts", 1},
      {"event",
       {{"type", "track"}, {"event", event}, {"userId", "user-1"}, {"properties", properties}}}});
}

template <typename T>
std::string Explain(const ::testing::Matcher<const T&>& matcher, const T& value) {
  ::testing::StringMatchResultListener listener;
  matcher.MatchAndExplain(value, &listener);
  return listener.str();
}

TEST(RecordsTest, MessageFieldsComeFromTheAdminView) {
  Message m = Reminder("user-1", "DELIVERED");
  EXPECT_EQ(m.recipient, "user-1");
  EXPECT_EQ(m.notification, "checkout-reminder");
  EXPECT_EQ(m.status, kDelivered);
  EXPECT_EQ(m.rendered_subject, "You left Shoes in your cart");
  EXPECT_EQ(m.raw["id"], "m-user-1");
}

TEST(RecordsTest, UnknownStatusKeepsItsText) {
  Message m = Reminder("user-1", "TELEPORTED");
  EXPECT_EQ(m.status, MessageStatus::kUnknown);
  EXPECT_EQ(::testing::PrintToString(m),
            "Message{to: \"user-1\", template: \"checkout-reminder\", channel: \"email\", "
            "status: TELEPORTED, subject: \"You left Shoes in your cart\", id: \"m-user-1\"}");
}

TEST(RecordsTest, MissingFieldsStayEmpty) {
  AutomationRun r = AutomationRun::FromJson(json{{"id", 7}});
  EXPECT_EQ(r.id, "");
  EXPECT_EQ(r.status, RunStatus::kUnknown);
  SegmentCall c = SegmentCall::FromJson(json::array());
  EXPECT_EQ(c.event, "");
  EXPECT_EQ(c.attempts, 0);
}

TEST(MessageMatcherTest, MatchesEveryPart) {
  EXPECT_THAT(
      Reminder("user-1", "DELIVERED"),
      IsMessage(To("user-1"), Template("checkout-reminder"), Channel("email"), Status(kDelivered),
                RenderedSubject(HasSubstr("Shoes")), RenderedBody(HasSubstr("c-1"))));
}

TEST(MessageMatcherTest, AnyFailingPartFailsTheMatch) {
  Message m = Reminder("user-1", "DELIVERED");
  EXPECT_THAT(m, Not(IsMessage(To("user-2"))));
  EXPECT_THAT(m, Not(IsMessage(To("user-1"), Status(kSent))));
  EXPECT_THAT(m, Not(IsMessage(Channel("sms"))));
  EXPECT_THAT(m, Not(IsMessage(RenderedSubject("Hi"))));
}

TEST(MessageMatcherTest, DescribesEveryPart) {
  EXPECT_EQ(DescribeMatcher<const Message&>(IsMessage(To("user-1"), Status(kDelivered))),
            "is a message whose recipient is equal to \"user-1\" and status is equal to "
            "DELIVERED");
  EXPECT_EQ(DescribeMatcher<const Message&>(IsMessage(To("user-1")), /*negation=*/true),
            "is not a message whose recipient is equal to \"user-1\"");
  EXPECT_EQ(DescribeMatcher<const Message&>(IsMessage(RenderedSubject(HasSubstr("cart")))),
            "is a message whose rendered subject has substring \"cart\"");
}

TEST(MessageMatcherTest, ExplainsEveryFailingPartWithTheActualValue) {
  EXPECT_EQ(Explain(IsMessage(To("user-1"), Template("checkout-reminder"), Status(kDelivered)),
                    Reminder("user-2", "SENT")),
            "whose recipient is \"user-2\", status is SENT");
}

// A helper: EXPECT_NONFATAL_FAILURE cannot see local variables.
std::vector<Message> SentMessages() { return {Reminder("user-2", "SENT")}; }

TEST(MessageMatcherTest, ContainsFailurePrintsWhatWasThere) {
  EXPECT_NONFATAL_FAILURE(
      EXPECT_THAT(SentMessages(), Contains(IsMessage(To("user-1"), Status(kDelivered)))),
      "Expected: contains at least one element that is a message whose recipient is equal to "
      "\"user-1\" and status is equal to DELIVERED\n"
      "  Actual: { Message{to: \"user-2\", template: \"checkout-reminder\", channel: \"email\", "
      "status: SENT, subject: \"You left Shoes in your cart\", id: \"m-user-2\"} }");
}

TEST(MessageMatcherTest, SingleMessageFailurePrintsTheExplanation) {
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(SentMessages()[0], IsMessage(Status(kDelivered))),
                          "whose status is SENT");
}

TEST(RunMatcherTest, MatchesStatusTemplateAndRecipient) {
  EXPECT_THAT(CheckoutRun("WAITING", "user-1"),
              IsRun(Template("checkout-reminder"), To("user-1"), Status(RunStatus::kWaiting)));
  EXPECT_THAT(CheckoutRun("WAITING", "user-1"), Not(IsRun(Status(RunStatus::kProcessed))));
}

TEST(RunMatcherTest, CanceledByNeedsTheStatusAndTheToken) {
  EXPECT_THAT(CheckoutRun("CANCELED", "user-1"), IsRun(CanceledBy("user-1")));
  EXPECT_THAT(CheckoutRun("CANCELED", "user-2"), Not(IsRun(CanceledBy("user-1"))));
  EXPECT_THAT(CheckoutRun("PROCESSED", "user-1"), Not(IsRun(CanceledBy("user-1"))));
}

TEST(RunMatcherTest, CanceledByTexts) {
  EXPECT_EQ(DescribeMatcher<const AutomationRun&>(IsRun(CanceledBy("user-1"))),
            "is a run whose status is CANCELED and cancelation token is \"user-1\"");
  EXPECT_EQ(Explain(IsRun(CanceledBy("user-1")), CheckoutRun("PROCESSED", "user-1")),
            "whose status is PROCESSED and cancelation token is \"user-1\"");
  EXPECT_EQ(Explain(IsRun(Status(RunStatus::kCanceled)), CheckoutRun("WAITING", "user-1")),
            "whose status is WAITING");
}

TEST(SegmentTrackMatcherTest, MatchesEventAndPropertySubset) {
  SegmentCall call = Track(
      "Message Delivered",
      {{"recipientId", "user-1"}, {"status", "DELIVERED"}, {"providers", {{"a", 1}, {"b", 2}}}});
  EXPECT_THAT(call, IsSegmentTrack(Event("Message Delivered"), To("user-1"),
                                   Properties({{"status", "DELIVERED"}})));
  EXPECT_THAT(call, IsSegmentTrack(Properties({{"providers", {{"b", 2}}}})));
  EXPECT_THAT(call, Not(IsSegmentTrack(Event("Message Sent"))));
  EXPECT_THAT(call, Not(IsSegmentTrack(Properties({{"status", "SENT"}}))));
  EXPECT_THAT(call, Not(IsSegmentTrack(Properties({{"missing", 1}}))));
}

TEST(SegmentTrackMatcherTest, AnIdentifyIsNotATrack) {
  SegmentCall identify =
      SegmentCall::FromJson(json{{"event", {{"type", "identify"}, {"userId", "user-1"}}}});
  EXPECT_THAT(identify, Not(IsSegmentTrack()));
}

TEST(SegmentTrackMatcherTest, Texts) {
  auto matcher = IsSegmentTrack(Event("Message Sent"), Properties({{"status", "SENT"}}));
  EXPECT_EQ(DescribeMatcher<const SegmentCall&>(matcher),
            "is a Segment track call whose type is equal to \"track\" and event is equal to "
            "\"Message Sent\" and properties contain {\"status\":\"SENT\"}");
  EXPECT_EQ(Explain(matcher, Track("Message Delivered", {{"status", "DELIVERED"}})),
            "whose event is \"Message Delivered\", properties are {\"status\":\"DELIVERED\"}");
}

TEST(InboundMatcherTest, MatchesTypeAndEvent) {
  JournalEntry entry = JournalEntry::FromJson(
      json{{"type", "track"}, {"event", "Checkout Complete"}, {"status", 202}});
  EXPECT_THAT(entry, IsInbound(Type("track"), Event("Checkout Complete")));
  EXPECT_EQ(Explain(IsInbound(Event("Checkout Page Visited")), entry),
            "whose event is \"Checkout Complete\"");
}

TEST(MatcherCompositionTest, PlainGoogleMockMatchersMixIn) {
  auto matcher = IsMessage(To("user-1"), ::testing::Field("id", &Message::id, "m-user-1"));
  EXPECT_THAT(Reminder("user-1", "SENT"), matcher);
  EXPECT_EQ(Explain(matcher, Reminder("user-2", "SENT")),
            "whose recipient is \"user-2\", whose field `id` is \"m-user-2\"");
}

}  // namespace
}  // namespace mock_courier::testing
