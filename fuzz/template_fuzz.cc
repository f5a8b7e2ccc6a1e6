// Template rendering (engine json_util.h RenderTemplate): template text,
// then "\n---\n" and the variables as JSON (a fixed object when absent or
// invalid). Contract checked: no exception.
#include "fuzz_input.h"
#include "json_util.h"
#include "mock_courier/json_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [text, variables_text] =
      mock_courier::fuzz::SplitParts(mock_courier::fuzz::AsText(data, size));
  static const mock_courier::Json kDefault = {
      {"data", {{"name", "Ada"}, {"items", {1, "two", nullptr, {{"k", true}}}}}},
      {"profile", {{"email", "ada@example.com"}}}};
  auto parsed = mock_courier::ParseJson(variables_text);
  const mock_courier::Json& variables = parsed.ok() ? *parsed : kDefault;
  try {
    (void)mock_courier::RenderTemplate(text, variables);
  } catch (...) {
    mock_courier::fuzz::Violated("an exception escaped RenderTemplate");
  }
  return 0;
}
