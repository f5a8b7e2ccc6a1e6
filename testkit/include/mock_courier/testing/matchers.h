// GoogleMock matchers over the records in records.h.
//
//   EXPECT_THAT(courier.Messages(),
//               Contains(IsMessage(To("user-1"), Template("checkout-reminder"),
//                                  Status(kDelivered))));
//   EXPECT_THAT(courier.Runs(), Contains(IsRun(CanceledBy("user-1"))));
//   EXPECT_THAT(courier.SegmentCalls(),
//               Contains(IsSegmentTrack(Event("Message Delivered"),
//                                       Properties({{"recipientId", "user-1"}}))));
//
// Field matchers (To, Template, Channel, Status, RenderedSubject, RenderedBody,
// Event, Properties, CanceledBy) work on every record that has the field and
// take a value or any string matcher (HasSubstr, StartsWith, ...). IsMessage,
// IsRun, IsSegmentTrack and IsInbound combine them (all must hold) and, on a
// mismatch, explain every part that failed with the value actually there:
//
//   Expected: contains at least one element that is a message whose recipient
//             is equal to "user-1" and status is equal to DELIVERED
//     Actual: { Message{to: "user-2", template: "checkout-reminder", ...} }
//
// The exact texts are pinned by testkit/tests/matchers_test.cc and listed in
// docs/cpp-testing.md.
#pragma once

#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "mock_courier/testing/records.h"

namespace mock_courier::testing {
namespace matchers_internal {

// Which field a matcher reads, per record. A record without the field does
// not compile with that matcher.
struct RecipientField {
  static constexpr const char* kName = "recipient";
  const std::string& operator()(const Message& m) const { return m.recipient; }
  const std::string& operator()(const AutomationRun& r) const { return r.recipient; }
  const std::string& operator()(const SegmentCall& c) const { return c.user_id; }
};
struct TemplateField {
  static constexpr const char* kName = "template";
  const std::string& operator()(const Message& m) const { return m.notification; }
  const std::string& operator()(const AutomationRun& r) const { return r.automation_template; }
};
struct ChannelField {
  static constexpr const char* kName = "channel";
  const std::string& operator()(const Message& m) const { return m.channel; }
};
struct SubjectField {
  static constexpr const char* kName = "rendered subject";
  const std::string& operator()(const Message& m) const { return m.rendered_subject; }
};
struct BodyField {
  static constexpr const char* kName = "rendered body";
  const std::string& operator()(const Message& m) const { return m.rendered_body; }
};
struct EventField {
  static constexpr const char* kName = "event";
  const std::string& operator()(const Message& m) const { return m.event; }
  const std::string& operator()(const SegmentCall& c) const { return c.event; }
  const std::string& operator()(const JournalEntry& j) const { return j.event; }
};
struct TypeField {
  static constexpr const char* kName = "type";
  const std::string& operator()(const SegmentCall& c) const { return c.type; }
  const std::string& operator()(const JournalEntry& j) const { return j.type; }
};
struct MessageStatusField {
  static constexpr const char* kName = "status";
  MessageStatus operator()(const Message& m) const { return m.status; }
};
struct RunStatusField {
  static constexpr const char* kName = "status";
  RunStatus operator()(const AutomationRun& r) const { return r.status; }
};

// "<field> <inner description>"; on a mismatch explains "<field> is <value>".
template <typename Field, typename Value>
class FieldMatcher {
 public:
  using is_gtest_matcher = void;
  explicit FieldMatcher(::testing::Matcher<const Value&> inner) : inner_(std::move(inner)) {}

  template <typename Record>
  bool MatchAndExplain(const Record& record, ::testing::MatchResultListener* listener) const {
    const Value& value = Field{}(record);
    if (inner_.Matches(value)) return true;
    *listener << Field::kName << " is " << ::testing::PrintToString(value);
    return false;
  }
  void DescribeTo(std::ostream* os) const {
    *os << Field::kName << " ";
    inner_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << Field::kName << " ";
    inner_.DescribeNegationTo(os);
  }

 private:
  ::testing::Matcher<const Value&> inner_;
};

// Properties(subset): every key of `subset` is in the call's properties with
// an equal value (objects compare recursively by subset).
class PropertiesMatcher {
 public:
  using is_gtest_matcher = void;
  explicit PropertiesMatcher(nlohmann::json subset) : subset_(std::move(subset)) {}
  bool MatchAndExplain(const SegmentCall& call, ::testing::MatchResultListener* listener) const;
  void DescribeTo(std::ostream* os) const;
  void DescribeNegationTo(std::ostream* os) const;

 private:
  nlohmann::json subset_;
};

// CanceledBy(token): the run's status is CANCELED and its cancelation token
// (as resolved when the run was created) is `token`.
class CanceledByMatcher {
 public:
  using is_gtest_matcher = void;
  explicit CanceledByMatcher(std::string token) : token_(std::move(token)) {}
  bool MatchAndExplain(const AutomationRun& run, ::testing::MatchResultListener* listener) const;
  void DescribeTo(std::ostream* os) const;
  void DescribeNegationTo(std::ostream* os) const;

 private:
  std::string token_;
};

// All `parts` hold. Describes "is <noun> whose A and B"; explains every part
// that failed, "whose A is x, B is y".
template <typename Record>
class RecordMatcher {
 public:
  using is_gtest_matcher = void;
  RecordMatcher(const char* noun, std::vector<::testing::Matcher<const Record&>> parts)
      : noun_(noun), parts_(std::move(parts)) {}

