// The timeline vocabulary shared by the scenario HTML report and the live
// inspector (/_mock/ui/): which swim lane each timeline kind belongs to, the
// colours of the kinds, and the swim-lane picture drawn beside the table.
//
// Lanes, left to right in the flow: App / Segment (what came in) -> Courier
// (automation runs and delays) -> Providers (sends, message statuses,
// engagement) -> Segment (Courier's outbound "Message ..." calls).
//
// All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mock_courier::reports {

// Lane ids, in flow order, with their titles.
inline constexpr std::string_view kLaneIds[] = {"app", "courier", "providers", "segment"};
inline constexpr std::string_view kLaneTitles[] = {"App / Segment", "Courier", "Providers",
                                                   "Segment"};

// The lane id of a timeline kind: segment, inbound, request, advance -> "app";
// run, delay -> "courier"; send, status, engage -> "providers"; outbound ->
// "segment". An unknown kind goes to "app".
std::string_view LaneOfKind(std::string_view kind);

// CSS for the kinds (`.k-<kind>` sets the colour) and the swim-lane SVG
// (`svg.swimlanes`). Holds no URL.
std::string TimelineCss();

// An inline <svg class="swimlanes"> (no xmlns, no URL) of `entries`, each
// {"at": ISO-8601, "kind", "label", optional "id" and "links": [ids]}, given in
// time order. Entries are spread along mock time in order; a tick marks each
// new mock time. When an entry has "links", a line joins it to each linked
// entry; otherwise consecutive entries are joined. At most `max_entries` are
// drawn (the first ones). Empty string when `entries` is empty.
std::string RenderSwimlaneSvg(const nlohmann::json& entries, std::size_t max_entries = 200);

}  // namespace mock_courier::reports
