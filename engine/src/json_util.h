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

// The JSON type name used in error messages: "object", "array", "string", ...
std::string JsonTypeName(const Json& value);

}  // namespace mock_courier