  bool MatchAndExplain(const Record& record, ::testing::MatchResultListener* listener) const {
    std::vector<std::string> failed;
    for (const auto& part : parts_) {
      ::testing::StringMatchResultListener why;
      if (part.MatchAndExplain(record, &why)) continue;
      std::string text = why.str();
      if (text.empty()) text = DescribeNegation(part);
      failed.push_back(std::move(text));
    }
    if (failed.empty()) return true;
    *listener << "whose " << Join(failed, ", ");
    return false;
  }
  void DescribeTo(std::ostream* os) const { *os << "is " << noun_ << Whose(); }
  void DescribeNegationTo(std::ostream* os) const { *os << "is not " << noun_ << Whose(); }

 private:
  static std::string DescribeNegation(const ::testing::Matcher<const Record&>& part) {
    std::ostringstream os;
    part.DescribeNegationTo(&os);
    return os.str();
  }
  static std::string Join(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
    return out;
  }
  std::string Whose() const {
    std::vector<std::string> described;
    for (const auto& part : parts_) {
      std::ostringstream os;
      part.DescribeTo(&os);
      described.push_back(os.str());
    }
    return described.empty() ? "" : " whose " + Join(described, " and ");
  }

  const char* noun_;
  std::vector<::testing::Matcher<const Record&>> parts_;
};

template <typename Record, typename... Parts>
::testing::Matcher<const Record&> Combine(const char* noun, Parts&&... parts) {
  return RecordMatcher<Record>(
      noun, {::testing::SafeMatcherCast<const Record&>(std::forward<Parts>(parts))...});
}

using StringMatcher = ::testing::Matcher<const std::string&>;

}  // namespace matchers_internal

// ---- Field matchers --------------------------------------------------------

// The recipient's user id (Message, AutomationRun; a SegmentCall's userId).
inline auto To(matchers_internal::StringMatcher user_id) {
  return matchers_internal::FieldMatcher<matchers_internal::RecipientField, std::string>(
      std::move(user_id));
}
// The notification template (Message) or automation template (AutomationRun).
inline auto Template(matchers_internal::StringMatcher id) {
  return matchers_internal::FieldMatcher<matchers_internal::TemplateField, std::string>(
      std::move(id));
}
// The channel a message was routed to ("email", "sms", ...).
inline auto Channel(matchers_internal::StringMatcher channel) {
  return matchers_internal::FieldMatcher<matchers_internal::ChannelField, std::string>(
      std::move(channel));
}
// The message's or run's status: Status(kDelivered), Status(RunStatus::kWaiting).
inline auto Status(MessageStatus status) {
  return matchers_internal::FieldMatcher<matchers_internal::MessageStatusField, MessageStatus>(
      ::testing::Eq(status));
}
inline auto Status(RunStatus status) {
  return matchers_internal::FieldMatcher<matchers_internal::RunStatusField, RunStatus>(
      ::testing::Eq(status));
}
// The subject and body rendered for the message's channel.
inline auto RenderedSubject(matchers_internal::StringMatcher subject) {
  return matchers_internal::FieldMatcher<matchers_internal::SubjectField, std::string>(
      std::move(subject));
}
inline auto RenderedBody(matchers_internal::StringMatcher body) {
  return matchers_internal::FieldMatcher<matchers_internal::BodyField, std::string>(
      std::move(body));
}
// The event name (SegmentCall, JournalEntry; a Message's event id).
inline auto Event(matchers_internal::StringMatcher name) {
  return matchers_internal::FieldMatcher<matchers_internal::EventField, std::string>(
      std::move(name));
}
// The Segment call type or journal entry type ("track", "identify", ...).
inline auto Type(matchers_internal::StringMatcher type) {
  return matchers_internal::FieldMatcher<matchers_internal::TypeField, std::string>(
      std::move(type));
}
// A SegmentCall's properties contain `subset`.
inline auto Properties(nlohmann::json subset) {
  return matchers_internal::PropertiesMatcher(std::move(subset));
}
// An AutomationRun canceled by a cancel step (or Courier's cancel) with `token`.
inline auto CanceledBy(std::string token) {
  return matchers_internal::CanceledByMatcher(std::move(token));
}

// ---- Record matchers -------------------------------------------------------

template <typename... Parts>
::testing::Matcher<const Message&> IsMessage(Parts&&... parts) {
  return matchers_internal::Combine<Message>("a message", std::forward<Parts>(parts)...);
}
template <typename... Parts>
::testing::Matcher<const AutomationRun&> IsRun(Parts&&... parts) {
  return matchers_internal::Combine<AutomationRun>("a run", std::forward<Parts>(parts)...);
}
// An outbound Segment track call: IsSegmentTrack(Event("Message Sent"), ...).
template <typename... Parts>
::testing::Matcher<const SegmentCall&> IsSegmentTrack(Parts&&... parts) {
  return matchers_internal::Combine<SegmentCall>("a Segment track call", Type("track"),
                                                 std::forward<Parts>(parts)...);
}
template <typename... Parts>
::testing::Matcher<const JournalEntry&> IsInbound(Parts&&... parts) {
  return matchers_internal::Combine<JournalEntry>("an inbound event",
                                                  std::forward<Parts>(parts)...);
}

}  // namespace mock_courier::testing
