// Inspection pages: what a live view of one workspace (the inspector at
// /_mock/ui/) reads, one page at a time. Engine::Timeline, InspectionCounts,
// InspectRecord and the paged admin views (engine.h) return these.
//
// The whole admin views (Engine::Messages and friends) render every record;
// these render only the records asked for, so the cost of a page does not grow
// with the workspace, and counts are taken from the typed records without
// rendering them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_courier/clock.h"

namespace mock_courier {

// One row of the merged timeline of a workspace: an inbound event (kind
// "segment" for POST /inbound/segment, "inbound" for the other sources), an
// automation run ("run"), a message ("send") or an outbound Segment call
// ("outbound").
struct TimelineRow {
  std::string kind;
  // The record's id. Inbound entries that share an id (a replayed duplicate)
  // or have none (a rejection) get "<id>#<n>", n being the entry's position
  // in the journal since the workspace was created or reset: row ids are
  // unique and stable while the entry is kept.
  std::string id;
  TimePoint at = 0;  // received, created or enqueued, on the mock clock.
  std::string user;
  std::string name;    // Event name, automation and template, notification.
  std::string status;  // Outcome, run status, message status or delivery state.
  std::string label;   // One line for a person.
  // Ids of the rows that caused this one, and of the rows it caused.
  std::vector<std::string> links;
  std::vector<std::string> leads_to;
};

// Which rows a timeline page holds. Empty filters match everything.
struct TimelineQuery {
  std::string user;    // Exact user id.
  std::string event;   // Substring of the name, case-insensitive.
  std::string status;  // The status, case-insensitive.
  std::string kind;    // Exact kind.
  std::size_t offset = 0;
  std::size_t limit = 100;
};

// Rows newest first: each kind in creation order, the kinds merged by time,
// and within one mock instant effects before causes (outbound, send, run,
// inbound). While the mock clock only moves forward this is the rows sorted
// by time.
struct TimelinePage {
  std::vector<TimelineRow> rows;  // At most `limit`, from `offset`.
  std::size_t total = 0;          // Rows matching the query.
};

// One record as its admin view renders it (Engine::InspectRecord), with its
// timeline row.
struct InspectedRecord {
  nlohmann::json record;
  TimelineRow row;
};

// Which records of an admin view a page holds: results[offset, offset + limit).
struct ViewPage {
  std::size_t offset = 0;
  std::size_t limit = 0;  // REQUIRES: >= 1.
};

}  // namespace mock_courier
