// Retention: how much finished work each workspace keeps for inspection.
//
// The mock records everything it handles so tests can ask what happened, but
// a load test against it must not run it out of memory (WireMock's
// --max-request-journal-entries and Mailpit's --max answer the same need).
// Each workspace therefore keeps at most a number of *finished* items of each
// kind and drops the oldest-finished first. Work that is not finished — a
// waiting automation run, a message waiting for its delay, an outbound call
// not yet delivered — is never dropped. Idempotency and dedupe records are
// dropped when their window (24 h, or a longer Idempotency-Key expiration)
// has passed on the mock clock. Admin views report what was dropped as
// "evicted" counts.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "mock_courier/status.h"

namespace mock_courier {

// Bytes of request text the inbound journal keeps per workspace, whatever its
// entry cap: a load of 1 MB events would otherwise hold 10000 of them. The
// oldest entries go first; `journal` 0 (unlimited) lifts this bound too.
inline constexpr std::size_t kJournalBytes = 64u << 20;

// Caps per workspace; 0 means unlimited.
struct Retention {
  std::size_t messages = 5000;   // Messages in a final state.
  std::size_t runs = 5000;       // Automation runs PROCESSED, CANCELED or ERROR.
  std::size_t journal = 10000;   // Inbound journal entries.
  std::size_t outbox = 10000;    // Outbound Segment calls delivered.
  std::size_t received = 10000;  // Calls the fake Segment API recorded (engine-wide).

  friend bool operator==(const Retention&, const Retention&) = default;
};

// Per-workspace overrides (a workspace file's "retention" object): a kind
// left unset takes the engine's value.
struct RetentionOverrides {
  std::optional<std::size_t> messages;
  std::optional<std::size_t> runs;
  std::optional<std::size_t> journal;
  std::optional<std::size_t> outbox;

  // `base` with the set kinds replaced.
  Retention Apply(Retention base) const;
};

// Parses the --retention flag: a number for every kind ("0" = unlimited), or
// comma-separated KIND=N pairs over the defaults ("messages=100,runs=0").
// Kinds: messages, runs, journal, outbox, received. A bad value is a 400
// Status naming it.
Result<Retention> ParseRetention(std::string_view text, Retention base = {});

}  // namespace mock_courier
