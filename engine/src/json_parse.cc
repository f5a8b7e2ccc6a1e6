#include "mock_courier/json_parse.h"

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

// The length of the well-formed UTF-8 sequence that `text` starts with
// (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF; the ranges
// nlohmann checks), or 0.
std::size_t Utf8SequenceLength(std::string_view text) {
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  if (text.empty()) return 0;
  const unsigned char c = at(0);
  if (c < 0x80) return 1;
  std::size_t length;
  unsigned char low = 0x80;  // The second byte's range; later bytes are 80..BF.
  unsigned char high = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    if (c == 0xE0) low = 0xA0;
    if (c == 0xED) high = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    if (c == 0xF0) low = 0x90;
    if (c == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length || at(1) < low || at(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (at(i) < 0x80 || at(i) > 0xBF) return 0;
  }
  return length;
}

// Well-formed JSON straight into the tree. nlohmann's lexer reads a byte at a
// time through its input adapter and copies every string through a token
// buffer; on a Segment event that was about a third of a request's time in
// the Api layer (bench/README.md, "Engine v2, eleventh steps"). This parser
// scans runs of plain bytes and builds the same tree nlohmann builds: the same
// value types (a non-negative integer is number_unsigned, a negative one
// number_integer, an integer past 64 bits a double), the same strings, and
// for a repeated key the last value. It accepts a subset of what nlohmann
// accepts and gives up on everything else: any error, a byte-order mark, a
// number it cannot convert exactly, nesting past the limit. ParseJson then
// runs nlohmann's parser, whose tree or message is the answer, so the errors
// and their texts are nlohmann's. json_parse_test.cc and fuzz/json_parse_fuzz.cc
// compare the two parsers on the same inputs.
class FastParser {
 public:
  // It recurses per level of nesting, so it gives up past 256 levels even
  // when the caller allows more (nlohmann's parser does not recurse).
  static constexpr int kMaxRecursion = 256;

  FastParser(std::string_view text, int max_depth)
      : p_(text.data()),
        end_(text.data() + text.size()),
        max_depth_(std::min(max_depth, kMaxRecursion)) {}

  // True when the whole text is one value, written to `out`.
  bool Parse(Json& out) {
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Value(Json& out, int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return Object(out, depth + 1);
      case '[':
        return Array(out, depth + 1);
      case '"': {
        std::string text;
        if (!String(text)) return false;
        out = std::move(text);
        return true;
      }
      case 't':
        return Literal("true", true, out);
      case 'f':
        return Literal("false", false, out);
      case 'n':
        return Literal("null", nullptr, out);
      default:
        return Number(out);
    }
  }

  template <typename T>
  bool Literal(std::string_view word, T value, Json& out) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    out = value;
    return true;
  }

  // At the opening bracket of an object or array that ends with `close`:
  // reads the comma-separated items with `item`, through the closing bracket.
  template <typename Item>
  bool Items(char close, Item&& item) {
    ++p_;
    SkipSpace();
    if (p_ != end_ && *p_ == close) {
      ++p_;
      return true;
    }
    for (;;) {
      if (!item()) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == close) {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
      SkipSpace();
    }
  }

  bool Object(Json& out, int depth) {
    if (depth > max_depth_) return false;
    out = Json::object();
    auto& members = out.get_ref<Json::object_t&>();
    return Items('}', [&] {
      if (p_ == end_ || *p_ != '"') return false;
      std::string key;
      if (!String(key)) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      SkipSpace();
      auto [member, inserted] = members.try_emplace(std::move(key));
      if (!inserted) member->second = Json();  // A repeated key: the last value stays.
      return Value(member->second, depth);
    });
  }

  bool Array(Json& out, int depth) {
    if (depth > max_depth_) return false;
    out = Json::array();
    auto& items = out.get_ref<Json::array_t&>();
    return Items(']', [&] { return Value(items.emplace_back(), depth); });
  }

  // At the opening quote; appends the decoded text to `out`.
  bool String(std::string& out) {
    ++p_;
    for (;;) {
      const char* run = p_;
      while (p_ != end_) {
        const auto c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
      out.append(run, p_);
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!Escape(out)) return false;
      } else if (c < 0x20) {
        return false;  // A control character must be escaped.
      } else {
        const std::size_t length =
            Utf8SequenceLength(std::string_view(p_, static_cast<std::size_t>(end_ - p_)));
        if (length == 0) return false;
        out.append(p_, length);
        p_ += length;
      }
    }
  }

  // At a backslash.
  bool Escape(std::string& out) {
    ++p_;
    if (p_ == end_) return false;
    // The one-character escapes and what they stand for; then \uXXXX.
    static constexpr std::string_view kEscapes = "\"\\/bfnrt";
    static constexpr std::string_view kMeanings = "\"\\/\b\f\n\r\t";
    const char c = *p_++;
    if (const std::size_t at = kEscapes.find(c); at != std::string_view::npos) {
      out.push_back(kMeanings[at]);
      return true;
    }
    if (c != 'u') return false;
    std::uint32_t code = 0;
    if (!Hex4(code)) return false;
    if (code >= 0xDC00 && code <= 0xDFFF) return false;  // A low surrogate first.
    if (code >= 0xD800 && code <= 0xDBFF) {
      std::uint32_t low = 0;
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      if (!Hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(code, out);
    return true;
  }

  bool Hex4(std::uint32_t& code) {
    if (end_ - p_ < 4) return false;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      std::uint32_t digit;
      if (c >= '0' && c <= '9') {
        digit = static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      code = (code << 4) | digit;
    }
    return true;
  }

  static void AppendUtf8(std::uint32_t code, std::string& out) {
    const auto byte = [](std::uint32_t v) { return static_cast<char>(v); };
    if (code < 0x80) {
      out.push_back(byte(code));
    } else if (code < 0x800) {
      out.push_back(byte(0xC0 | (code >> 6)));
      out.push_back(byte(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out.push_back(byte(0xE0 | (code >> 12)));
      out.push_back(byte(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(byte(0x80 | (code & 0x3F)));
    } else {
      out.push_back(byte(0xF0 | (code >> 18)));
      out.push_back(byte(0x80 | ((code >> 12) & 0x3F)));
      out.push_back(byte(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(byte(0x80 | (code & 0x3F)));
    }
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  void SkipDigits() {
    while (p_ != end_ && IsDigit(*p_)) ++p_;
  }

  // JSON's number grammar; the value as nlohmann converts it.
  bool Number(Json& out) {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      SkipDigits();
    }
    bool is_float = false;
    if (p_ != end_ && *p_ == '.') {
      is_float = true;
      ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      SkipDigits();
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      is_float = true;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      SkipDigits();
    }
    if (!is_float) {
      if (negative) {
        std::int64_t value = 0;
        if (std::from_chars(start, p_, value).ec == std::errc()) {
          out = value;
          return true;
        }
      } else {
        std::uint64_t value = 0;
        if (std::from_chars(start, p_, value).ec == std::errc()) {
          out = value;
          return true;
        }
      }
      // Past 64 bits: nlohmann reads it as a double, as below.
    }
    double value = 0;
    const auto [end, error] = std::from_chars(start, p_, value);
    // Out of range (an overflow nlohmann reports, or an underflow strtod
    // rounds): nlohmann decides.
    if (error != std::errc() || end != p_ || !std::isfinite(value)) return false;
    out = value;
    return true;
  }

  const char* p_;
  const char* end_;
  int max_depth_;
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
    if (FastParser(text, max_depth).Parse(fast)) return fast;
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

bool IsValidUtf8(std::string_view text) {
  while (!text.empty()) {
    const std::size_t length = Utf8SequenceLength(text);
    if (length == 0) return false;
    text.remove_prefix(length);
  }
  return true;
}

}  // namespace mock_courier
