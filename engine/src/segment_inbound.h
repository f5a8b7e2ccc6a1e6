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
// `payload_text` is the event's JSON text, for the journal: the request body
// as received, or JsonText(*shared_event); it must parse to *shared_event
// (final messages keep it as their data). Callers write it before taking the
// workspace lock.
Result<Reply> HandleSegmentInbound(WorkspaceState& ws, Services& svc,
                                   const SharedJson& shared_event, std::string payload_text,
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
