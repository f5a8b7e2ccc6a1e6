// JsonTextReader: one reading of well-formed JSON text for the builders that
// need it. Internal to the engine.
//
// ParseJson's fast path builds an nlohmann tree with it (json_parse.cc),
// PackedJson::PackText packs an inbound Segment event without a tree
// (packed_json.cc), and IsPlainJsonText checks text without building
// anything. All three accept exactly the same texts: a subset of what
// nlohmann's parser accepts, which gives up (returns false) on any error, a
// byte-order mark, a number whose conversion underflows or overflows, and
// nesting past the limit. Values are those nlohmann gives: a non-negative
// integer is unsigned, a negative one signed, an integer past 64 bits a
// double; strings are decoded (escapes, surrogate pairs) and must be valid
// UTF-8.
//
// A builder `B` provides:
//   using Slot = ...;                        // where one value goes
//   void Null(Slot), Bool(Slot, bool), Integer(Slot, std::int64_t),
//        Unsigned(Slot, std::uint64_t), Float(Slot, double);
//   void String(Slot, std::string_view text);  // valid during the call only
//   Object BeginObject(Slot);                  // an object's context
//   Slot Member(Object&, std::string_view key);  // valid during the call only
//   void EndMember(Object&);                 // after the member's value
//   bool EndObject(Object&);
//   Array BeginArray(Slot); Slot Item(Array&); bool EndArray(Array&);
//   std::string& text_buffer(), key_buffer();  // where escaped strings are decoded
// Repeated keys are the builder's to resolve (nlohmann keeps the last value).
#pragma once

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mock_courier {

// The length of the well-formed UTF-8 sequence that `text` starts with
// (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF; the ranges
// nlohmann checks), or 0.
inline std::size_t Utf8SequenceLength(std::string_view text) {
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

template <typename Builder>
class JsonTextReader {
 public:
  // It recurses per level of nesting, so it gives up past 256 levels even
  // when the caller allows more (nlohmann's parser does not recurse).
  static constexpr int kMaxRecursion = 256;

  JsonTextReader(std::string_view text, int max_depth, Builder& builder)
      : p_(text.data()),
        end_(text.data() + text.size()),
        max_depth_(std::min(max_depth, kMaxRecursion)),
        b_(builder),
        text_(builder.text_buffer()),
        key_(builder.key_buffer()) {}

  // True when the whole text is one value, given to the builder at `slot`.
  bool Read(typename Builder::Slot slot) {
    SkipSpace();
    if (!Value(slot, 0)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  using Slot = typename Builder::Slot;

  void SkipSpace() {
    // Most texts are compact: one comparison rules out any byte above ' '.
    while (p_ != end_ && static_cast<unsigned char>(*p_) <= ' ' &&
           (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) {
      ++p_;
    }
  }

  bool Value(Slot slot, int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return Object(slot, depth + 1);
      case '[':
        return Array(slot, depth + 1);
      case '"': {
        std::string_view text;
        if (!String(text_, text)) return false;
        b_.String(slot, text);
        return true;
      }
      case 't':
        if (!Literal("true")) return false;
        b_.Bool(slot, true);
        return true;
      case 'f':
        if (!Literal("false")) return false;
        b_.Bool(slot, false);
        return true;
      case 'n':
        if (!Literal("null")) return false;
        b_.Null(slot);
        return true;
      default:
        return Number(slot);
    }
  }

  bool Literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
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

  bool Object(Slot slot, int depth) {
    if (depth > max_depth_) return false;
    auto object = b_.BeginObject(slot);
    const bool read = Items('}', [&] {
      if (p_ == end_ || *p_ != '"') return false;
      std::string_view key;
      if (!String(key_, key)) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      SkipSpace();
      if (!Value(b_.Member(object, key), depth)) return false;
      b_.EndMember(object);
      return true;
    });
    return read && b_.EndObject(object);
  }

  bool Array(Slot slot, int depth) {
    if (depth > max_depth_) return false;
    auto array = b_.BeginArray(slot);
    const bool read = Items(']', [&] { return Value(b_.Item(array), depth); });
    return read && b_.EndArray(array);
  }

  // At the opening quote: reads the string to its closing quote and sets
  // `text` to what it stands for. That is a view of the input unless the
  // string has an escape (most have none, and are not copied), else of
  // `scratch`, which holds the decoded text. The view of `scratch` lasts
  // until the next string read into it.
  bool String(std::string& scratch, std::string_view& text) {
    ++p_;
    const char* start = p_;
    for (;;) {
      p_ = PlainRunEnd(p_, end_);
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        text = std::string_view(start, static_cast<std::size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c == '\\') {
        scratch.assign(start, p_);
        if (!Decode(scratch)) return false;
        text = scratch;
        return true;
      }
      if (c < 0x20) return false;  // A control character must be escaped.
      const std::size_t length =
          Utf8SequenceLength(std::string_view(p_, static_cast<std::size_t>(end_ - p_)));
      if (length == 0) return false;
      p_ += length;
    }
  }

  // Inside a string, from `p_` (an escape or the rest of the string's text)
  // through its closing quote: appends the decoded text to `out`.
  bool Decode(std::string& out) {
    for (;;) {
      const char* run = p_;
      p_ = PlainRunEnd(p_, end_);
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

  // The end of the run of bytes from `p` that a string holds as they are
  // (not a quote, backslash, control character or non-ASCII byte): sixteen
  // (SSE2) or eight at a time while none of them is one, in a local pointer
  // (p_ is a member the compiler stores back per byte).
  static const char* PlainRunEnd(const char* p, const char* end) {
#if defined(__SSE2__)
    // A signed compare below 0x20 flags control characters and every byte
    // with its high bit set at once. About a quarter of the eight-byte
    // loop's instructions per byte (callgrind, engine_bench).
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i special =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                       _mm_cmplt_epi8(v, space));
      const auto mask = static_cast<unsigned>(_mm_movemask_epi8(special));
      if (mask != 0) return p + std::countr_zero(mask);
      p += 16;
    }
#endif
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    constexpr std::uint64_t kHigh = 0x8080808080808080ull;
    const auto any_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      // Bytes below 0x20, equal to '"' or '\\', or with the high bit set.
      // A borrow can flag a byte above a special one, never below it, so
      // the lowest flag is the first special byte.
      const std::uint64_t special = (((w - kOnes * 0x20) & ~w) | any_zero(w ^ (kOnes * '"')) |
                                     any_zero(w ^ (kOnes * '\\')) | (w & kHigh)) &
                                    kHigh;
      if (special != 0) {
        if constexpr (std::endian::native == std::endian::little) {
          return p + std::countr_zero(special) / 8;
        }
        break;  // The byte loop finds it.
      }
      p += 8;
    }
    while (p != end) {
      const auto c = static_cast<unsigned char>(*p);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
      ++p;
    }
    return p;
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
  bool Number(Slot slot) {
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
          b_.Integer(slot, value);
          return true;
        }
      } else {
        std::uint64_t value = 0;
        if (std::from_chars(start, p_, value).ec == std::errc()) {
          b_.Unsigned(slot, value);
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
    b_.Float(slot, value);
    return true;
  }

  const char* p_;
  const char* end_;
  int max_depth_;
  Builder& b_;
  std::string& text_;  // A string value being decoded.
  std::string& key_;   // A key being decoded.
};

}  // namespace mock_courier
