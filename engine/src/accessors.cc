#include "accessors.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace mock_courier {
namespace {

const Json kUndefined = Json(Json::value_t::discarded);

bool IsUndefined(const Json& v) { return v.is_discarded(); }
bool IsNullish(const Json& v) { return v.is_null() || v.is_discarded(); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

double ToNumber(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  if (v.is_null()) return 0;
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    std::size_t b = s.find_first_not_of(" \t\n\r");
    if (b == std::string::npos) return 0;
    std::size_t e = s.find_last_not_of(" \t\n\r");
    std::string trimmed = s.substr(b, e - b + 1);
    char* end = nullptr;
    double d = std::strtod(trimmed.c_str(), &end);
    if (end != trimmed.c_str() + trimmed.size()) return std::numeric_limits<double>::quiet_NaN();
    return d;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

Json MakeNumber(double d) {
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
    return static_cast<std::int64_t>(d);
  }
  return d;
}

bool StrictEquals(const Json& a, const Json& b) {
  if (IsUndefined(a) || IsUndefined(b)) return IsUndefined(a) && IsUndefined(b);
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  if (a.type() != b.type()) return false;
  return a == b;
}

bool LooseEquals(const Json& a, const Json& b) {
  if (IsNullish(a) || IsNullish(b)) return IsNullish(a) && IsNullish(b);
  if (a.type() == b.type() || (a.is_number() && b.is_number())) return StrictEquals(a, b);
  if (a.is_structured() || b.is_structured()) {
    const Json& primitive = a.is_structured() ? b : a;
    const Json& object = a.is_structured() ? a : b;
    return LooseEquals(primitive, Json(JsString(object)));
  }
  return ToNumber(a) == ToNumber(b);
}

// A recursive-descent parser that evaluates as it parses. When `evaluate_`
// is false (the skipped side of && / ||), it only parses.
class ExpressionParser {
 public:
  ExpressionParser(std::string_view text, const Json& scope) : text_(text), scope_(scope) {}

  Result<Json> Run() {
    Json value = ParseOr();
    SkipSpace();
    if (error_.empty() && pos_ < text_.size())
      Fail("unexpected '" + std::string(1, text_[pos_]) + "'");
    if (!error_.empty()) {
      return Status::BadRequest("Invalid expression '" + std::string(text_) + "': " + error_);
    }
    return value;
  }

 private:
  void Fail(const std::string& message) {
    if (error_.empty()) error_ = message + " at offset " + std::to_string(pos_);
  }
  bool Failed() const { return !error_.empty(); }

  static constexpr int kMaxDepth = 100;
  int depth_ = 0;

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Peek(std::string_view token) {
    SkipSpace();
    return text_.substr(pos_, token.size()) == token;
  }
  bool Accept(std::string_view token) {
    if (!Peek(token)) return false;
    pos_ += token.size();
    return true;
  }

  Json ParseOr() {
    Json left = ParseAnd();
    while (!Failed() && Accept("||")) {
      bool saved = evaluate_;
      if (Truthy(left)) evaluate_ = false;
      Json right = ParseAnd();
      if (evaluate_) left = std::move(right);
      evaluate_ = saved;
    }
    return left;
  }

  Json ParseAnd() {
    Json left = ParseEquality();
    while (!Failed() && Accept("&&")) {
      bool saved = evaluate_;
      if (!Truthy(left) || IsUndefined(left)) evaluate_ = false;
      Json right = ParseEquality();
      if (evaluate_) left = std::move(right);
      evaluate_ = saved;
    }
    return left;
  }

  Json ParseEquality() {
    Json left = ParseRelational();
    while (!Failed()) {
      bool strict = false;
      bool negate = false;
      if (Accept("===")) {
        strict = true;
      } else if (Accept("!==")) {
        strict = true;
        negate = true;
      } else if (Accept("==")) {
      } else if (Accept("!=")) {
        negate = true;
      } else {
        break;
      }
      Json right = ParseRelational();
      bool equal = strict ? StrictEquals(left, right) : LooseEquals(left, right);
      left = negate ? !equal : equal;
    }
    return left;
  }

  Json ParseRelational() {
    Json left = ParseAdditive();
    while (!Failed()) {
      std::string op;
      if (Accept("<="))
        op = "<=";
      else if (Accept(">="))
        op = ">=";
      else if (Accept("<"))
        op = "<";
      else if (Accept(">"))
        op = ">";
      else
        break;
      Json right = ParseAdditive();
      bool result = false;
      if (left.is_string() && right.is_string()) {
        const auto& a = left.get_ref<const std::string&>();
        const auto& b = right.get_ref<const std::string&>();
        result = op == "<" ? a < b : op == "<=" ? a <= b : op == ">" ? a > b : a >= b;
      } else {
        double a = ToNumber(left);
        double b = ToNumber(right);
        result = op == "<" ? a < b : op == "<=" ? a <= b : op == ">" ? a > b : a >= b;
      }
      left = result;
    }
    return left;
  }

  Json ParseAdditive() {
    Json left = ParseUnary();
    while (!Failed()) {
      if (Accept("+")) {
        Json right = ParseUnary();
        if (left.is_string() || right.is_string() || left.is_structured() ||
            right.is_structured()) {
          left = JsString(left) + JsString(right);
        } else {
          left = MakeNumber(ToNumber(left) + ToNumber(right));
        }
      } else if (Accept("-")) {
        Json right = ParseUnary();
        left = MakeNumber(ToNumber(left) - ToNumber(right));
      } else {
        break;
      }
    }
    return left;
  }

  // Every nesting ("(", "!", "-", "${", "[") passes here, a few frames of
  // this recursive descent each: bounded, so that a long run of "(" is an
  // error and not a stack overflow (found by accessor_fuzz).
  Json ParseUnary() {
    if (depth_ >= kMaxDepth) {
      Fail("expression nests deeper than " + std::to_string(kMaxDepth) + " levels");
      return kUndefined;
    }
    ++depth_;
    Json value = ParseUnaryUnbounded();
    --depth_;
    return value;
  }

  Json ParseUnaryUnbounded() {
    if (Peek("!") && !Peek("!=")) {
      Accept("!");
      Json operand = ParseUnary();
      return !Truthy(operand);
    }
    if (Accept("-")) return MakeNumber(-ToNumber(ParseUnary()));
    return ParsePostfix();
  }

  // A primary expression followed by member accesses.
  Json ParsePostfix() {
    SkipSpace();
    if (pos_ >= text_.size()) {
      Fail("unexpected end of expression");
      return kUndefined;
    }
    char c = text_[pos_];
    Json value;
    if (c == '(') {
      ++pos_;
      value = ParseOr();
      if (!Accept(")")) Fail("expected ')'");
    } else if (c == '\'' || c == '"') {
      value = ParseQuoted(c);
    } else if (c == '`') {
      value = ParseTemplateLiteral();
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      value = ParseNumber();
    } else if (IsIdentStart(c)) {
      std::string name = ParseIdentifier();
      if (name == "true") return true;
      if (name == "false") return false;
      if (name == "null") return nullptr;
      if (name == "undefined") return kUndefined;
      auto it = scope_.find(name);
      if (it == scope_.end()) {
        if (evaluate_) Fail(name + " is not defined");
        value = kUndefined;
      } else {
        value = *it;
      }
    } else {
      Fail("unexpected '" + std::string(1, c) + "'");
      return kUndefined;
    }
    while (!Failed()) {
      std::string member;
      if (Accept("?.")) {
        if (IsNullish(value)) {
          // Optional chaining: parse the member and stay undefined.
          bool saved = evaluate_;
          evaluate_ = false;
          ParseMemberName(member);
          evaluate_ = saved;
          value = kUndefined;
          continue;
        }
        if (!ParseMemberName(member)) break;
      } else if (Peek(".") && !Peek("..")) {
        Accept(".");
        if (!ParseMemberName(member)) break;
      } else if (Accept("[")) {
        Json key = ParseOr();
        if (!Accept("]")) Fail("expected ']'");
        member = key.is_string() ? key.get<std::string>() : JsString(key);
      } else {
        break;
      }
      value = Member(value, member);
    }
    return value;
  }

  bool ParseMemberName(std::string& member) {
    SkipSpace();
    if (pos_ >= text_.size() || !IsIdentStart(text_[pos_])) {
      Fail("expected a property name");
      return false;
    }
    member = ParseIdentifier();
    return true;
  }

  Json Member(const Json& value, const std::string& member) {
    if (!evaluate_) return kUndefined;
    if (IsNullish(value)) {
      Fail("cannot read property '" + member + "' of " + JsString(value));
      return kUndefined;
    }
    if (value.is_object()) {
      auto it = value.find(member);
      return it == value.end() ? kUndefined : *it;
    }
    if (value.is_array()) {
      if (member == "length") return value.size();
      char* end = nullptr;
      unsigned long index = std::strtoul(member.c_str(), &end, 10);
      if (!member.empty() && *end == '\0' && index < value.size()) return value[index];
      return kUndefined;
    }
    if (value.is_string() && member == "length") {
      return value.get_ref<const std::string&>().size();
    }
    return kUndefined;
  }

  static bool IsIdentStart(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$';
  }

  std::string ParseIdentifier() {
    std::size_t start = pos_;
    while (pos_ < text_.size() &&
           (IsIdentStart(text_[pos_]) || std::isdigit(static_cast<unsigned char>(text_[pos_])))) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  Json ParseNumber() {
    std::size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.')) {
      ++pos_;
    }
    std::string digits(text_.substr(start, pos_ - start));
    char* end = nullptr;
    double d = std::strtod(digits.c_str(), &end);
    if (end != digits.c_str() + digits.size()) Fail("invalid number '" + digits + "'");
    return MakeNumber(d);
  }

  char ParseEscape() {
    if (pos_ >= text_.size()) return '\\';
    char e = text_[pos_++];
    switch (e) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      default:
        return e;
    }
  }

  Json ParseQuoted(char quote) {
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      char c = text_[pos_++];
      out += c == '\\' ? ParseEscape() : c;
    }
    if (pos_ >= text_.size()) {
      Fail("unterminated string");
      return kUndefined;
    }
    ++pos_;
    return out;
  }

