// The conformance scenario loader: text -> ParseJson -> ParseScenario, with
// workspace file names resolved against fixtures/workspaces.
// Contract checked: no exception; a rejected scenario always says why.
#include <string>

#include "fuzz_input.h"
#include "mock_courier/conformance/scenario.h"
#include "mock_courier/json_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = mock_courier::ParseJson(mock_courier::fuzz::AsText(data, size));
  if (!json.ok()) return 0;
  std::string error;
  try {
    auto scenario = mock_courier::conformance::ParseScenario(*json, "fuzz.json",
                                                             MOCK_COURIER_WORKSPACE_DIR, &error);
    if (!scenario && error.empty()) mock_courier::fuzz::Violated("a rejection without a reason");
  } catch (...) {
    mock_courier::fuzz::Violated("an exception escaped the scenario loader");
  }
  return 0;
}
