// The workspace loader: text -> ParseJson -> Engine::PutWorkspace, as
// mock-courier --workspace and PUT /_mock/workspaces load it.
// Contract checked: no exception, and a rejected definition adds nothing.
#include "fuzz_input.h"
#include "mock_courier/clock.h"
#include "mock_courier/engine.h"
#include "mock_courier/json_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto definition = mock_courier::ParseJson(mock_courier::fuzz::AsText(data, size));
  if (!definition.ok()) return 0;
  mock_courier::ManualClock clock(1767603600000);
  mock_courier::Engine engine(clock);
  try {
    mock_courier::Status status = engine.PutWorkspace(*definition, "fuzz-key");
    if (!status.ok() && engine.HasApiKey("fuzz-key")) {
      mock_courier::fuzz::Violated("a rejected workspace was kept");
    }
    if (status.ok()) {
      // Exercise what a loaded workspace does with its own definition.
      (void)engine.ListWorkspaces();
      (void)engine.AdvanceClock(24 * 3600 * 1000LL);
    }
  } catch (...) {
    mock_courier::fuzz::Violated("an exception escaped the workspace loader");
  }
  return 0;
}
