// Helpers shared by the libFuzzer harnesses (see docs/fuzzing.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>

namespace mock_courier::fuzz {

// The input as text.
inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits at the first "\n---\n" (how corpus files separate two parts);
// without one, everything is the first part.
inline std::pair<std::string_view, std::string_view> SplitParts(std::string_view text) {
  constexpr std::string_view kSeparator = "\n---\n";
  auto at = text.find(kSeparator);
  if (at == std::string_view::npos) return {text, {}};
  return {text.substr(0, at), text.substr(at + kSeparator.size())};
}

// A broken contract: abort so libFuzzer records the input as a crash.
[[noreturn]] inline void Violated(const char* what) {
  std::fprintf(stderr, "contract violated: %s\n", what);
  std::abort();
}

}  // namespace mock_courier::fuzz