  Json ParseTemplateLiteral() {
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '`') {
      if (text_.substr(pos_, 2) == "${") {
        pos_ += 2;
        Json part = ParseOr();
        if (!Accept("}")) {
          Fail("expected '}' in template literal");
          return kUndefined;
        }
        out += JsString(part);
        continue;
      }
      char c = text_[pos_++];
      out += c == '\\' ? ParseEscape() : c;
    }
    if (pos_ >= text_.size()) {
      Fail("unterminated template literal");
      return kUndefined;
    }
    ++pos_;
    return out;
  }

  std::string_view text_;
  const Json& scope_;
  std::size_t pos_ = 0;
  bool evaluate_ = true;
  std::string error_;
};

// The scope interpolations see: the context roots, and `refs` as the context
// itself (so "${refs.data.userId}" works as the designer writes it).
Json InterpolationScope(const RunContext& context) {
  Json scope = context.ToJson();
  for (const char* root : {"brand", "data", "profile", "recipient", "template"}) {
    if (!scope.contains(root)) scope[root] = nullptr;
  }
  scope["refs"] = scope;
  return scope;
}

}  // namespace

Json* RunContext::Root(std::string_view root, bool create) {
  if (root == "recipient") return &recipient_;
  if (root != "profile" && root != "brand") return nullptr;
  if (!rare_) {
    if (!create) return nullptr;
    rare_ = std::make_unique<Rare>();
  }
  return root == "profile" ? &rare_->profile : &rare_->brand;
}

