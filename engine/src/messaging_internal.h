// Helpers shared by the messaging module's files (messaging.cc,
// messaging_api.cc, audiences.cc, preferences.cc, outbox.cc). Internal to the
// messaging module; every function runs with the workspace lock held.
#pragma once

#include <array>
#include <exception>
#include <optional>
#include <string>

#include "messaging.h"
#include "workspace_state.h"

namespace mock_courier {

// Creates an ENQUEUED message from `plan` and processes it now, or when
// `deliver_at` (or the processing latency, jobs.h) falls due. Its request id
// is `request_id`, else its own id; its id is `message_id`, else a new one.
// Returns the message id.
std::string CreateMessage(WorkspaceState& ws, Services& svc, SendPlan&& plan,
                          const std::string& request_id, std::optional<TimePoint> deliver_at,
                          std::string message_id = "");

// A send plan as views show it (the ENQUEUED history item's "request"; the
// Courier API's history replies leave it out).
Json PlanJson(const SendPlan& plan);
Json OriginJson(const SendOrigin& origin);

// The profile a message was sent with: the stored profile when it was
// processed, deep-merged with the received one, plus `user_id`.
Json MergedProfile(const Message& message);
// MergedProfile read in place: without a received profile (automation and
// Segment sends), the stored profile as loaded, and `user_id` beside it when
// it has none; the merged tree is built only when a request brought a
// profile or a template prints the whole profile. Lives no longer than the
// message.
class MergedProfileView {
 public:
  explicit MergedProfileView(const Message& message);
  MergedProfileView(const MergedProfileView&) = delete;
  MergedProfileView& operator=(const MergedProfileView&) = delete;
  // The profile's member `key`, or nullptr.
  const Json* Member(std::string_view key) const;
  // The value at a dotted path (FindPath's rules), or nullptr.
  const Json* Find(std::string_view path) const;
  // The whole merged profile (MergedProfile's tree).
  const Json& Whole() const;

 private:
  // The stored profile, or merged_ once the tree is built.
  mutable const Json* base_ = nullptr;
  std::string user_id_;  // Added as "user_id" ("" when not).
  mutable Json user_id_json_;
  mutable Json merged_;
};

// The message's rendered content per channel ({} before it was rendered), as
// {"email":{"subject":...}}. Rendered when asked, not when the message is
// sent: nearly all messages of a load are never looked at, and what the
// content is rendered from (the send data and profiles, the recipient, the
// workspace's notification) does not change once the message is processed
// (PutWorkspace replaces a workspace whole, messages with it).
Json RenderedJson(const WorkspaceDefinition& def, const Message& message);
// Its content for one channel it rendered ({} for another).
Json RenderedChannelJson(const WorkspaceDefinition& def, const Message& message,
                         const std::string& channel);

// A history item as views show it: `item` with the parts the message holds
// once put back (ENQUEUED data, profile and, when `with_request`, request;
// PROFILE_LOADED merged, received and stored profiles; RENDERED output).
Json HistoryItemJson(const WorkspaceDefinition& def, const Message& message,
                     const HistoryItem& item, bool with_request);

// Appends to `history` an item of `type` with only a type and a time stamp,
// plus `extra`, built in place (a delivered message has six). `type` is a
// string literal (HistoryItem::type).
HistoryItem& PlainItem(std::vector<HistoryItem>& history, std::string_view type, TimePoint now,
                       Json extra = nullptr);
// The same for an item on a channel and its provider ("channel" and
// "integration"); neither may be held by `history` itself.
HistoryItem& RoutedItem(std::vector<HistoryItem>& history, std::string_view type, TimePoint now,
                        const std::string& channel, const std::string& provider,
                        Json extra = nullptr);

// Sets the message's status, stamps `timestamp_field` ("sent", "delivered",
// "opened", "clicked"; "" for none) with the clock when not yet set, and
// emits the matching outbound Segment event ("Message Sent", ...) when there
// is one for the status (https://www.courier.com/docs/external-integrations/cdp/segment).
// Whether a message in `status` is done: nothing more happens to it unless the
// recipient engages (DELIVERED, OPENED, CLICKED, UNDELIVERABLE, UNROUTABLE,
// UNMAPPED, CANCELED). Retention may drop finished messages.
bool IsFinalMessageStatus(MessageStatus status);

// Which MessageRecord timestamp a status change stamps (once).
using RecordTimestamp = std::optional<TimePoint> MessageRecord::*;

// Moves `message` to `status`, stamps `stamp` (when not null and not yet
// set) with the clock, and emits the outbound Segment call of the status.
void SetMessageStatus(WorkspaceState& ws, Services& svc, Message& message, MessageStatus status,
                      RecordTimestamp stamp = nullptr);

// The GET /messages/{id} record of `message` (https://www.courier.com/docs/reference/messages/get).
Json MessageRecordJson(const Message& message);

// The providers[] entry of `channel`, or nullptr.
ProviderAttempt* ProviderEntryOf(Message& message, const std::string& channel);

// The record's `providers` as Courier shows them.
Json ProvidersJson(const Message& message);

// Marks the provider entry of `channel` DELIVERED (from SENT), appends the
// DELIVERED history item and moves the message to DELIVERED when it was SENT.
// Returns false when the entry was not SENT (nothing changes).
bool DeliverChannel(WorkspaceState& ws, Services& svc, Message& message,
                    const std::string& channel);

// The effective preference of `user_id` for `topic_id`: the stored topic
// ({status, has_custom_routing, custom_routing}) or, when none is stored, the
// workspace topic's default ({"status": default_status}, OPTED_IN when the
// topic is unknown). `stored` tells which one it was.
Json EffectivePreference(const WorkspaceState& ws, const std::string& user_id,
                         const std::string& topic_id, bool* stored);

// What a message's outbound Segment calls keep of it (Message::call_identity;
// the calls in messaging.cc): its id, event, notification ("" = none) and
// recipient, in one buffer. All four are set when the message is made and
// never change, so its first call makes this and the others share it.
class MessageCallIdentity {
 public:
  explicit MessageCallIdentity(const Message& message);
  std::string_view id() const { return Part(0); }
  std::string_view event() const { return Part(1); }
  std::string_view notification() const { return Part(2); }
  std::string_view recipient() const { return Part(3); }
  // Asks for the text's block, for dropping this (prefetch.h).
  void PrefetchBlocks() const { PrefetchStringBlock(text_); }

 private:
  std::string_view Part(std::size_t i) const {
    return std::string_view(text_).substr(bounds_[i], bounds_[i + 1] - bounds_[i]);
  }
  std::string text_;
  std::array<std::size_t, 5> bounds_{};  // Part i is text_[bounds_[i], bounds_[i + 1]).
};

// Runs `body` (returning a Result or Status) and turns a JSON type error or
// any other exception from malformed input into a 400, so that nothing
// throws across the module boundary.
template <typename F>
auto GuardInput(F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return Status::BadRequest(std::string("Invalid Request. ") + e.what());
  }
}

}  // namespace mock_courier
