#include "json_util.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

namespace mock_courier {

JoinedText::JoinedText(std::string_view a, std::string_view b) {
  if (a.size() + b.size() <= sizeof inline_) {
    std::copy(a.begin(), a.end(), inline_);
    std::copy(b.begin(), b.end(), inline_ + a.size());
    view_ = std::string_view(inline_, a.size() + b.size());
  } else {
    heap_.reserve(a.size() + b.size());
    heap_.append(a).append(b);
    view_ = heap_;
  }
}

Json OneKey(const char* key, Json value) {
  Json out = Json::object();
  out[key] = std::move(value);
  return out;
}

namespace {

// Where a thread's serializer writes: the string of the call in progress.
class BufferAdapter : public nlohmann::detail::output_adapter_protocol<char> {
 public:
  void write_character(char c) override { target->push_back(c); }
  void write_characters(const char* s, std::size_t length) override { target->append(s, length); }
  std::string* target = nullptr;
};

// One serializer per thread: building one allocates (its adapter, its indent
// string). Its adapter writes into the string of the call in progress.
struct ThreadSerializer {
  std::shared_ptr<BufferAdapter> adapter = std::make_shared<BufferAdapter>();
  nlohmann::detail::serializer<Json> serializer{adapter, ' ', Json::error_handler_t::replace};

  void Write(const Json& value, std::string& out) {
    // Never re-entered: dump() does not call back into user code.
    adapter->target = &out;
    serializer.dump(value, /*pretty_print=*/false, /*ensure_ascii=*/false, /*indent_step=*/0);
    adapter->target = nullptr;
  }
};

ThreadSerializer& SerializerOfThisThread() {
  thread_local ThreadSerializer serializer;
  return serializer;
}

}  // namespace

std::vector<std::string_view> SplitOn(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    pieces.push_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return pieces;
    start = at + 1;
  }
}

std::string JsonText(const Json& value) {
  // Written into one scratch buffer per thread (dump() would grow its string
  // from empty), then copied out once, at its exact size.
  thread_local std::string scratch;
  scratch.clear();
  SerializerOfThisThread().Write(value, scratch);
  std::string out(scratch);
  if (scratch.capacity() > 64 * 1024) std::string().swap(scratch);  // Not held after a big one.
  return out;
}

void AppendJson(std::string& out, const Json& value) { SerializerOfThisThread().Write(value, out); }

namespace {

// Whether any of the 8 bytes in `word` needs escaping or is past ASCII:
// below 0x20, '"', '\\' or 0x80 and above. Exact (no byte is missed); the
// caller looks at the bytes one by one only when it says yes.
// (The zero-byte test is the classic (v - 0x01..) & ~v & 0x80..; a byte
// below 0x20 is found the same way with 0x20 for 0x01.)
bool WordNeedsEscape(std::uint64_t word) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  auto has_zero = [](std::uint64_t v) { return ((v - kOnes) & ~v & kHighs) != 0; };
  const bool below_space = ((word - kOnes * 0x20) & ~word & kHighs) != 0;
  return below_space || (word & kHighs) != 0 || has_zero(word ^ (kOnes * '"')) ||
         has_zero(word ^ (kOnes * '\\'));
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  // ASCII (ids, event names, user ids) is escaped here without allocating,
  // copying each run of characters that need no escape in one append;
  // anything else goes through nlohmann, which also handles invalid UTF-8.
  // Plain runs are crossed 8 bytes at a time (under the HTTP mix and a clock
  // advance, most strings written are ids and names with nothing to escape).
  static constexpr char kHex[] = "0123456789abcdef";
  const std::size_t begin = out.size();
  out += '"';
  std::size_t plain = 0;  // Start of the run not yet copied.
  for (std::size_t i = 0; i < text.size(); ++i) {
    while (i + 8 <= text.size()) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, sizeof word);
      if (WordNeedsEscape(word)) break;
      i += 8;
    }
    if (i == text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) continue;
    if (c >= 0x80) {
      out.resize(begin);
      out += JsonText(Json(std::string(text)));
      return;
    }
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[(c >> 4) & 0xf];
        out += kHex[c & 0xf];
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out += '"';
}

const Json& NullJson() {
  static const Json null;
  return null;
}

const SharedJson& SharedEmptyObject() {
  static const SharedJson empty = Share(Json::object());
  return empty;
}

void DeepMerge(Json& target, const Json& patch) {
  if (!target.is_object()) target = Json::object();
  if (!patch.is_object()) return;
  // One lookup per key (contains, operator[] and operator[] again were three).
  auto& members = target.get_ref<Json::object_t&>();
  for (const auto& [key, value] : patch.get_ref<const Json::object_t&>()) {
    auto found = members.lower_bound(key);
    if (found == members.end() || found->first != key) {
      members.emplace_hint(found, key, value);
    } else if (value.is_object() && found->second.is_object()) {
      DeepMerge(found->second, value);
    } else {
      found->second = value;
    }
  }
}