RunContext::RunContext(const RunContext& other)
    : recipient_(other.recipient_),
      template_(other.template_),
      rare_(other.rare_ ? std::make_unique<Rare>(*other.rare_) : nullptr),
      data_(other.data_),
      packed_data_(other.packed_data_),
      data_keys_(other.data_keys_) {}

RunContext& RunContext::operator=(const RunContext& other) {
  if (this != &other) *this = RunContext(other);
  return *this;
}

RunContext::RunContext(Json context) {
  if (!context.is_object()) return;
  for (auto it = context.begin(); it != context.end(); ++it) {
    if (it.key() == "data") {
      data_ = Share(std::move(it.value()));
    } else if (it.key() == "template") {
      template_ = Share(std::move(it.value()));
    } else if (Json* slot = Root(it.key(), true)) {
      *slot = std::move(it.value());
    } else {
      if (!rare_) rare_ = std::make_unique<Rare>();
      if (!rare_->others.is_object()) rare_->others = Json::object();
      rare_->others[it.key()] = std::move(it.value());
    }
  }
}

const Json* RunContext::Find(std::string_view root) const {
  if (root == "data") {
    if (!data_ && packed_data_) data_ = Share(packed_data_.Unpack(*data_keys_));
    return data_ ? data_.get() : nullptr;
  }
  if (root == "template") return template_.get();
  if (const Json* slot = Root(root)) return slot->is_discarded() ? nullptr : slot;
  if (!rare_ || !rare_->others.is_object()) return nullptr;
  auto it = rare_->others.find(root);
  return it == rare_->others.end() ? nullptr : &*it;
}

