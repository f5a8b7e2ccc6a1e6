// Parsing and formatting of times and durations as Courier and Segment write them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "mock_courier/clock.h"

namespace mock_courier {

// "2026-11-23T08:00:00.000Z".
std::string FormatIso8601(TimePoint t);

// The same text written into `out` (at least kIso8601Capacity bytes, not
// NUL-terminated); returns its length. For hot paths: no allocation.
inline constexpr std::size_t kIso8601Capacity = 40;
std::size_t FormatIso8601To(TimePoint t, char* out);

// Parses ISO-8601 timestamps: extended ("2024-04-08T08:09:10.123Z",
// "2024-04-08T08:09:10+02:00", "2024-04-08") and basic ("20240408T080910.123")
// forms. A time without a zone is UTC. Returns nullopt when it is not one.
std::optional<TimePoint> ParseIso8601(std::string_view text);

// Whether `text` is a timestamp in the extended form with a date, a time with
// seconds and separators ("2024-04-08T08:09:10.123Z"): the shape of a JSON
// schema "date-time", which Courier's automation schema names for a delay
// `until`. The basic form ("20240408T080910.123") and a date alone are not.
bool IsExtendedIsoDateTime(std::string_view text);

// Parses an automation delay duration. Courier's own form is "<number> <unit>"
// with unit minute(s), hour(s), day(s), week(s), month(s), year(s)
// (https://www.courier.com/docs/platform/automations/steps; decimals are floored per unit as
// date-fns does, months are 30 days and years 365 here). Also accepts ISO-8601 durations
// ("PT2H", "P1DT30M"), and, for the admin API and scenarios, seconds
// ("30 seconds") and plain milliseconds as a number string. Returns nullopt
// when the text is none of these.
std::optional<Duration> ParseDuration(std::string_view text);

// Like ParseDuration, but only Courier's delay-step forms: "<n> <unit>"
// without seconds and with a lower-case unit ("2 Hours" is refused), and
// ISO-8601 durations.
std::optional<Duration> ParseDelayDuration(std::string_view text);

}  // namespace mock_courier
