// Accessors: how automation steps read the run context
// (https://www.courier.com/docs/platform/automations/steps). Internal to the engine; pure
// functions.
//
// Three forms exist:
//  - API accessors {"$ref": "data.email"} anywhere inside a step;
//  - designer lookups "refs.data.userId" (recipient fields, cancelation tokens);
//  - "${...}" JavaScript interpolation (cancelation tokens), and `if`
//    expressions, evaluated by a small JavaScript-expression subset.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json_util.h"
#include "packed_json.h"

namespace mock_courier {

// An automation run's context: the roots brand, data, profile, recipient and
// template (absent roots read as null). `data` is held apart and shared, so a
// run triggered by a Segment event holds that event, not a copy of it.
class RunContext {
 public:
  RunContext() = default;
  RunContext(const RunContext& other);
  RunContext& operator=(const RunContext& other);
  RunContext(RunContext&&) noexcept = default;
  RunContext& operator=(RunContext&&) noexcept = default;
  // Splits a context object (moved in); anything else is an empty context.
  RunContext(Json context);  // NOLINT(google-explicit-constructor): a context object converts.
  // The root's value, or nullptr when it is absent.
  const Json* Find(std::string_view root) const;
  // The root's value, or null when it is absent.
  const Json& Get(std::string_view root) const;
  // The data root as a send's payload when it is an object: shared, or, when
  // the run is compacted, packed (one copy of the buffer, not a tree).
  std::optional<Payload> ObjectDataPayload() const;
  // A copy of the value at `dotted_path`, whose first segment names a root
  // and the rest is read by FindPath's rules (json_util.h); nullopt when the
  // path leads nowhere. A compacted run's data is read in place.
  std::optional<Json> PathValue(std::string_view dotted_path) const;
  // The data root's type when it is held packed only (no tree), read without
  // unpacking it; nullopt otherwise (absent, or a tree).
  std::optional<Json::value_t> PackedDataType() const;
  // PathValue when it is a string (a compacted run's read without a tree);
  // nullopt for anything else.
  std::optional<std::string> PathString(std::string_view dotted_path) const;
  // Sets the recipient root (null: absent).
  void set_recipient(Json recipient) {
    recipient_ = recipient.is_null() ? Json(Json::value_t::discarded) : std::move(recipient);
  }
  // Sets the template root (shared, not copied).
  void set_template(SharedJson name) { template_ = std::move(name); }
  // Sets the data root (shared, not copied).
  void set_data(SharedJson data) {
    data_ = std::move(data);
    packed_data_ = PackedJson();
  }
  // Sets the data root to a packed value (a copy of its one buffer), as
  // Compact leaves it: an inbound event packed from its text needs no tree.
  void set_packed_data(const PackedJson& data, const JsonKeyTable& keys) {
    data_.reset();
    packed_data_ = data;
    data_keys_ = &keys;
  }
  // The context as one object (a copy: for views and expression scopes).
  Json ToJson() const;
  // Keeps the data root packed only (packed_json.h), its keys in `keys`: a
  // waiting or finished run holds a few hundred bytes in one allocation
  // instead of a parsed tree of kilobytes. The next Find or Get unpacks it
  // again (and keeps the tree until the next Compact). `keys` must outlive
  // this context's reads.
  void Compact(JsonKeyTable& keys);
  // Asks for the blocks this context holds, for dropping it (prefetch.h).
  void PrefetchBlocks() const {
    PrefetchSharedBlock(data_);
    packed_data_.PrefetchBlock();
    if (rare_) mock_courier::PrefetchBlock(rare_.get());
    // A JSON string is a std::string in a block of its own; its address is
    // read from the root, not from that block.
    if (recipient_.is_string()) {
      mock_courier::PrefetchBlock(&recipient_.get_ref<const std::string&>());
    }
  }