std::optional<Payload> RunContext::ObjectDataPayload() const {
  if (!data_ && packed_data_) {
    Payload packed(packed_data_, *data_keys_);
    if (packed.is_object()) return packed;
    return std::nullopt;
  }
  if (data_ && data_->is_object()) return Payload(data_);
  return std::nullopt;
}

std::optional<PackedJson::Cursor> RunContext::PackedDataAt(std::string_view dotted_path) const {
  const std::size_t dot = dotted_path.find('.');
  if (dotted_path.substr(0, dot) != "data" || data_ || !packed_data_) return std::nullopt;
  PackedJson::Cursor cursor(packed_data_, *data_keys_);
  if (dot != std::string_view::npos) cursor.StepPath(dotted_path.substr(dot + 1));
  return cursor;
}

std::optional<Json::value_t> RunContext::PackedDataType() const {
  std::optional<PackedJson::Cursor> packed = PackedDataAt("data");
  if (!packed) return std::nullopt;
  return packed->type();
}

std::optional<Json> RunContext::PathValue(std::string_view dotted_path) const {
  if (std::optional<PackedJson::Cursor> packed = PackedDataAt(dotted_path)) {
    if (!packed->valid()) return std::nullopt;
    return packed->Unpack();
  }
  const std::size_t dot = dotted_path.find('.');
  const Json* value = Find(dotted_path.substr(0, dot));
  if (value != nullptr && dot != std::string_view::npos) {
    value = FindPath(*value, dotted_path.substr(dot + 1));
  }
  if (value == nullptr) return std::nullopt;
  return *value;
}

std::optional<std::string> RunContext::PathString(std::string_view dotted_path) const {
  if (std::optional<PackedJson::Cursor> packed = PackedDataAt(dotted_path)) {
    std::optional<std::string_view> text = packed->String();  // nullopt when invalid.
    if (!text) return std::nullopt;
    return std::string(*text);
  }
  std::optional<Json> value = PathValue(dotted_path);
  if (!value || !value->is_string()) return std::nullopt;
  return std::move(value->get_ref<std::string&>());
}

