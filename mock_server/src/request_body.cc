#include "request_body.h"

#include <array>
#include <cctype>

#include "mock_courier/json_parse.h"

namespace mock_courier::server {
namespace {

constexpr std::string_view kNoBody = "No Body Provided";
constexpr std::string_view kSmartQuote =
    "Body contains a key or value wrapped in a smart quote. Switch the smart quote to a straight "
    "quote.";

bool HasSmartQuote(std::string_view body) {
  // U+2018, U+2019, U+201C, U+201D in UTF-8.
  for (std::string_view q : {"\xE2\x80\x98", "\xE2\x80\x99", "\xE2\x80\x9C", "\xE2\x80\x9D"}) {
    if (body.find(q) != std::string_view::npos) return true;
  }
  return false;
}

constexpr const char* kInvalidUtf8Form = "Invalid UTF-8 in a form field of the body";

// The nesting "a[b][]" makes: one level per bracket pair.
int BracketDepth(std::string_view key) {
  int depth = 0;
  for (char c : key) depth += c == '[';
  return depth;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() &&
               std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Assigns `value` at the bracket path of `key` ("a[b][]") inside `root`.
void AssignBracketPath(Json& root, const std::string& key, const std::string& value) {
  std::vector<std::string> parts;
  auto open = key.find('[');
  parts.push_back(key.substr(0, open));
  while (open != std::string::npos) {
    auto close = key.find(']', open);
    if (close == std::string::npos) {  // "a[b" is a plain key, as qs treats it.
      parts = {key};
      break;
    }
    parts.push_back(key.substr(open + 1, close - open - 1));
    open = key.find('[', close);
  }
  Json* node = &root;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    const std::string& part = parts[i];
    if (part.empty() && i > 0) {  // "l[]": append.
      if (!node->is_array()) *node = Json::array();
      if (last) {
        node->push_back(value);
        return;
      }
      node->push_back(Json::object());
      node = &node->back();
      continue;
    }
    if (!node->is_object()) *node = Json::object();
    if (last) {
      (*node)[part] = value;
      return;
    }
    node = &(*node)[part];
  }
}

}  // namespace

bool IsBlank(std::string_view body) {
  for (char c : body) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

Result<Json> ParseJsonBody(std::string_view body) {
  if (IsBlank(body)) return Status::BadRequest(std::string(kNoBody));
  Result<Json> parsed = ParseJson(body);
  if (!parsed.ok() && HasSmartQuote(body)) return Status::BadRequest(std::string(kSmartQuote));
  return parsed;
}

bool BodyIsJson(std::string_view body) {
  std::size_t first = 0;
  while (first < body.size() && std::isspace(static_cast<unsigned char>(body[first]))) ++first;
  return first < body.size() && (body[first] == '{' || body[first] == '[');
}

Result<Json> ParseCourierBody(std::string_view body) {
  if (IsBlank(body)) return Status::BadRequest(std::string(kNoBody));
  if (BodyIsJson(body)) return ParseJsonBody(body);
  // Courier hands anything that is not JSON to `qs`
  // (https://www.courier.com/docs/platform/sending/handling-responses-and-errors).
  if (HasSmartQuote(body)) return Status::BadRequest(std::string(kSmartQuote));
  return ParseUrlEncoded(body);
}

Result<Json> ParseUrlEncoded(std::string_view text) {
  Json root = Json::object();
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('&', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view pair = text.substr(start, end - start);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      std::string key = PercentDecode(pair.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
      // The same limits as JSON bodies: "a[][][]..." nests like "[[[...".
      if (!IsValidUtf8(key) || !IsValidUtf8(value)) return Status::BadRequest(kInvalidUtf8Form);
      if (BracketDepth(key) > kMaxJsonDepth) return Status::BadRequest(JsonTooDeepMessage());
      if (!key.empty()) AssignBracketPath(root, key, value);
    }
    start = end + 1;
  }
  return root;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      v = 62;
    } else if (c == '/' || c == '_') {
      v = 63;
    } else if (c == '=') {
      break;
    } else {
      return std::nullopt;
    }
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63],
            kAlphabet[n & 63]};
  }
  if (i + 1 == bytes.size()) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

std::optional<std::string> CourierKeyFromAuthorization(std::string_view header) {
  constexpr std::string_view kBearer = "Bearer ";
  constexpr std::string_view kBasic = "Basic ";
  if (header.starts_with(kBearer)) {
    std::string key(header.substr(kBearer.size()));
    if (key.empty()) return std::nullopt;
    return key;
  }
  if (!header.starts_with(kBasic)) return std::nullopt;
  auto decoded = Base64Decode(header.substr(kBasic.size()));
  if (!decoded || decoded->empty()) return std::nullopt;
  // Courier: "email:key" -> the part after the first colon; otherwise the
  // final character is dropped, which removes Segment's trailing colon
  // (https://www.courier.com/docs/reference/authorization).
  auto colon = decoded->find(':');
  if (colon != std::string::npos && colon + 1 < decoded->size()) return decoded->substr(colon + 1);
  decoded->pop_back();
  if (decoded->empty()) return std::nullopt;
  return *decoded;
}

std::optional<std::string> WriteKeyFromBasic(std::string_view header) {
  constexpr std::string_view kBasic = "Basic ";
  if (!header.starts_with(kBasic)) return std::nullopt;
  auto decoded = Base64Decode(header.substr(kBasic.size()));
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  std::string key = decoded->substr(0, colon);
  if (key.empty()) return std::nullopt;
  return key;
}

std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('&', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view pair = text.substr(start, end - start);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      out.emplace_back(PercentDecode(pair.substr(0, eq)),
                       eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1)));
    }
    start = end + 1;
  }
  return out;
}

Json QueryToJson(const std::vector<std::pair<std::string, std::string>>& query) {
  if (query.empty()) return Json();  // ApiCall::query: null when there are none.
  Json out = Json::object();
  for (const auto& [name, value] : query) {
    if (!out.contains(name)) {
      out[name] = value;
    } else {
      Json& slot = out[name];
      if (!slot.is_array()) slot = Json::array({slot});
      slot.push_back(value);
    }
  }
  return out;
}

std::optional<std::string> QueryValue(const std::vector<std::pair<std::string, std::string>>& query,
                                      std::string_view name) {
  for (const auto& [n, v] : query) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace mock_courier::server
