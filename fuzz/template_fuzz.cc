// Template rendering (engine json_util.h RenderTemplate; workspace_definition.h
// CompiledContent, a notification's content split at its variables when the
// workspace loads): template text, then "\n---\n" and the variables as JSON (a
// fixed object when absent or invalid). Contracts checked: no exception, and
// the compiled content (the text as a string, and inside an object and an
// array) renders to what rendering each string and writing the tree as JSON
// gives.
#include "fuzz_input.h"
#include "json_util.h"
#include "mock_courier/json_parse.h"
#include "mock_courier/testing/render_each_string.h"
#include "workspace_definition.h"

namespace {

using mock_courier::Json;

void CheckCompiled(const Json& content, const Json& variables) {
  std::string compiled;
  mock_courier::CompiledContent(content).AppendTo(
      [&](const mock_courier::TemplateParts& string, std::string& out) {
        std::string rendered;
        string.RenderTo(
            [&](std::string_view path, std::string& to) {
              mock_courier::AppendTemplateValue(mock_courier::FindPath(variables, path), to);
            },
            rendered);
        mock_courier::AppendJsonString(out, rendered);
      },
      compiled);
  if (compiled !=
      mock_courier::JsonText(mock_courier::testing::RenderEachString(content, variables))) {
    mock_courier::fuzz::Violated("compiled content renders differently from the content");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [text, variables_text] =
      mock_courier::fuzz::SplitParts(mock_courier::fuzz::AsText(data, size));
  static const Json kDefault = {
      {"data", {{"name", "Ada"}, {"items", {1, "two", nullptr, {{"k", true}}}}}},
      {"profile", {{"email", "ada@example.com"}}}};
  auto parsed = mock_courier::ParseJson(variables_text);
  const Json& variables = parsed.ok() ? *parsed : kDefault;
  try {
    (void)mock_courier::RenderTemplate(text, variables);
    const Json string = std::string(text);
    CheckCompiled(string, variables);
    CheckCompiled(Json{{"body", string}, {"title", "Hi {{data.name}}"}, {"n", 1}}, variables);
    CheckCompiled(Json::array({string, Json::object(), string}), variables);
  } catch (...) {
    mock_courier::fuzz::Violated("an exception escaped template rendering");
  }
  return 0;
}