const Json& RunContext::Get(std::string_view root) const {
  static const Json kNull;
  const Json* value = Find(root);
  return value == nullptr ? kNull : *value;
}

Json RunContext::ToJson() const {
  Json out = rare_ && rare_->others.is_object() ? rare_->others : Json::object();
  for (const char* root : {"brand", "profile", "recipient", "template"}) {
    if (const Json* value = Find(root)) out[root] = *value;
  }
  // Views unpack a compacted run's data without keeping the tree.
  if (data_) {
    out["data"] = *data_;
  } else if (packed_data_) {
    out["data"] = packed_data_.Unpack(*data_keys_);
  }
  return out;
}

void RunContext::Compact(JsonKeyTable& keys) {
  if (!packed_data_ && data_) {
    std::optional<PackedJson> packed = PackedJson::Pack(*data_, keys);
    if (!packed) return;  // Not JSON text (only in-process callers): kept as a tree.
    packed_data_ = std::move(*packed);
    data_keys_ = &keys;
  }
  data_.reset();
}

bool IsAccessor(const Json& value) {
  if (!value.is_object()) return false;
  auto it = value.find("$ref");
  return it != value.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

namespace {

// One step of Courier's getValue, `acc && acc[p] ? acc[p] : null`, without
// copies: the child `acc[property]` when getValue would take it, else null. A string's "length" is
// a new value, held in `length`.
const Json* StepIntoInPlace(const Json& acc, std::string_view property, Json& length) {
  static const Json kNull;
  if (!Truthy(acc)) return &kNull;
  if (acc.is_object()) {
    auto it = acc.find(property);
    return it != acc.end() && Truthy(*it) ? &*it : &kNull;
  }
  if (acc.is_array()) {
    if (property.empty() || property.size() > 9) return &kNull;
    std::size_t index = 0;
    for (char c : property) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return &kNull;
      index = index * 10 + static_cast<std::size_t>(c - '0');
    }
    return index < acc.size() && Truthy(acc[index]) ? &acc[index] : &kNull;
  }
  if (acc.is_string() && property == "length") {
    length = acc.get_ref<const std::string&>().size();
    return &length;
  }
  return &kNull;
}

}  // namespace

Json AccessorValue(std::string_view path, const RunContext& context, const Json& refs) {
  // Walks the path in place and copies only the value found (a path into an
  // event must not copy the whole event).
  static const Json kNull;
  std::size_t dot = path.find('.');
  const std::string_view root = path.substr(0, dot);
  const Json* acc = &kNull;
  auto ref = refs.is_object() ? refs.find(root) : refs.end();
  if (refs.is_object() && ref != refs.end()) {
    acc = &*ref;
  } else if (const Json* value = context.Find(root)) {
    acc = value;
  }
  Json length;
  while (dot != std::string_view::npos) {
    const std::size_t start = dot + 1;
    dot = path.find('.', start);
    acc = StepIntoInPlace(
        *acc, path.substr(start, dot == std::string_view::npos ? dot : dot - start), length);
  }
  return *acc;
}

bool HasAccessors(const Json& value) {
  if (IsAccessor(value)) return true;
  if (value.is_object() || value.is_array()) {
    for (const Json& item : value) {
      if (HasAccessors(item)) return true;
    }
  }
  return false;
}

Json ApplyAccessors(const Json& value, const RunContext& context, const Json& refs) {
  if (IsAccessor(value)) {
    return AccessorValue(value["$ref"].get_ref<const std::string&>(), context, refs);
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      out[it.key()] = ApplyAccessors(it.value(), context, refs);
    }
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& item : value) out.push_back(ApplyAccessors(item, context, refs));
    return out;
  }
  return value;
}

