// Durations and timestamps (mock_courier/time_format.h).
// Contracts checked: no exception; a parsed time formats and parses back to
// itself; durations are never negative.
#include "fuzz_input.h"
#include "mock_courier/time_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = mock_courier::fuzz::AsText(data, size);
  try {
    if (auto t = mock_courier::ParseIso8601(text)) {
      const std::string shown = mock_courier::FormatIso8601(*t);
      auto again = mock_courier::ParseIso8601(shown);
      if (!again || *again != *t) mock_courier::fuzz::Violated("ISO-8601 round trip");
    }
    if (auto d = mock_courier::ParseDuration(text); d && *d < 0) {
      mock_courier::fuzz::Violated("a negative duration");
    }
    if (auto d = mock_courier::ParseDelayDuration(text); d && *d < 0) {
      mock_courier::fuzz::Violated("a negative delay");
    }
  } catch (...) {
    mock_courier::fuzz::Violated("an exception escaped time_format");
  }
  return 0;
}
