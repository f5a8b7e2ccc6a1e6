#include "mock_courier/testing/records.h"

#include <array>
#include <string_view>
#include <utility>

namespace mock_courier::testing {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<MessageStatus, std::string_view>, 9> kMessageStatusNames = {{
    {MessageStatus::kEnqueued, "ENQUEUED"},
    {MessageStatus::kSent, "SENT"},
    {MessageStatus::kDelivered, "DELIVERED"},
    {MessageStatus::kOpened, "OPENED"},
    {MessageStatus::kClicked, "CLICKED"},
    {MessageStatus::kUndeliverable, "UNDELIVERABLE"},
    {MessageStatus::kUnroutable, "UNROUTABLE"},
    {MessageStatus::kUnmapped, "UNMAPPED"},
    {MessageStatus::kCanceled, "CANCELED"},
}};

constexpr std::array<std::pair<RunStatus, std::string_view>, 5> kRunStatusNames = {{
    {RunStatus::kProcessing, "PROCESSING"},
    {RunStatus::kWaiting, "WAITING"},
    {RunStatus::kProcessed, "PROCESSED"},
    {RunStatus::kCanceled, "CANCELED"},
    {RunStatus::kError, "ERROR"},
}};

// The string at `key`, or "" when it is missing or not a string.
std::string Text(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

json Value(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it != object.end() ? *it : json(nullptr);
}

void Quoted(std::ostream* os, const char* name, const std::string& value, bool first = false) {
  *os << (first ? "" : ", ") << name << ": " << json(value).dump();
}

}  // namespace

std::string ToString(MessageStatus status) {
  for (const auto& [s, name] : kMessageStatusNames) {
    if (s == status) return std::string(name);
  }
  return "UNKNOWN";
}

std::string ToString(RunStatus status) {
  for (const auto& [s, name] : kRunStatusNames) {
    if (s == status) return std::string(name);
  }
  return "UNKNOWN";
}

MessageStatus ParseMessageStatus(const std::string& text) {
  for (const auto& [s, name] : kMessageStatusNames) {
    if (name == text) return s;
  }
  return MessageStatus::kUnknown;
}

RunStatus ParseRunStatus(const std::string& text) {
  for (const auto& [s, name] : kRunStatusNames) {
    if (name == text) return s;
  }
  return RunStatus::kUnknown;
}

void PrintTo(MessageStatus status, std::ostream* os) { *os << ToString(status); }
void PrintTo(RunStatus status, std::ostream* os) { *os << ToString(status); }

Message Message::FromJson(const json& entry) {
  Message m;
  m.id = Text(entry, "id");
  m.recipient = Text(entry, "recipient");
  m.notification = Text(entry, "notification");
  m.event = Text(entry, "event");
  m.channel = Text(entry, "channel");
  m.status_text = Text(entry, "status");
  m.status = ParseMessageStatus(m.status_text);
  const json rendered = Value(Value(entry, "rendered"), m.channel.c_str());
  m.rendered_subject = Text(rendered, "subject");
  m.rendered_body = Text(rendered, "body");
  m.raw = entry;
  return m;
}

AutomationRun AutomationRun::FromJson(const json& entry) {
  AutomationRun r;
  r.id = Text(entry, "id");
  r.automation_template = Text(entry, "template");
  r.recipient = Text(Value(entry, "context"), "recipient");
  r.status_text = Text(entry, "status");
  r.status = ParseRunStatus(r.status_text);
  r.cancelation_token = Text(entry, "cancelation_token");
  r.raw = entry;
  return r;
}

Profile Profile::FromJson(const json& entry) {
  Profile p;
  p.user_id = Text(entry, "user_id");
  p.profile = Value(entry, "profile");
  p.raw = entry;
  return p;
}

SegmentCall SegmentCall::FromJson(const json& entry) {
  SegmentCall c;
  const json event = Value(entry, "event");
  c.id = Text(entry, "id");
  c.type = Text(event, "type");
  c.event = Text(event, "event");
  c.user_id = Text(event, "userId");
  c.properties = Value(event, "properties");
  c.state = Text(entry, "state");
  const json attempts = Value(entry, "attempts");
  c.attempts = attempts.is_number_integer() ? attempts.get<int>() : 0;
  c.raw = entry;
  return c;
}

JournalEntry JournalEntry::FromJson(const json& entry) {
  JournalEntry j;
  j.id = Text(entry, "id");
  j.source = Text(entry, "source");
  j.type = Text(entry, "type");
  j.event = Text(entry, "event");
  j.outcome = Text(entry, "outcome");
  const json status = Value(entry, "status");
  j.status = status.is_number_integer() ? status.get<int>() : 0;
  for (const json& d : Value(entry, "diagnostics")) {
    if (d.is_string()) j.diagnostics.push_back(d.get<std::string>());
  }
  j.payload = Value(entry, "payload");
  j.raw = entry;
  return j;
}

void PrintTo(const Message& m, std::ostream* os) {
  *os << "Message{";
  Quoted(os, "to", m.recipient, /*first=*/true);
  Quoted(os, "template", m.notification);
  Quoted(os, "channel", m.channel);
  *os << ", status: " << (m.status_text.empty() ? ToString(m.status) : m.status_text);
  if (!m.rendered_subject.empty()) Quoted(os, "subject", m.rendered_subject);
  Quoted(os, "id", m.id);
  *os << "}";
}

void PrintTo(const AutomationRun& r, std::ostream* os) {
  *os << "Run{";
  Quoted(os, "template", r.automation_template, /*first=*/true);
  Quoted(os, "recipient", r.recipient);
  *os << ", status: " << (r.status_text.empty() ? ToString(r.status) : r.status_text);
  if (!r.cancelation_token.empty()) Quoted(os, "cancelation_token", r.cancelation_token);
  Quoted(os, "id", r.id);
  *os << "}";
}

void PrintTo(const Profile& p, std::ostream* os) {
  *os << "Profile{";
  Quoted(os, "user_id", p.user_id, /*first=*/true);
  *os << ", profile: " << p.profile.dump() << "}";
}

void PrintTo(const SegmentCall& c, std::ostream* os) {
  *os << "SegmentCall{";
  Quoted(os, "type", c.type, /*first=*/true);
  Quoted(os, "event", c.event);
  Quoted(os, "userId", c.user_id);
  *os << ", properties: " << c.properties.dump();
  Quoted(os, "state", c.state);
  *os << "}";
}

void PrintTo(const JournalEntry& j, std::ostream* os) {
  *os << "JournalEntry{";
  Quoted(os, "source", j.source, /*first=*/true);
  Quoted(os, "type", j.type);
  if (!j.event.empty()) Quoted(os, "event", j.event);
  Quoted(os, "outcome", j.outcome);
  *os << ", status: " << j.status;
  if (!j.diagnostics.empty()) *os << ", diagnostics: " << json(j.diagnostics).dump();
  *os << "}";
}

}  // namespace mock_courier::testing
