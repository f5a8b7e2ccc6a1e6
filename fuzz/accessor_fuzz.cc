// Path and accessor expressions (engine accessors.h): the expression, then
// optionally "\n---\n" and a run context as JSON. Each input goes through
// every form: $ref paths, refs.* lookups, JavaScript expressions and
// cancelation tokens. Contracts checked: no exception, and a context whose
// data was compacted (packed, packed_json.h) reads the same, types included,
// whole and along the expression taken as a dotted path.
#include <string>

#include "accessors.h"
#include "fuzz_input.h"
#include "mock_courier/json_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto [expression, context_text] =
      mock_courier::fuzz::SplitParts(mock_courier::fuzz::AsText(data, size));
  static const mock_courier::Json kDefault = {
      {"data", {{"userId", "ada"}, {"order", {{"id", 7}, {"items", {1, 2}}}}, {"flag", false}}},
      {"profile", {{"email", "ada@example.com"}}},
      {"recipient", "ada"},
      {"template", "Order Placed"}};
  auto parsed = mock_courier::ParseJson(context_text);
  const mock_courier::Json context_json = parsed.ok() ? *parsed : kDefault;
  try {
    mock_courier::RunContext context(context_json);
    const mock_courier::Json refs = {{"step1", {{"status", "ok"}}}};
    (void)mock_courier::AccessorValue(expression, context, refs);
    (void)mock_courier::ApplyAccessors({{"x", {{"$ref", std::string(expression)}}}}, context, refs);
    if (expression.starts_with("refs.")) {
      std::string note;
      (void)mock_courier::LookupRefsPath(expression, context, &note);
    }
    auto value = mock_courier::EvaluateExpression(expression, context.ToJson());
    if (value.ok()) (void)mock_courier::JsString(*value);
    (void)mock_courier::ResolveCancelationToken(std::string(expression), context);
    mock_courier::JsonKeyTable keys(/*capacity=*/8);  // Small: inline keys are exercised too.
    mock_courier::RunContext compacted(context_json);
    compacted.Compact(keys);
    constexpr auto kReplace = mock_courier::Json::error_handler_t::replace;
    if (compacted.ToJson().dump(-1, ' ', false, kReplace) !=
        context.ToJson().dump(-1, ' ', false, kReplace)) {
      mock_courier::fuzz::Violated("a compacted run context reads differently");
    }
    // A path read in place from the packed data (a cursor stepping over
    // members and containers) finds what the tree finds.
    const std::optional<mock_courier::Json> in_tree = context.PathValue(expression);
    const std::optional<mock_courier::Json> in_packed = compacted.PathValue(expression);
    if (in_tree.has_value() != in_packed.has_value() ||
        (in_tree &&
         in_tree->dump(-1, ' ', false, kReplace) != in_packed->dump(-1, ' ', false, kReplace))) {
      mock_courier::fuzz::Violated("a path reads differently from a compacted run context");
    }
    if (context.PathString(expression) != compacted.PathString(expression)) {
      mock_courier::fuzz::Violated("a string path reads differently from a compacted context");
    }
  } catch (...) {
    mock_courier::fuzz::Violated("an exception escaped the accessors");
  }
  return 0;
}
