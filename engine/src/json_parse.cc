#include "mock_courier/json_parse.h"

#include <cstdint>
#include <exception>

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

bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra;
    std::uint32_t code;
    std::uint32_t min;
    if ((c & 0xE0) == 0xC0) {
      extra = 1, code = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, code = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, code = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + static_cast<std::size_t>(extra) >= n) return false;  // Truncated sequence.
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      code = (code << 6) | (cc & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

}  // namespace mock_courier
