// Records: what a test reads back from mock-courier, typed.
//
// Each struct is parsed from one entry of an admin API view (README.md "Admin
// API", docs/server.md), which is a stable contract, and keeps that entry in
// `raw` for anything the typed fields do not cover. Parsing never throws: a
// field the view lacks stays empty, and an unknown status becomes kUnknown
// (its text is still in `raw`).
//
// PrintTo gives each record a one-line form, which GoogleTest uses when an
// expectation on it (or on a vector of them) fails.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mock_courier::testing {

// Message statuses as Courier reports them
// (https://www.courier.com/docs/reference/messages/get/).
enum class MessageStatus {
  kUnknown,
  kEnqueued,
  kSent,
  kDelivered,
  kOpened,
  kClicked,
  kUndeliverable,
  kUnroutable,
  kUnmapped,
  kCanceled,
};
inline constexpr MessageStatus kEnqueued = MessageStatus::kEnqueued;
inline constexpr MessageStatus kSent = MessageStatus::kSent;
inline constexpr MessageStatus kDelivered = MessageStatus::kDelivered;
inline constexpr MessageStatus kOpened = MessageStatus::kOpened;
inline constexpr MessageStatus kClicked = MessageStatus::kClicked;
inline constexpr MessageStatus kUndeliverable = MessageStatus::kUndeliverable;
inline constexpr MessageStatus kUnroutable = MessageStatus::kUnroutable;
inline constexpr MessageStatus kUnmapped = MessageStatus::kUnmapped;

// Automation run statuses
// (https://www.courier.com/docs/reference/automations/invoke/ and GET /automations/runs).
enum class RunStatus { kUnknown, kProcessing, kWaiting, kProcessed, kCanceled, kError };

// "DELIVERED", "CANCELED", ...; kUnknown prints as "UNKNOWN".
std::string ToString(MessageStatus status);
std::string ToString(RunStatus status);
MessageStatus ParseMessageStatus(const std::string& text);
RunStatus ParseRunStatus(const std::string& text);
void PrintTo(MessageStatus status, std::ostream* os);
void PrintTo(RunStatus status, std::ostream* os);

// One entry of GET /_mock/messages.
struct Message {
  std::string id;
  std::string recipient;     // The user id it was sent to.
  std::string notification;  // The notification template id ("" for content sends).
  std::string event;
  std::string channel;  // "email", "sms", ... ("" before routing).
  MessageStatus status = MessageStatus::kUnknown;
  std::string status_text;       // As the view spells it.
  std::string rendered_subject;  // Of `channel`'s rendering, "" when none.
  std::string rendered_body;
  nlohmann::json raw;

  static Message FromJson(const nlohmann::json& entry);
};

// One entry of GET /_mock/runs.
struct AutomationRun {
  std::string id;
  std::string automation_template;  // "" for ad hoc runs.
  std::string recipient;            // context.recipient
  RunStatus status = RunStatus::kUnknown;
  std::string status_text;
  std::string cancelation_token;  // As resolved at run creation ("" when none).
  nlohmann::json raw;

  static AutomationRun FromJson(const nlohmann::json& entry);
};

// One entry of GET /_mock/profiles.
struct Profile {
  std::string user_id;
  nlohmann::json profile;
  nlohmann::json raw;

  static Profile FromJson(const nlohmann::json& entry);
};

// One entry of GET /_mock/segment/outbox: a call Courier makes to Segment.
struct SegmentCall {
  std::string id;
  std::string type;   // "track"
  std::string event;  // "Message Sent", ...
  std::string user_id;
  nlohmann::json properties;
  std::string state;  // "pending", "retrying", "delivered", "failed"
  int attempts = 0;
  nlohmann::json raw;

  static SegmentCall FromJson(const nlohmann::json& entry);
};

// One entry of GET /_mock/inbound: what the workspace received.
struct JournalEntry {
  std::string id;
  std::string source;  // "segment", "courier", ...
  std::string type;    // "track", "identify", "group", ...
  std::string event;
  std::string outcome;  // "accepted", ...
  int status = 0;       // The HTTP status it was answered with.
  std::vector<std::string> diagnostics;
  nlohmann::json payload;
  nlohmann::json raw;

  static JournalEntry FromJson(const nlohmann::json& entry);
};

void PrintTo(const Message& message, std::ostream* os);
void PrintTo(const AutomationRun& run, std::ostream* os);
void PrintTo(const Profile& profile, std::ostream* os);
void PrintTo(const SegmentCall& call, std::ostream* os);
void PrintTo(const JournalEntry& entry, std::ostream* os);

}  // namespace mock_courier::testing
