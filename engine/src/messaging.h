// Messaging: sends, messages and their lifecycle, simulated providers,
// engagement, preferences, audiences, the Events API and the outbound Segment
// outbox. Internal to the engine; every function runs with the workspace lock
// held (see workspace_state.h).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workspace_state.h"

namespace mock_courier {

// ---- Sending ---------------------------------------------------------------

// POST /send: v2 when `body` has "message" (202 {"requestId"}), else v1
// (200 {"messageId"}; errors in the {message,status} shape).
Result<Reply> HandleSend(WorkspaceState& ws, Services& svc, const Json& body);

// An automation `send` step, already merged with the run context
// (https://www.courier.com/docs/platform/automations/steps): either legacy fields {template,
// recipient, profile, brand, data, override} or {"message": {...}} (v2). Returns the created
// message ids (several for a list recipient), or a Status (the step then ends in ERROR). `data`,
// when set, is a legacy step's data (shared; the step then has none).
Result<std::vector<std::string>> SendFromAutomation(WorkspaceState& ws, Services& svc,
                                                    const Json& step, const SendOrigin& origin,
                                                    std::optional<Payload> data = std::nullopt);

// A template's plain send step ({action, template, recipient}, recipient
// resolved) with the run's data: what SendFromAutomation does with the step
// ExtendStep makes of it (no brand, no profile, an empty override), without
// that step. Returns the message id.
Result<std::string> SendTemplateFromAutomation(WorkspaceState& ws, Services& svc,
                                               std::string_view template_id,
                                               const std::string& recipient, Payload data,
                                               SendOrigin origin);

// Once message `message_id` is final, only views read its data. When that
// data is `data` (an inbound event it was sent for: the same tree, or a copy
// of the same packed bytes), the message keeps `text` instead, the same event
// as JSON text, shared with the journal entry: a tree is freed when the
// request ends, while it is still in the cache, instead of when the message
// is evicted (a quarter of an event-map send's time was freeing it then), and
// a kept message holds no data of its own. Does nothing otherwise.
void KeepFinalDataAsText(WorkspaceState& ws, const std::string& message_id, const Payload& data,
                         const std::shared_ptr<const std::string>& text);

// An automation `send-list` step: {template, list, brand, data, override}.
Result<std::vector<std::string>> SendListFromAutomation(WorkspaceState& ws, Services& svc,
                                                        const Json& step, const SendOrigin& origin);

// Timer jobs (timers.h), naming the message by its RecordStore sequence
// number; a message that is gone is left alone. The processing job of an
// ENQUEUED message (processing latency or a send `delay`):
void RunMessageJob(WorkspaceState& ws, Services& svc, std::uint64_t message_seq);
// The simulated delivery of a message on `channel`.
void RunDeliveryJob(WorkspaceState& ws, Services& svc, std::uint64_t message_seq,
                    const std::string& channel);

// The legacy Segment path (https://www.courier.com/docs/external-integrations/cdp/segment/): a v1
// send of `event_id`
// ("Segment-TrackEvent:<event>") to `recipient` with `data` = the whole event
// (a tree shared, not copied, by the message; a packed event, one buffer).
// Returns the message id, or nullopt when no notification is mapped to the
// event (then nothing is created, as Courier does). The message's origin is
// `source` with the event's `message_id` as its idempotency key.
std::optional<std::string> SendMappedEvent(WorkspaceState& ws, Services& svc,
                                           std::string_view event_id, const std::string& recipient,
                                           const Payload& data, std::string_view source,
                                           std::string_view message_id);

// `properties.courier.list` / `.pattern` on a Segment track
// (https://www.courier.com/docs/external-integrations/cdp/segment/): sends `event_id` to every
// subscriber of the list (or of lists matching the pattern). Returns the message ids.
Result<std::vector<std::string>> SendMappedEventToList(
    WorkspaceState& ws, Services& svc, std::string_view event_id, const std::string& list_id,
    const std::string& pattern, const Payload& data, const SendOrigin& origin);

// ---- Messages API (https://www.courier.com/docs/reference/messages/get)
// -----------------------------------------------------
Result<Reply> ListMessagesReply(WorkspaceState& ws, const Json& query);
Result<Reply> GetMessageReply(WorkspaceState& ws, const std::string& message_id);
Result<Reply> GetMessageHistoryReply(WorkspaceState& ws, const std::string& message_id,
                                     const Json& query);
Result<Reply> CancelMessageReply(WorkspaceState& ws, Services& svc, const std::string& message_id);
// POST /messages/{id}/resend: a new message from the original's send plan,
// processed as a send accepted now; 200 {"messageId": <new id>}
// (MessageResendResponse in Courier's SDKs). Any original status may be
// resent (docs/fidelity.md). 404 "Message not found" for an unknown id.
Result<Reply> ResendMessageReply(WorkspaceState& ws, Services& svc, const std::string& message_id);
// GET /messages/{id}/output: {"results":[{channel, channel_id, content}]},
// one per rendered channel (MessageContentResponse in @trycourier/courier).
Result<Reply> GetMessageOutputReply(WorkspaceState& ws, const std::string& message_id);
// PUT /requests/{request_id}/archive: 202, no body; the request's messages
// leave GET /messages unless archived=true. 404 for an unknown request id.
Result<Reply> ArchiveRequestReply(WorkspaceState& ws, Services& svc, const std::string& request_id);
// Admin: simulated recipient engagement {"event":"opened"|"clicked"|"delivered"|"undeliverable"}.
Result<Reply> EngageMessage(WorkspaceState& ws, Services& svc, const std::string& message_id,
                            const Json& body);
// Admin: {"results":[message record + channel, rendered content, history]}.
Json MessagesForAdmin(const WorkspaceState& ws);
// One entry of MessagesForAdmin's results.
Json MessageForAdmin(const WorkspaceDefinition& def, const Message& message);

// ---- Events API (https://www.courier.com/docs/1.0.0/reference/send/message/)
// ---------------------------------------------------------
Result<Reply> ListEventsReply(WorkspaceState& ws);
Result<Reply> GetEventReply(WorkspaceState& ws, const std::string& event_id);
Result<Reply> PutEventReply(WorkspaceState& ws, Services& svc, const std::string& event_id,
                            const Json& body);
Result<Reply> DeleteEventReply(WorkspaceState& ws, Services& svc, const std::string& event_id);

// ---- Preferences ---------------------------------------------------------------
Result<Reply> GetUserPreferencesReply(WorkspaceState& ws, const std::string& user_id);
Result<Reply> GetUserPreferenceTopicReply(WorkspaceState& ws, const std::string& user_id,
                                          const std::string& topic_id);
// A status change of a topic emits the outbound Segment preference events
// (https://www.courier.com/docs/external-integrations/cdp/segment "Preferences Events"): OPTED_IN
// -> "User Subscribed", OPTED_OUT -> "User Unsubscribed", properties {user_id, topic_id, status}.
Result<Reply> PutUserPreferenceTopicReply(WorkspaceState& ws, Services& svc,
                                          const std::string& user_id, const std::string& topic_id,
                                          const Json& body);

// ---- Audiences ---------------------------------------------------------------------
Result<Reply> ListAudiencesReply(WorkspaceState& ws);
Result<Reply> GetAudienceReply(WorkspaceState& ws, const std::string& audience_id);
Result<Reply> PutAudienceReply(WorkspaceState& ws, Services& svc, const std::string& audience_id,
                               const Json& body);
Result<Reply> DeleteAudienceReply(WorkspaceState& ws, Services& svc,
                                  const std::string& audience_id);
Result<Reply> ListAudienceMembersReply(WorkspaceState& ws, const std::string& audience_id);
// Re-evaluates every audience for `user_id` after its profile changed (or was
// deleted), emitting "Audience User Matched"/"Unmatched" on changes. The
// matching is the profile write's processing job (jobs.h): at once at latency
// 0 or inside accepted work, else at now + latency against the profile as it
// is then.
void OnProfileChanged(WorkspaceState& ws, Services& svc, const std::string& user_id);

// ---- Outbound Segment (https://www.courier.com/docs/external-integrations/cdp/segment/)
// ---------------------------------------------------- Whether the workspace emits outbound Segment
// calls (it has a Segment write key). Callers check it before building properties they would throw
// away.
inline bool EmitsOutbound(const WorkspaceState& ws) { return !ws.def.segment.write_key.empty(); }

// Appends a Segment track call `event_name` for `user_id` with `properties` to
// the outbox when the workspace has a Segment write key (else does nothing).
// The outbox entry id (and the call's messageId) is derived from the
// workspace's id generator, so it is stable for the same inputs. `properties`
// is taken by value: callers move it in.
void EmitOutbound(WorkspaceState& ws, Services& svc, const std::string& event_name,
                  const std::string& user_id, Json properties);
// The same with the properties' text (a JSON object's) appended by `write_properties` straight
// into the call's text, not built apart first.
void EmitOutboundWith(WorkspaceState& ws, Services& svc, std::string_view event_name,
                      const std::string& user_id,
                      const std::function<void(std::string&)>& write_properties);
// Appends a call's JSON text as EmitOutboundWith keeps it; returns where
// `call_id` starts in `text`.
std::size_t AppendOutboundCall(std::string& text, std::string_view event_name,
                               std::string_view call_id, TimePoint at, std::string_view user_id,
                               const std::function<void(std::string&)>& write_properties);
// The same call kept typed (call_text.h): `make` is given the call's id and
// time and returns what the call says, written as text only when read.
void EmitOutboundCall(
    WorkspaceState& ws, Services& svc,
    const std::function<std::shared_ptr<const CallText::Source>(std::string_view, TimePoint)>&
        make);
// Admin: {"results":[{id, state, attempts, last_error, created_at, event}]}.
Json OutboxForAdmin(const WorkspaceState& ws);
// One entry of OutboxForAdmin's results.
Json OutboxEntryForAdmin(const OutboxEntry& entry);
// The call's "event", "userId" and "properties.messageId" ("" when absent).
// A typed call answers them without its text; of a text call the first two are
// read from the text EmitOutboundWith wrote without parsing all of it (a
// timeline filter reads them for every call).
std::string OutboundEventName(const OutboxEntry& entry);
std::string OutboundUserId(const OutboxEntry& entry);
std::string OutboundMessageId(const OutboxEntry& entry);

// ---- Outbound webhooks (webhooks.cc) ---------------------------------------------
// Queues `{"type": type, "data": data}` for every webhook destination of the
// workspace subscribed to `type`, signed with its secret (nothing when the
// workspace has no webhooks).
void EmitWebhook(WorkspaceState& ws, Services& svc, const std::string& type, const Json& data);
// `message:updated` for the message's current record (plus recipientId).
void NotifyMessageUpdated(WorkspaceState& ws, Services& svc, const Message& message);
// The courier-signature header value of `body` signed at `t` (epoch ms).
std::string WebhookSignature(const std::string& secret, TimePoint t, const std::string& body);
// Admin: {"results":[{id, url, type, state, attempts, last_error, created_at, signature, body}]}.
Json WebhooksForAdmin(const WorkspaceState& ws);

}  // namespace mock_courier
