// ParseJson: the one way mock-courier turns untrusted text into JSON.
//
// Request bodies (the server), workspace files (mock-courier --workspace,
// PUT /_mock/workspaces) and scenario files (the conformance suite) all go
// through it, so every JSON input has the same limits and the same errors.
// A value it returns is safe to copy, compare, merge and dump: nesting is
// bounded (the engine's deep merge, accessors, dump and copy all recurse),
// every string is valid UTF-8 and every number is finite.
//
// Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mock_courier/status.h"

namespace mock_courier {

// The deepest nesting of arrays and objects ParseJson accepts by default.
// Segment's own payloads nest a handful of levels (properties, context,
// traits; https://segment.com/docs/connections/spec/common/), so 64 is far
// above anything real and far below what would overflow a thread's stack.
inline constexpr int kMaxJsonDepth = 64;

// Parses `text` as exactly one JSON value (trailing garbage is an error).
// Errors are 400 invalid_request_error with a stable message:
//   "JSON nesting is deeper than the limit of 64 levels"
//   "number overflow parsing '1e400'"           (a number that is not finite)
//   "parse error at line 1, column 9: ..."      (nlohmann's text, without its
//                                                "[json.exception...] " prefix;
//                                                covers invalid UTF-8 too)
// Never throws.
Result<nlohmann::json> ParseJson(std::string_view text, int max_depth = kMaxJsonDepth);

// ParseJson without its fast path for well-formed text: nlohmann's parser
// alone, whose trees and messages ParseJson's answers are. For the tests and
// fuzz/json_parse_fuzz.cc, which compare the two.
Result<nlohmann::json> ParseJsonWithNlohmann(std::string_view text, int max_depth = kMaxJsonDepth);

// Whether ParseJson reads `text` on its own fast path, checked without
// building anything: well-formed JSON, no byte-order mark, nesting at most
// `max_depth`, no number that underflows or overflows a double. Such text
// has no parse error, and the engine can pack it
// directly (the server hands /inbound/segment bodies over as text then).
bool IsPlainJsonText(std::string_view text, int max_depth = kMaxJsonDepth);

// The message ParseJson gives for nesting deeper than `max_depth`.
std::string JsonTooDeepMessage(int max_depth = kMaxJsonDepth);

// True when `text` is well-formed UTF-8 (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace mock_courier