std::optional<Json> LookupRefsPath(std::string_view text, const RunContext& context,
                                   std::string* note) {
  std::string_view path = text.substr(5);  // After "refs.".
  if (path.empty()) return std::nullopt;
  // The exact path: its first segment names a root.
  if (std::optional<Json> exact = context.PathValue(path)) {
    if (exact->is_null()) return std::nullopt;
    return exact;
  }
  // Case-insensitive fallback, segment by segment (rare: over a copy).
  const Json whole = context.ToJson();
  const Json* node = &whole;
  std::string used;
  for (const std::string_view part : SplitOn(path, '.')) {
    if (!node->is_object()) return std::nullopt;
    const Json* next = nullptr;
    std::string key;
    auto exact = node->find(part);
    if (exact != node->end()) {
      next = &*exact;
      key = part;
    } else {
      std::string lower = Lower(part);
      for (auto it = node->begin(); it != node->end(); ++it) {
        if (Lower(it.key()) == lower) {
          next = &it.value();
          key = it.key();
          break;
        }
      }
    }
    if (next == nullptr) return std::nullopt;
    used += (used.empty() ? "" : ".") + key;
    node = next;
  }
  if (node->is_null()) return std::nullopt;
  if (note != nullptr) {
    *note = "'" + std::string(text) +
            "' has no exact match; resolved case-insensitively to 'refs." + used + "'";
  }
  return *node;
}

std::string JsString(const Json& value) {
  switch (value.type()) {
    case Json::value_t::discarded:
      return "undefined";
    case Json::value_t::null:
      return "null";
    case Json::value_t::string:
      return value.get<std::string>();
    case Json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case Json::value_t::number_float: {
      double d = value.get<double>();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      if (d == std::floor(d) && std::fabs(d) < 1e21) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.0f", d);
        return buffer;
      }
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.17g", d);
      // Shortest representation that round-trips, as JavaScript prints it.
      for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buffer, sizeof buffer, "%.*g", precision, d);
        if (std::strtod(buffer, nullptr) == d) break;
      }
      return buffer;
    }
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return value.dump();
    case Json::value_t::array: {
      std::string out;
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out += ",";
        if (!IsNullish(value[i])) out += JsString(value[i]);
      }
      return out;
    }
    default:
      return "[object Object]";
  }
}

Result<Json> EvaluateExpression(std::string_view expression, const Json& scope) {
  return ExpressionParser(expression, scope).Run();
}

ResolvedToken ResolveCancelationToken(const std::string& expression, const RunContext& context) {
  ResolvedToken out;
  if (expression.rfind("refs.", 0) == 0) {
    // The usual token, a string at the exact path (refs.data.userId), read
    // without a JSON value in between; anything else takes the lookup below.
    if (std::optional<std::string> text =
            context.PathString(std::string_view(expression).substr(5))) {
      out.token = std::move(*text);
      return out;
    }
    std::string note;
    std::optional<Json> value = LookupRefsPath(expression, context, &note);
    if (!note.empty()) out.diagnostics.push_back("cancelation_token: " + note);
    if (!value || IsNullish(*value)) {
      out.diagnostics.push_back("cancelation_token '" + expression +
                                "' resolved to nothing: the run has no cancelation token");
      return out;
    }
    out.token = JsString(*value);
    return out;
  }
  if (expression.size() >= 3 && expression.rfind("${", 0) == 0 && expression.back() == '}') {
    std::string_view inner(expression);
    inner = inner.substr(2, inner.size() - 3);
    Result<Json> value = EvaluateExpression(inner, InterpolationScope(context));
    if (!value.ok()) {
      out.diagnostics.push_back("cancelation_token '" + expression +
                                "' could not be interpolated (" + value.status().message() +
                                "): the run has no cancelation token");
      return out;
    }
    if (IsNullish(*value)) {
      out.diagnostics.push_back("cancelation_token '" + expression +
                                "' resolved to nothing: the run has no cancelation token");
      return out;
    }
    out.token = JsString(*value);
    return out;
  }
  out.token = expression;
  return out;
}

}  // namespace mock_courier
