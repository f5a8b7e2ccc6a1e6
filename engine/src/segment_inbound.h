// Segment inbound: POST /inbound/segment and POST /inbound/courier
// (https://www.courier.com/docs/external-integrations/cdp/segment). Internal to the engine; runs
// with the workspace lock held.
#pragma once

#include <string>

#include "workspace_state.h"

namespace mock_courier {

// Validates, dedupes on messageId, journals, then applies the effects in
// order: catalogue, identify -> profile merge, event map send, list send,
// automation triggers. `source` is kSegment or kSegmentRelay.
// `event` is a parsed tree, or packed with the workspace's run_data_keys.
// `payload_text` is the event's JSON text, for the journal: the request body
// as received, or JsonText of the tree; it must parse to the event (final
// messages keep it as their data). Callers write it before taking the
// workspace lock.
Result<Reply> HandleSegmentInbound(WorkspaceState& ws, Services& svc, Payload event,
                                   std::string payload_text, InboundSource source);
// The same for an event given only as the body's text: packed from it with
// no tree (PackedJson::PackText) when it is plain JSON text, else parsed
// (ParseJson), a parse error answering 400 with ParseJson's message.
Result<Reply> HandleSegmentInboundText(WorkspaceState& ws, Services& svc, std::string text,
                                       InboundSource source);
// POST /inbound/courier: 202 {"messageId"}; a repeated messageId -> 409.
Result<Reply> HandleCourierInbound(WorkspaceState& ws, Services& svc, const Json& body);
// Whether a Segment messageId is one of Segment's Event Tester ids
// ("segment-test-message-..."), which Courier does not deduplicate
// (https://www.courier.com/docs/external-integrations/cdp/segment/).
bool IsEventTesterMessageId(const std::string& message_id);
// Admin: {"results":[journal entries]} and the event catalogue.
Json JournalForAdmin(const WorkspaceState& ws);
// One entry of JournalForAdmin's results.
Json JournalEntryForAdmin(const JournalEntry& entry);
// A journal entry's effects as the admin views show them.
Json EffectsJson(const JournalEntry::Effects& effects);
// The event catalogue JournalForAdmin shows.
Json CatalogueForAdmin(const WorkspaceState& ws);

}  // namespace mock_courier