const Json* FindPath(const Json& root, std::string_view dotted_path) {
  const Json* node = &root;
  size_t start = 0;
  while (start <= dotted_path.size()) {
    size_t dot = dotted_path.find('.', start);
    std::string_view segment = dotted_path.substr(
        start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (segment.empty()) return nullptr;
    if (node->is_object()) {
      auto it = node->find(std::string(segment));
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      // More digits than an index can have (and than size_t holds) lead nowhere.
      if (segment.size() > kMaxIndexDigits) return nullptr;
      size_t index = 0;
      for (char c : segment) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return nullptr;
        index = index * 10 + static_cast<size_t>(c - '0');
      }
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return node;
}

bool Truthy(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      return false;
    case Json::value_t::boolean:
      return value.get<bool>();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return value.get<double>() != 0.0;
    case Json::value_t::string:
      return !value.get_ref<const std::string&>().empty();
    default:
      return true;
  }
}

namespace {

// True for a pointer token that addresses an array element: "-" or an index.
bool IsArrayToken(const std::string& token) {
  return token == "-" ||
         (!token.empty() && std::all_of(token.begin(), token.end(),
                                        [](unsigned char c) { return std::isdigit(c) != 0; }));
}

// Creates the missing parent containers of a JSON pointer path, as Courier's
// PATCH does (https://www.courier.com/docs/reference/profiles/by-id/): an array when the child
// token is an index or
// "-", otherwise an object. Returns false, creating nothing more, when a
// missing parent would sit at an index past the end of an array (or of a
// null, which nlohmann turns into one): nlohmann fills the gap, so
// "/a/22222222222/b" would allocate without bound (found by json_patch_fuzz).
bool CreateParents(Json& document, const Json::json_pointer& pointer) {
  if (pointer.empty()) return true;
  Json::json_pointer parent = pointer.parent_pointer();
  if (parent.empty() || document.contains(parent)) return true;
  if (!CreateParents(document, parent)) return false;
  const Json::json_pointer grandparent = parent.parent_pointer();
  if (document.contains(grandparent)) {
    const Json& container = document.at(grandparent);
    const std::string& token = parent.back();
    if ((container.is_array() || container.is_null()) && token != "-" && IsArrayToken(token)) {
      const std::size_t size = container.is_array() ? container.size() : 0;
      if (token.size() > 9 || std::stoul(token) > size) return false;
    }
  }
  document[parent] = IsArrayToken(pointer.back()) ? Json::array() : Json::object();
  return true;
}

}  // namespace

Status ApplyJsonPatch(Json& document, const Json& patch) {
  if (!patch.is_array()) return Status::BadRequest("patch must be an array of operations");
  Json working = document;
  for (size_t i = 0; i < patch.size(); ++i) {
    const Json& op = patch[i];
    if (!op.is_object() || !op.contains("op") || !op["op"].is_string() || !op.contains("path") ||
        !op["path"].is_string()) {
      return Status::BadRequest("Invalid patch operation at index " + std::to_string(i) +
                                ": 'op' and 'path' are required strings");
    }
    const std::string& name = op["op"].get_ref<const std::string&>();
    try {
      Json::json_pointer pointer(op["path"].get<std::string>());
      if (name == "add" || name == "replace") {
        if (!op.contains("value")) {
          return Status::BadRequest("Invalid patch operation at index " + std::to_string(i) +
                                    ": '" + name + "' requires 'value'");
        }
        if (!CreateParents(working, pointer)) {
          return Status::BadRequest("Invalid patch operation at index " + std::to_string(i) + " (" +
                                    name + " " + op["path"].get<std::string>() +
                                    "): array index out of range");
        }
      }
      working = working.patch(Json::array({op}));
    } catch (const Json::exception& e) {
      return Status::BadRequest("Invalid patch operation at index " + std::to_string(i) + " (" +
                                name + " " + op["path"].get<std::string>() + "): " + e.what());
    }
  }
  document = std::move(working);
  return Status::Ok();
}

void AppendTemplateValue(const Json* value, std::string& out) {
  if (value == nullptr) return;
  if (value->is_string()) {
    out += value->get_ref<const std::string&>();
  } else {
    AppendJson(out, *value);
  }
}

std::string RenderTemplate(std::string_view text, const Json& variables) {
  std::string out;
  out.reserve(text.size());
  RenderTemplateTo(
      text,
      [&](std::string_view path, std::string& to) {
        AppendTemplateValue(FindPath(variables, path), to);
      },
      out);
  return out;
}

void RenderTemplateTo(std::string_view text,
                      const std::function<void(std::string_view, std::string&)>& append,
                      std::string& out) {
  SplitTemplate(
      text, [&](std::string_view literal) { out.append(literal); },
      [&](std::string_view path) { append(path, out); });
}

TemplateParts::TemplateParts(std::string_view text) {
  SplitTemplate(
      text, [&](std::string_view literal) { text_.append(literal); },
      [&](std::string_view path) {
        const std::size_t literal_end = text_.size();
        text_.append(path);
        parts_.push_back({literal_end, text_.size()});
      });
}

std::string JsonTypeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "number";
    default:
      return value.type_name();
  }
}

}  // namespace mock_courier
