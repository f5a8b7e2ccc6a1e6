// JSON Patch (engine json_util.h ApplyJsonPatch): the document, "\n---\n",
// the patch. Contracts checked: no exception; on error the document is
// unchanged.
#include "fuzz_input.h"
#include "json_util.h"
#include "mock_courier/json_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [document_text, patch_text] =
      mock_courier::fuzz::SplitParts(mock_courier::fuzz::AsText(data, size));
  auto document = mock_courier::ParseJson(document_text);
  auto patch = mock_courier::ParseJson(patch_text);
  if (!document.ok() || !patch.ok()) return 0;
  const mock_courier::Json before = *document;
  try {
    mock_courier::Status status = mock_courier::ApplyJsonPatch(*document, *patch);
    if (!status.ok() && *document != before) {
      mock_courier::fuzz::Violated("a failed patch changed the document");
    }
    if (!status.ok() && status.http_status() != 400) mock_courier::fuzz::Violated("not a 400");
  } catch (...) {
    mock_courier::fuzz::Violated("an exception escaped ApplyJsonPatch");
  }
  return 0;
}
