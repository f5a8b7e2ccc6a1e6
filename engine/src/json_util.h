// JSON helpers shared by the engine's modules.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_courier/status.h"

namespace mock_courier {

using Json = nlohmann::json;

// An immutable JSON value shared by every record that holds it (an inbound
// event kept by the catalogue and by the messages and runs it caused; a
// profile snapshot), so that keeping it in several places costs one copy.
using SharedJson = std::shared_ptr<const Json>;

// Shares `value` (moved in).
inline SharedJson Share(Json value) { return std::make_shared<const Json>(std::move(value)); }
// The shared empty object, for records that have nothing to hold.
const SharedJson& SharedEmptyObject();
// A null value that lives forever, for accessors that return a reference.
const Json& NullJson();

// {key: value}, built without the temporary array nlohmann's
// initializer-list form makes per pair (for the per-event paths).
Json OneKey(const char* key, Json value);

// Two strings joined, on the stack when they fit in 96 bytes: for ids that
// are composed only to be looked up ("track/<event>",
// "Segment-TrackEvent:<event>") on the per-event paths. Not copyable: the
// view may point into the object.
class JoinedText {
 public:
  JoinedText(std::string_view a, std::string_view b);
  JoinedText(const JoinedText&) = delete;
  JoinedText& operator=(const JoinedText&) = delete;
  std::string_view view() const { return view_; }
  operator std::string_view() const { return view_; }  // NOLINT(google-explicit-constructor)

 private:
  char inline_[96];
  std::string heap_;
  std::string_view view_;
};

// The pieces of `text` between `separator`s, empty ones included ("a..b" is
// {"a", "", "b"}; "" is {""}). The views point into `text`.
std::vector<std::string_view> SplitOn(std::string_view text, char separator);

// Compact JSON text of `value` for records kept as text (journal payloads,
// outbound calls). Never throws: invalid UTF-8 in strings (possible only
// from in-process callers; HTTP bodies are validated by the parser) is
// replaced with U+FFFD.
std::string JsonText(const Json& value);
// Appends `text` as a JSON string literal (quoted and escaped) to `out`.
void AppendJsonString(std::string& out, std::string_view text);
// Appends `value` as JsonText writes it, without a temporary string.
void AppendJson(std::string& out, const Json& value);

// Deep merge, new values win; objects merge recursively, anything else
// (arrays included) is replaced. `target` becomes an object if it is not one.
void DeepMerge(Json& target, const Json& patch);

// Follows a dotted path ("data.properties.vendor") through objects (and array
// indexes given as numbers). Returns nullptr when any segment is missing.
const Json* FindPath(const Json& root, std::string_view dotted_path);
// The most digits FindPath reads as an array index (longer ones lead nowhere).
inline constexpr std::size_t kMaxIndexDigits = 18;

// JavaScript truthiness: false, 0, "", null are falsy; objects/arrays truthy.
bool Truthy(const Json& value);

// Applies an RFC 6902 JSON Patch. Missing parent objects of add/replace paths
// are created (as Courier's profile PATCH does,
// https://www.courier.com/docs/reference/profiles/by-id). Errors are 400 with the failing operation
// named; `document` is unchanged on error.
Status ApplyJsonPatch(Json& document, const Json& patch);

// Replaces every {{path}} in `text` with the value found at that dotted path
// in `variables` (strings as is, other values as JSON); missing -> "".
std::string RenderTemplate(std::string_view text, const Json& variables);
// How RenderTemplate writes a value found (`value`: nullptr when missing).
void AppendTemplateValue(const Json* value, std::string& out);
// The same appended to `out`, with the variables behind `append`, for callers
// whose variables are spread over several values (or packed): append(path,
// out) appends the value at the dotted path to `out` (strings as is, other
// values as JSON; nothing when missing).
void RenderTemplateTo(std::string_view text,
                      const std::function<void(std::string_view, std::string&)>& append,
                      std::string& out);

// Splits a template at its {{variables}}: calls on_literal(text) and
// on_variable(path) in order (the path with surrounding white space
// trimmed; a "{{" without a closing "}}" is literal text). Rendering is the
// literals with each variable's value between them.
template <typename OnLiteral, typename OnVariable>
void SplitTemplate(std::string_view text, OnLiteral&& on_literal, OnVariable&& on_variable) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("{{", pos);
    const std::size_t close = open == std::string_view::npos ? open : text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      on_literal(text.substr(pos));
      return;
    }
    if (open > pos) on_literal(text.substr(pos, open - pos));
    std::string_view name = text.substr(open + 2, close - open - 2);
    const std::size_t first = name.find_first_not_of(kSpace);
    name = first == std::string_view::npos
               ? std::string_view()
               : name.substr(first, name.find_last_not_of(kSpace) - first + 1);
    on_variable(name);
    pos = close + 2;
  }
}

// A template split once (SplitTemplate), for templates rendered many times
// (a notification's content): literal text and variable paths in order.
class TemplateParts {
 public:
  TemplateParts() = default;
  explicit TemplateParts(std::string_view text);
  // Whether the text has a variable (else it renders as itself).
  bool has_variables() const { return !parts_.empty(); }
  // Appends the rendering to `out`: append(path, out) appends a variable's
  // value, as for RenderTemplateTo.
  template <typename Append>
  void RenderTo(Append&& append, std::string& out) const {
    std::size_t at = 0;
    for (const Part& part : parts_) {
      out.append(text_, at, part.literal_end - at);
      append(std::string_view(text_).substr(part.literal_end, part.path_end - part.literal_end),
             out);
      at = part.path_end;
    }
    out.append(text_, at, std::string::npos);
  }

 private:
  // text_ holds each literal followed by the next variable's path;
  // parts_[i] ends the i-th literal and path, the last literal runs to
  // the end.
  struct Part {
    std::size_t literal_end;
    std::size_t path_end;
  };
  std::string text_;
  std::vector<Part> parts_;
};

// The JSON type name used in error messages: "object", "array", "string", ...
std::string JsonTypeName(const Json& value);

}  // namespace mock_courier
