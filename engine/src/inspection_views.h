// Inspection views (mock_courier/inspection.h): the merged timeline, counts by
// status, one record with its timeline row, and pages of the admin views.
// Internal to the engine; every function runs with the workspace lock held.
//
// Each renders only what it returns: a page walks the records newest (or
// oldest) first and stops once the page is full, unless a filter asks for
// the matching total.
#pragma once

#include <string>

#include "mock_courier/inspection.h"
#include "workspace_state.h"

namespace mock_courier {

// Rows of the merged timeline matching `query` (inspection.h).
TimelinePage TimelineForAdmin(const WorkspaceState& ws, const TimelineQuery& query);

// {"inbound": {outcome: n}, "runs": {status: n}, "messages": {status: n},
//  "outbound": {state: n}, "totals": {"inbound", "runs", "messages", "outbound"}}.
// An empty value counts as "(none)".
Json CountsForAdmin(const WorkspaceState& ws);

// The record a timeline row shows, as its admin view renders it, and its row.
// `kind` is a TimelineRow kind ("segment" and "inbound" both find journal
// entries). 404 when the workspace no longer keeps it; 400 for another kind.
Result<InspectedRecord> RecordForAdmin(const WorkspaceState& ws, const std::string& kind,
                                       const std::string& id);

// results[page.offset, page.offset + page.limit) of JournalForAdmin,
// RunsForAdmin, MessagesForAdmin and OutboxForAdmin, with the views' other
// keys and "total", "offset", "limit".
Json JournalPageForAdmin(const WorkspaceState& ws, ViewPage page);
Json RunsPageForAdmin(const WorkspaceState& ws, ViewPage page);
Json MessagesPageForAdmin(const WorkspaceState& ws, ViewPage page);
Json OutboxPageForAdmin(const WorkspaceState& ws, ViewPage page);

}  // namespace mock_courier
