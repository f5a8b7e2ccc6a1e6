#include "mock_courier/json_parse.h"

#include "json_text_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <system_error>

namespace mock_courier {
namespace {

using Json = nlohmann::json;

// nlohmann's DOM builder with a depth check. nlohmann's parser itself is
// iterative, but everything done with the value afterwards (dump, copy,
// compare, the engine's deep merge) recurses, so a 100,000-deep array in a
// 200 KB body would overflow the stack later; this stops the parse at the
// first bracket past the limit instead, before the tree is built.
class DepthLimitedSax {
 public:
  DepthLimitedSax(Json& result, int max_depth)
      : dom_(result, /*allow_exceptions=*/false), max_depth_(max_depth) {}

  bool null() { return dom_.null(); }
  bool boolean(bool value) { return dom_.boolean(value); }
  bool number_integer(Json::number_integer_t value) { return dom_.number_integer(value); }
  bool number_unsigned(Json::number_unsigned_t value) { return dom_.number_unsigned(value); }
  bool number_float(Json::number_float_t value, const Json::string_t& text) {
    return dom_.number_float(value, text);
  }
  bool string(Json::string_t& value) { return dom_.string(value); }
  bool binary(Json::binary_t& value) { return dom_.binary(value); }
  bool start_object(std::size_t size) { return Enter() && dom_.start_object(size); }
  bool key(Json::string_t& value) { return dom_.key(value); }
  bool end_object() {
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t size) { return Enter() && dom_.start_array(size); }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& error) {
    error_ = error.what();
    return false;
  }

  bool too_deep() const { return too_deep_; }
  const std::string& error() const { return error_; }

 private:
  bool Enter() {
    if (++depth_ > max_depth_) {
      too_deep_ = true;
      return false;
    }
    return true;
  }

  nlohmann::detail::json_sax_dom_parser<Json> dom_;
  int max_depth_;
  int depth_ = 0;
  bool too_deep_ = false;
  std::string error_;
};

// ParseJson's fast path (JsonTextReader): well-formed JSON straight into the
// tree. nlohmann's lexer reads a byte at a time through its input adapter and
// copies every string through a token buffer; on a Segment event that was
// about a third of a request's time in the Api layer (bench/README.md,
// "Engine v2, eleventh steps"). The tree is the one nlohmann builds: the same
// value types, the same strings, and for a repeated key the last value. On
// anything the reader gives up on, ParseJson runs nlohmann's parser, whose
// tree or message is the answer, so the errors and their texts are nlohmann's.
// json_parse_test.cc and fuzz/json_parse_fuzz.cc compare the two parsers.
struct TreeBuilder {
  using Slot = Json*;
  using Object = Json::object_t*;
  using Array = Json::array_t*;
  void Null(Json* slot) { *slot = nullptr; }
  void Bool(Json* slot, bool value) { *slot = value; }
  void Integer(Json* slot, std::int64_t value) { *slot = value; }
  void Unsigned(Json* slot, std::uint64_t value) { *slot = value; }
  void Float(Json* slot, double value) { *slot = value; }
  void String(Json* slot, std::string_view text) { *slot = std::string(text); }
  Object BeginObject(Json* slot) {
    *slot = Json::object();
    return &slot->get_ref<Json::object_t&>();
  }
  Json* Member(Object members, std::string_view key) {
    auto [member, inserted] = members->try_emplace(std::string(key));
    if (!inserted) member->second = Json();  // A repeated key: the last value stays.
    return &member->second;
  }
  void EndMember(Object) {}
  bool EndObject(Object) { return true; }
  Array BeginArray(Json* slot) {
    *slot = Json::array();
    return &slot->get_ref<Json::array_t&>();
  }
  Json* Item(Array items) { return &items->emplace_back(); }
  bool EndArray(Array) { return true; }
  std::string& text_buffer() { return text; }
  std::string& key_buffer() { return key; }
  std::string text;
  std::string key;
};

// Reads without building anything (IsPlainJsonText).
struct CheckOnly {
  using Slot = int;
  using Object = int;
  using Array = int;
  void Null(int) {}
  void Bool(int, bool) {}
  void Integer(int, std::int64_t) {}
  void Unsigned(int, std::uint64_t) {}
  void Float(int, double) {}
  void String(int, std::string_view) {}
  int BeginObject(int) { return 0; }
  int Member(int, std::string_view) { return 0; }
  void EndMember(int) {}
  bool EndObject(int) { return true; }
  int BeginArray(int) { return 0; }
  int Item(int) { return 0; }
  bool EndArray(int) { return true; }
  std::string& text_buffer() { return text; }
  std::string& key_buffer() { return key; }
  std::string text;
  std::string key;
};

// nlohmann's messages start with "[json.exception.parse_error.101] "; the rest
// ("parse error at line 1, column 2: syntax error ...") is what users need.
std::string WithoutExceptionId(std::string text) {
  if (!text.empty() && text.front() == '[') {
    auto end = text.find("] ");
    if (end != std::string::npos) text.erase(0, end + 2);
  }
  return text;
}

}  // namespace

std::string JsonTooDeepMessage(int max_depth) {
  return "JSON nesting is deeper than the limit of " + std::to_string(max_depth) + " levels";
}

Result<Json> ParseJson(std::string_view text, int max_depth) {
  try {
    Json fast;
    TreeBuilder builder;
    if (JsonTextReader<TreeBuilder>(text, max_depth, builder).Read(&fast)) return fast;
  } catch (const std::exception&) {  // Allocation failure: nlohmann's parser says.
  }
  return ParseJsonWithNlohmann(text, max_depth);
}

Result<Json> ParseJsonWithNlohmann(std::string_view text, int max_depth) {
  Json result;
  DepthLimitedSax sax(result, max_depth);
  bool ok = false;
  try {
    ok = Json::sax_parse(text, &sax, nlohmann::detail::input_format_t::json, /*strict=*/true);
  } catch (const std::exception& e) {  // Allocation failure or a library bug: still a value.
    return Status::BadRequest(WithoutExceptionId(e.what()));
  }
  if (sax.too_deep()) return Status::BadRequest(JsonTooDeepMessage(max_depth));
  if (!ok || result.is_discarded()) {
    std::string message = sax.error().empty() ? "invalid JSON" : WithoutExceptionId(sax.error());
    // nlohmann ends with "; last read: '<bytes>'", which for a UTF-8 error
    // holds the bad byte: an error message must itself be valid UTF-8.
    if (auto cut = message.find("; last read:");
        cut != std::string::npos && !IsValidUtf8(message)) {
      message.erase(cut);
    }
    if (!IsValidUtf8(message)) message = "invalid JSON";
    return Status::BadRequest(std::move(message));
  }
  return result;
}

bool IsPlainJsonText(std::string_view text, int max_depth) {
  try {
    CheckOnly check;
    return JsonTextReader<CheckOnly>(text, max_depth, check).Read(0);
  } catch (const std::exception&) {  // Allocation failure while decoding a string.
    return false;
  }
}

bool IsValidUtf8(std::string_view text) {
  while (!text.empty()) {
    const std::size_t length = Utf8SequenceLength(text);
    if (length == 0) return false;
    text.remove_prefix(length);
  }
  return true;
}

}  // namespace mock_courier