 private:
  // For a path into data held packed only: the cursor there (invalid when the
  // path leads nowhere); nullopt for any other path.
  std::optional<PackedJson::Cursor> PackedDataAt(std::string_view dotted_path) const;
  // The brand and profile roots and any other key a context object had: runs
  // an event or an invoke starts have none of them, so they are held apart.
  struct Rare {
    Json brand = Json(Json::value_t::discarded);
    Json profile = Json(Json::value_t::discarded);
    Json others;  // An object, or null.
  };
  // The roots but data, typed (a discarded value is an absent root): a run
  // holds values, not an object of nodes. Null for an unknown root, and,
  // unless `create`, for a rare root the context does not hold.
  Json* Root(std::string_view root, bool create);
  const Json* Root(std::string_view root) const {
    return const_cast<RunContext*>(this)->Root(root, false);
  }
  Json recipient_ = Json(Json::value_t::discarded);
  // The template root (a triggered run's event name), shared by the runs of
  // one event; null when absent.
  SharedJson template_;
  std::unique_ptr<Rare> rare_;
  // The data root: parsed, packed, or both. Find() unpacks lazily, so the
  // tree is a cache (mutable); the workspace lock guards it.
  mutable SharedJson data_;
  PackedJson packed_data_;
  const JsonKeyTable* data_keys_ = nullptr;  // What packed_data_ was packed with.
};

// The value of an accessor path: the first segment names a step `ref` (when
// `refs` holds it) or a run-context root (data, profile, brand, template,
// recipient). Like Courier, a missing or falsy value anywhere on the path
// gives null (`acc && acc[p] ? acc[p] : null`).
Json AccessorValue(std::string_view path, const RunContext& context, const Json& refs);

// Replaces every {"$ref": "<path>"} object inside `value` (recursively, in
// objects and arrays) with its AccessorValue.
Json ApplyAccessors(const Json& value, const RunContext& context, const Json& refs);

// Whether `value` is an accessor object {"$ref": "<string>"}.
bool IsAccessor(const Json& value);
// Whether `value` holds an accessor object anywhere (what ApplyAccessors replaces).
bool HasAccessors(const Json& value);

// A designer lookup "refs.<root>.<path>" against the run context. When the
// exact path is missing, segments are matched case-insensitively (Courier's
// FAQ writes `refs.data.userid` for Segment's `userId`); `note` then
// receives a diagnostic naming the path used. Returns nullopt when nothing
// matches. REQUIRES: `text` starts with "refs.".
std::optional<Json> LookupRefsPath(std::string_view text, const RunContext& context,
                                   std::string* note);

// JavaScript's String(value): "null", "undefined" (a discarded Json),
// integers without a fraction, "[object Object]", arrays joined by ",".
std::string JsString(const Json& value);

// Evaluates a JavaScript expression subset against `scope` (an object whose
// keys are the identifiers in scope): literals (numbers, '..', "..",
// `..${expr}..`, true, false, null, undefined), member paths (a.b, a["b"],
// a[0]), ! - + == != === !== < <= > >= && || and parentheses, with
// JavaScript semantics (&& and || return an operand). JavaScript's
// `undefined` is returned as a discarded Json. Errors (syntax, unknown
// identifier, member of null/undefined) are 400 statuses describing them.
Result<Json> EvaluateExpression(std::string_view expression, const Json& scope);

// The outcome of resolving a cancelation token expression.
struct ResolvedToken {
  std::string token;  // "" when the run has no token.
  std::vector<std::string> diagnostics;
};

// Resolves a cancelation token at run creation
// (https://www.courier.com/docs/platform/automations/steps): a whole string starting "refs." is a
// context lookup; a string wrapped in "${...}" is a JavaScript interpolation over the context
// roots; anything else is a literal. A lookup or interpolation that finds nothing gives no token
// (with a diagnostic saying so).
ResolvedToken ResolveCancelationToken(const std::string& expression, const RunContext& context);

}  // namespace mock_courier
