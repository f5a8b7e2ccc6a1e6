// The reference that compiled notification content (workspace_definition.h
// CompiledContent) is checked against, by its tests and by template_fuzz:
// the content with every string rendered by RenderTemplate, keys and other
// values as they were. Needs the engine's internal headers (engine/src).
#pragma once

#include "json_util.h"

namespace mock_courier::testing {

inline Json RenderEachString(const Json& value, const Json& variables) {
  if (value.is_string()) return RenderTemplate(value.get<std::string>(), variables);
  Json out = value;
  if (value.is_structured()) {
    for (auto& item : out.items()) item.value() = RenderEachString(item.value(), variables);
  }
  return out;
}

}  // namespace mock_courier::testing
