#include "packed_json.h"

#include "json_text_reader.h"
#include "mock_courier/json_parse.h"
#include "mock_courier/time_format.h"
#include "string_hash.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>

namespace mock_courier {

namespace {

enum Tag : std::uint8_t {
  kNull = 0,
  kFalse = 1,
  kTrue = 2,
  kInteger = 3,    // Zigzag varint.
  kUnsigned = 4,   // Varint.
  kFloat = 5,      // 8 bytes, the double's bits.
  kString = 6,     // Varint length, then the bytes (strings of 128 bytes or more).
  kArray = 7,      // Varint byte length of the items, then the items.
  kObject = 8,     // Varint byte length of the members, then key and value per member.
  kTimestamp = 9,  // Zigzag varint epoch ms of a string FormatIso8601 writes back byte for byte.
  kShortString = 0x80,  // | length (< 128), then the bytes.
};

void PutVarint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutBytes(std::string& out, std::string_view bytes) { out.append(bytes); }

// Puts the byte length of what follows `start` in `out` before it, so that a
// reader skips a container in one step (a template's {{data.x}} steps past
// the event's `context` without reading its members).
void InsertLength(std::string& out, std::size_t start) {
  std::uint64_t length = out.size() - start;
  char varint[10];
  std::size_t n = 0;
  while (length >= 0x80) {
    varint[n++] = static_cast<char>((length & 0x7f) | 0x80);
    length >>= 7;
  }
  varint[n++] = static_cast<char>(length);
  out.insert(start, varint, n);
}

std::uint64_t ZigZag(std::int64_t n) {
  return (static_cast<std::uint64_t>(n) << 1) ^ static_cast<std::uint64_t>(n >> 63);
}
std::int64_t UnZigZag(std::uint64_t z) {
  return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
}

// The `width` decimal digits of `s` from `at`, or -1 when one is no digit.
int DigitsAt(std::string_view s, std::size_t at, int width) {
  int value = 0;
  for (int i = 0; i < width; ++i) {
    const unsigned digit = static_cast<unsigned char>(s[at + i]) - unsigned{'0'};
    if (digit > 9) return -1;
    value = value * 10 + static_cast<int>(digit);
  }
  return value;
}

// The epoch ms of `s` when it is a timestamp exactly as FormatIso8601 writes
// it ("2026-11-23T08:00:00.000Z", as Segment's timestamp, sentAt and
// receivedAt are): 24 bytes that pack into ~7. Read field by field, without
// writing it back (three per Segment event): fixed separators, a year of
// four digits, a valid date and a time of day within 23:59:59.999 are what
// FormatIso8601 writes, and all it writes in 24 bytes.
std::optional<TimePoint> CanonicalTimestamp(std::string_view s) {
  if (s.size() != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != '.' || s[23] != 'Z') {
    return std::nullopt;
  }
  const int year = DigitsAt(s, 0, 4);
  const int month = DigitsAt(s, 5, 2);
  const int day = DigitsAt(s, 8, 2);
  const int hour = DigitsAt(s, 11, 2);
  const int minute = DigitsAt(s, 14, 2);
  const int second = DigitsAt(s, 17, 2);
  const int milli = DigitsAt(s, 20, 3);
  if ((year | month | day | hour | minute | second | milli) < 0) return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  const TimePoint days = std::chrono::sys_days{date}.time_since_epoch().count();
  return days * kDay + hour * kHour + minute * kMinute + second * kSecond + milli;
}

void PutInteger(std::string& out, std::int64_t n) {
  out.push_back(static_cast<char>(kInteger));
  PutVarint(out, ZigZag(n));
}

void PutUnsigned(std::string& out, std::uint64_t n) {
  out.push_back(static_cast<char>(kUnsigned));
  PutVarint(out, n);
}

void PutFloat(std::string& out, double d) {
  char bits[sizeof d];
  std::memcpy(bits, &d, sizeof d);
  out.push_back(static_cast<char>(kFloat));
  out.append(bits, sizeof bits);
}

void PutString(std::string& out, std::string_view s) {
  if (std::optional<TimePoint> t = CanonicalTimestamp(s)) {
    out.push_back(static_cast<char>(kTimestamp));
    PutVarint(out, ZigZag(*t));
    return;
  }
  if (s.size() < 0x80) {
    out.push_back(static_cast<char>(kShortString | s.size()));
  } else {
    out.push_back(static_cast<char>(kString));
    PutVarint(out, s.size());
  }
  PutBytes(out, s);
}

// An object member's key: its number in `keys`, or its bytes inline.
// Returns the number, or nullopt when the key went inline.
std::optional<std::uint32_t> PutKey(std::string& out, JsonKeyTable& keys, std::string_view key,
                                    std::uint32_t context = JsonKeyTable::kNoContext) {
  const std::optional<std::uint32_t> n = keys.InternAfter(context, key);
  if (n) {
    PutVarint(out, std::uint64_t{*n} << 1);
  } else {
    PutVarint(out, (std::uint64_t{key.size()} << 1) | 1);
    PutBytes(out, key);
  }
  return n;
}

bool PackValue(const Json& value, JsonKeyTable& keys, std::string& out) {
  switch (value.type()) {
    case Json::value_t::null:
      out.push_back(static_cast<char>(kNull));
      return true;
    case Json::value_t::boolean:
      out.push_back(static_cast<char>(value.get<bool>() ? kTrue : kFalse));
      return true;
    case Json::value_t::number_integer:
      PutInteger(out, value.get<std::int64_t>());
      return true;
    case Json::value_t::number_unsigned:
      PutUnsigned(out, value.get<std::uint64_t>());
      return true;
    case Json::value_t::number_float:
      PutFloat(out, value.get<double>());
      return true;
    case Json::value_t::string:
      PutString(out, value.get_ref<const std::string&>());
      return true;
    case Json::value_t::array: {
      out.push_back(static_cast<char>(kArray));
      const std::size_t start = out.size();
      for (const Json& item : value) {
        if (!PackValue(item, keys, out)) return false;
      }
      InsertLength(out, start);
      return true;
    }
    case Json::value_t::object: {
      out.push_back(static_cast<char>(kObject));
      const std::size_t start = out.size();
      for (auto it = value.begin(); it != value.end(); ++it) {
        PutKey(out, keys, it.key());
        if (!PackValue(it.value(), keys, out)) return false;
      }
      InsertLength(out, start);
      return true;
    }
    case Json::value_t::binary:
    case Json::value_t::discarded:
      return false;
  }
  return false;
}

// JsonTextReader's builder for PackText: packs as the text is read, into
// `out`. An object's members are packed in the text's order, each key (its
// number) before its value, as Pack writes them. At the closing brace, when
// the keys were not already in strictly increasing order, the members are
// written again in key order (the order of the tree Pack packs) with the
// last of a repeated key, as nlohmann's tree keeps it. Segment libraries
// send keys in no particular order; text nlohmann dumped arrives sorted and
// is not moved. Its buffers keep their capacity (one per thread).
class TextPacker {
 public:
  struct Slot {};
  struct Object {
    std::size_t start;         // In out: just past the tag.
    std::size_t first_member;  // In members_.
    std::size_t key_bytes;     // key_bytes_'s size before the object's keys.
    bool in_order = true;      // Keys so far strictly increasing.
    std::uint32_t context;     // For the next key (JsonKeyTable::InternAfter).
  };
  using Array = std::size_t;  // In out: just past the tag.

  void Start(JsonKeyTable* keys) {
    keys_ = keys;
    out.assign(4, '\0');
    members_.clear();
    key_bytes_.clear();
    last_key_.reset();
  }

  void Null(Slot) { out.push_back(static_cast<char>(kNull)); }
  void Bool(Slot, bool value) { out.push_back(static_cast<char>(value ? kTrue : kFalse)); }
  void Integer(Slot, std::int64_t value) { PutInteger(out, value); }
  void Unsigned(Slot, std::uint64_t value) { PutUnsigned(out, value); }
  void Float(Slot, double value) { PutFloat(out, value); }
  void String(Slot, std::string_view text) { PutString(out, text); }

  Object BeginObject(Slot) {
    out.push_back(static_cast<char>(kObject));
    return Object{out.size(), members_.size(), key_bytes_.size(), true,
                  JsonKeyTable::FirstContext(last_key_)};
  }
  Slot Member(Object& object, std::string_view key) {
    const Member_ member{key_bytes_.size(), key.size(), KeyPrefix(key), out.size(), 0};
    if (object.in_order && members_.size() > object.first_member &&
        !Less(members_.back(), member, key)) {
      object.in_order = false;
    }
    members_.push_back(member);
    key_bytes_ += key;
    last_key_ = PutKey(out, *keys_, key, object.context);
    object.context = last_key_ ? JsonKeyTable::NextContext(*last_key_) : JsonKeyTable::kNoContext;
    return {};
  }
  void EndMember(Object&) { members_.back().end = out.size(); }
  bool EndObject(Object& object) {
    if (!object.in_order) Reorder(object);
    InsertLength(out, object.start);
    members_.resize(object.first_member);
    key_bytes_.resize(object.key_bytes);
    return true;
  }

  Array BeginArray(Slot) {
    out.push_back(static_cast<char>(kArray));
    return out.size();
  }
  Slot Item(Array&) { return {}; }
  bool EndArray(Array& start) {
    InsertLength(out, start);
    return true;
  }

  std::string& text_buffer() { return text_; }
  std::string& key_buffer() { return key_; }

  // Drops buffers a rare huge value grew.
  void Trim() {
    if (out.capacity() > 64 * 1024) out = std::string();
    if (rebuild_.capacity() > 64 * 1024) rebuild_ = std::string();
    if (key_bytes_.capacity() > 64 * 1024) key_bytes_ = std::string();
    if (text_.capacity() > 64 * 1024) text_ = std::string();
    if (members_.capacity() > 4096) members_ = {};
    if (order_.capacity() > 4096) order_ = {};
  }

  std::string out;  // A 4-byte length, then the value.

 private:
  // The number of the last key packed (the key of the value being read, when
  // an object begins), for InternAfter's context.
  std::optional<std::uint32_t> last_key_;
  struct Member_ {
    std::size_t key_at;  // In key_bytes_.
    std::size_t key_size;
    std::uint64_t prefix;  // KeyPrefix of the key.
    std::size_t begin;     // The member's bytes (key, then value) in out.
    std::size_t end;
  };

  // The key's first eight bytes, big-endian and zero-padded: unequal
  // prefixes order two keys as their bytes do, with no memcmp.
  static std::uint64_t KeyPrefix(std::string_view key) {
    std::uint64_t prefix = 0;
    if (key.size() >= 8) {
      // One load and a byte swap (a copy through a buffer first stalled on
      // store forwarding).
      std::uint64_t word;
      std::memcpy(&word, key.data(), 8);
      for (int i = 0; i < 8; ++i) prefix = (prefix << 8) | ((word >> (8 * i)) & 0xff);
      return prefix;
    }
    for (std::size_t i = 0; i < 8; ++i) {
      prefix = (prefix << 8) | (i < key.size() ? static_cast<unsigned char>(key[i]) : 0u);
    }
    return prefix;
  }
  std::string_view KeyOf(const Member_& m) const {
    return std::string_view(key_bytes_).substr(m.key_at, m.key_size);
  }
  // Whether `a`'s key sorts strictly before `b`'s (`b_key`, which may not be
  // in key_bytes_ yet).
  bool Less(const Member_& a, const Member_& b, std::string_view b_key) const {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return KeyOf(a) < b_key;
  }

  // Writes the object's members again in key order, the last of a repeated
  // key kept.
  void Reorder(const Object& object) {
    order_.clear();
    for (std::size_t i = object.first_member; i < members_.size(); ++i) order_.push_back(i);
    // Ties by position keep a repeated key's members in text order, so the
    // last is kept (std::sort: no buffer allocated, as std::stable_sort's
    // is, per object).
    std::sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) {
      const Member_& x = members_[a];
      const Member_& y = members_[b];
      if (x.prefix != y.prefix) return x.prefix < y.prefix;
      const int c = KeyOf(x).compare(KeyOf(y));
      return c != 0 ? c < 0 : a < b;
    });
    rebuild_.clear();
    for (std::size_t k = 0; k < order_.size(); ++k) {
      const Member_& m = members_[order_[k]];
      if (k + 1 < order_.size() && KeyOf(members_[order_[k + 1]]) == KeyOf(m)) continue;
      rebuild_.append(out, m.begin, m.end - m.begin);
    }
    out.resize(object.start);
    out += rebuild_;
  }

  JsonKeyTable* keys_ = nullptr;
  std::vector<Member_> members_;  // The open objects' members, innermost last.
  std::string key_bytes_;         // Their keys.
  std::vector<std::size_t> order_;
  std::string rebuild_;
  std::string text_;
  std::string key_;
};

// Reads what PackValue wrote. The bytes are the engine's own, so a short
// read is a bug: it throws rather than reading past the buffer.
class Reader {
 public:
  Reader(std::string_view bytes, const JsonKeyTable& keys)
      : at_(bytes.data()), end_(bytes.data() + bytes.size()), keys_(keys) {}

  Json Value() {
    const std::uint8_t tag = Byte();
    if (tag & kShortString) return Json(std::string(Take(tag & 0x7f)));
    switch (tag) {
      case kNull:
        return nullptr;
      case kFalse:
        return false;
      case kTrue:
        return true;
      case kInteger:
        return UnZigZag(Varint());
      case kTimestamp:
        return FormatIso8601(UnZigZag(Varint()));
      case kUnsigned:
        return Varint();
      case kFloat: {
        double d;
        std::memcpy(&d, Take(sizeof d).data(), sizeof d);
        return d;
      }
      case kString:
        return Json(std::string(Take(Varint())));
      case kArray: {
        Json array = Json::array();
        auto& items = array.get_ref<Json::array_t&>();
        Reader inner(Take(Varint()), keys_);
        while (!inner.done()) items.push_back(inner.Value());
        return array;
      }
      case kObject: {
        Json object = Json::object();
        auto& members = object.get_ref<Json::object_t&>();
        Reader inner(Take(Varint()), keys_);
        while (!inner.done()) {
          std::string key(inner.Key());
          members.emplace_hint(members.end(), std::move(key), inner.Value());
        }
        return object;
      }
      default:
        throw std::logic_error("PackedJson: unknown tag");
    }
  }

  bool done() const { return at_ == end_; }
  // What is left after the value read or skipped so far.
  std::string_view rest() const { return {at_, static_cast<std::size_t>(end_ - at_)}; }

  // Moves past one value without building it.
  void Skip() {
    const std::uint8_t tag = Byte();
    if (tag & kShortString) {
      Take(tag & 0x7f);
      return;
    }
    switch (tag) {
      case kNull:
      case kFalse:
      case kTrue:
        return;
      case kInteger:
      case kUnsigned:
      case kTimestamp:
        Varint();
        return;
      case kFloat:
        Take(sizeof(double));
        return;
      case kString:
        Take(Varint());
        return;
      case kArray:
      case kObject:
        Take(Varint());
        return;
      default:
        throw std::logic_error("PackedJson: unknown tag");
    }
  }

  // A string value's bytes (the tag must be a string's).
  std::string_view StringValue() {
    const std::uint8_t tag = Byte();
    return Take((tag & kShortString) != 0 ? tag & 0x7f : Varint());
  }

  // An object member's key.
  std::string_view Key() {
    const std::uint64_t k = KeyCode();
    return (k & 1) != 0 ? InlineKey(k) : keys_.Key(static_cast<std::uint32_t>(k >> 1));
  }
  // A member's key as packed: 2n for key n of the table, 2n + 1 for n bytes
  // inline, which InlineKey reads next.
  std::uint64_t KeyCode() { return Varint(); }
  std::string_view InlineKey(std::uint64_t code) { return Take(code >> 1); }

  // Reads a value's tag and, for a container, its items' or members' bytes.
  std::uint8_t Tag(std::string_view* contents) {
    const std::uint8_t tag = Byte();
    if (tag == kArray || tag == kObject) *contents = Take(Varint());
    return tag;
  }

 private:
  // Plain pointer steps: a cursor's scan reads a few bytes per member, and
  // string_view::substr's own checks were most of what a member cost.
  std::uint8_t Byte() {
    if (at_ == end_) Truncated();
    return static_cast<std::uint8_t>(*at_++);
  }
  std::string_view Take(std::uint64_t n) {
    if (n > static_cast<std::uint64_t>(end_ - at_)) Truncated();
    const std::string_view out(at_, static_cast<std::size_t>(n));
    at_ += n;
    return out;
  }
  std::uint64_t Varint() {
    // Most varints (key numbers, short lengths) are one byte.
    if (at_ != end_ && (static_cast<std::uint8_t>(*at_) & 0x80) == 0) {
      return static_cast<std::uint8_t>(*at_++);
    }
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = Byte();
      v |= std::uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw std::logic_error("PackedJson: bad varint");
  }
  [[noreturn]] static void Truncated() { throw std::logic_error("PackedJson: truncated"); }

  const char* at_;
  const char* end_;
  const JsonKeyTable& keys_;
};

}  // namespace

std::size_t JsonKeyTable::SlotOf(std::string_view key, std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  const std::uint64_t tag = hash >> 32;
  std::size_t at = hash & mask;
  for (;; at = (at + 1) & mask) {
    const std::uint64_t slot = slots_[at];
    if (slot == 0) return at;
    if ((slot >> 32) == tag && SameBytes(views_[(slot & 0xffffffffu) - 1], key)) return at;
  }
}

void JsonKeyTable::Rehash(std::size_t slots) {
  slots_.assign(slots, 0);
  for (std::uint32_t n = 0; n < views_.size(); ++n) {
    const std::uint64_t hash = HashBytes(views_[n]);
    slots_[SlotOf(views_[n], hash)] = ((hash >> 32) << 32) | (n + 1);
  }
}

std::optional<std::uint32_t> JsonKeyTable::Find(std::string_view key) const {
  if (key.size() > kMaxKeyBytes || slots_.empty()) return std::nullopt;
  const std::uint64_t slot = slots_[SlotOf(key, HashBytes(key))];
  if (slot == 0) return std::nullopt;
  return static_cast<std::uint32_t>(slot & 0xffffffffu) - 1;
}

std::optional<std::uint32_t> JsonKeyTable::Intern(std::string_view key) {
  if (key.size() > kMaxKeyBytes) return std::nullopt;
  if (slots_.empty()) Rehash(64);
  const std::uint64_t hash = HashBytes(key);
  const std::size_t at = SlotOf(key, hash);
  if (slots_[at] != 0) return static_cast<std::uint32_t>(slots_[at] & 0xffffffffu) - 1;
  if (keys_.size() >= capacity_) return std::nullopt;
  const auto n = static_cast<std::uint32_t>(keys_.size());
  views_.push_back(keys_.emplace_back(key));
  if (keys_.size() * 2 > slots_.size()) {
    Rehash(slots_.size() * 2);
  } else {
    slots_[at] = ((hash >> 32) << 32) | (n + 1);
  }
  return n;
}

std::optional<std::uint32_t> JsonKeyTable::InternAfter(std::uint32_t context,
                                                       std::string_view key) {
  if (context < guesses_.size()) {
    const std::uint32_t guess = guesses_[context];
    if (guess != 0 && SameBytes(views_[guess - 1], key)) return guess - 1;
  }
  const std::optional<std::uint32_t> n = Intern(key);
  if (n && context != kNoContext) {
    if (context >= guesses_.size()) guesses_.resize(std::max<std::size_t>(context + 1, 64), 0);
    guesses_[context] = *n + 1;
  }
  return n;
}

void JsonKeyTable::Clear() {
  guesses_ = {};
  slots_ = {};
  views_ = {};
  keys_ = {};
}

PackedJson::PackedJson(const PackedJson& other) {
  if (!other) return;
  const std::string_view b = other.bytes();
  bytes_ = std::make_unique<std::uint8_t[]>(4 + b.size());
  std::memcpy(bytes_.get(), other.bytes_.get(), 4 + b.size());
}

PackedJson& PackedJson::operator=(const PackedJson& other) {
  if (this != &other) *this = PackedJson(other);
  return *this;
}

PackedJson PackedJson::FromScratch(std::string& out) {
  const auto size = static_cast<std::uint32_t>(out.size() - 4);
  std::memcpy(out.data(), &size, 4);
  PackedJson packed;
  // make_unique<T[]> would zero the buffer first; it is overwritten at once.
  packed.bytes_.reset(new std::uint8_t[out.size()]);
  std::memcpy(packed.bytes_.get(), out.data(), out.size());
  return packed;
}

std::optional<PackedJson> PackedJson::Pack(const Json& value, JsonKeyTable& keys) {
  // Packed into a per-thread scratch buffer that keeps its capacity, then
  // copied once into a buffer of the exact size: one allocation a value.
  thread_local std::string out;
  out.assign(4, '\0');
  if (!PackValue(value, keys, out)) return std::nullopt;
  PackedJson packed = FromScratch(out);
  if (out.capacity() > 64 * 1024) out = std::string();  // A rare huge value: not kept.
  return packed;
}

std::optional<PackedJson> PackedJson::PackText(std::string_view text, JsonKeyTable& keys) {
  thread_local TextPacker packer;
  packer.Start(&keys);
  std::optional<PackedJson> packed;
  try {
    if (JsonTextReader<TextPacker>(text, kMaxJsonDepth, packer).Read({})) {
      packed = FromScratch(packer.out);
    }
  } catch (const std::bad_alloc&) {  // A huge value: the caller parses it.
  }
  packer.Trim();
  return packed;
}

std::string_view PackedJson::bytes() const {
  if (!bytes_) return {};
  std::uint32_t size;
  std::memcpy(&size, bytes_.get(), 4);
  return {reinterpret_cast<const char*>(bytes_.get()) + 4, size};
}

Json PackedJson::Unpack(const JsonKeyTable& keys) const {
  if (!bytes_) return nullptr;
  Reader reader(bytes(), keys);
  Json value = reader.Value();
  if (!reader.done()) throw std::logic_error("PackedJson: trailing bytes");
  return value;
}

bool PackedJson::Cursor::is_object() const {
  return valid() && static_cast<std::uint8_t>(at_[0]) == kObject;
}

bool PackedJson::Cursor::Step(std::string_view segment) {
  if (!valid()) return false;
  std::string_view contents;
  const std::uint8_t tag = Reader(at_, *keys_).Tag(&contents);
  Reader reader(contents, *keys_);  // The members or items, to their end.
  at_ = {};
  if (segment.empty()) return false;
  if (tag == kObject) {
    // Keys are compared by number: `segment`'s, when the table has it (a
    // table key is never also packed inline), else only inline keys can match.
    const std::optional<std::uint32_t> number = keys_->Find(segment);
    // A key the table lacks was packed inline only if it is long or the
    // table is full: otherwise no member has it (a template reading a key
    // the data lacks needs no scan).
    if (!number && segment.size() <= JsonKeyTable::kMaxKeyBytes && !keys_->full()) return false;
    while (!reader.done()) {
      const std::uint64_t k = reader.KeyCode();
      const bool match =
          (k & 1) != 0 ? reader.InlineKey(k) == segment : number && (k >> 1) == *number;
      if (match) {
        at_ = reader.rest();
        return true;
      }
      reader.Skip();
    }
    return false;
  }
  if (tag != kArray || segment.size() > kMaxIndexDigits) return false;
  std::uint64_t index = 0;
  for (char c : segment) {
    if (c < '0' || c > '9') return false;
    index = index * 10 + static_cast<std::uint64_t>(c - '0');
  }
  for (; index > 0 && !reader.done(); --index) reader.Skip();
  if (reader.done()) return false;  // Past the last item.
  at_ = reader.rest();
  return true;
}

bool PackedJson::Cursor::StepPath(std::string_view dotted_path) {
  std::size_t start = 0;
  while (valid()) {
    const std::size_t dot = dotted_path.find('.', start);
    if (!Step(dotted_path.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
  return false;
}

std::optional<std::string_view> PackedJson::Cursor::String() const {
  if (!valid()) return std::nullopt;
  const auto tag = static_cast<std::uint8_t>(at_[0]);
  if ((tag & kShortString) == 0 && tag != kString) return std::nullopt;
  Reader reader(at_, *keys_);
  return reader.StringValue();
}

void PackedJson::Cursor::ReadFields(std::span<const std::string_view> names,
                                    std::span<JsonField> out) const {
  for (std::size_t i = 0; i < names.size(); ++i) out[i] = JsonField();
  if (!is_object()) return;
  std::string_view contents;
  Reader(at_, *keys_).Tag(&contents);
  Reader reader(contents, *keys_);
  while (!reader.done()) {
    const std::string_view key = reader.Key();
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!SameBytes(names[i], key)) continue;
      Cursor value(*this);
      value.at_ = reader.rest();
      out[i].type = value.type();
      if (out[i].is_string()) {
        std::optional<std::string_view> bytes = value.String();
        out[i].text = bytes ? std::string(*bytes) : value.Unpack().get<std::string>();
      }
      break;
    }
    reader.Skip();
  }
}

Json::value_t PackedJson::Cursor::type() const {
  if (!valid()) return Json::value_t::discarded;
  const auto tag = static_cast<std::uint8_t>(at_[0]);
  if ((tag & kShortString) != 0) return Json::value_t::string;
  switch (tag) {
    case kNull:
      return Json::value_t::null;
    case kFalse:
    case kTrue:
      return Json::value_t::boolean;
    case kInteger:
      return Json::value_t::number_integer;
    case kUnsigned:
      return Json::value_t::number_unsigned;
    case kFloat:
      return Json::value_t::number_float;
    case kString:
    case kTimestamp:
      return Json::value_t::string;
    case kArray:
      return Json::value_t::array;
    case kObject:
      return Json::value_t::object;
    default:
      throw std::logic_error("PackedJson: unknown tag");
  }
}

Json PackedJson::Cursor::Unpack() const {
  if (!valid()) return nullptr;
  Reader reader(at_, *keys_);
  return reader.Value();
}

namespace {

// The table of payloads that are not packed: their cursor has nothing to read.
const JsonKeyTable& NoKeys() {
  static const JsonKeyTable keys(0);
  return keys;
}

}  // namespace

Payload::Payload() : tree_(SharedEmptyObject()), keys_(&NoKeys()) {}

Payload::Payload(SharedJson tree)
    : tree_(tree ? std::move(tree) : SharedEmptyObject()), keys_(&NoKeys()) {}

Payload::Payload(PackedJson packed, const JsonKeyTable& keys)
    : packed_(std::move(packed)), keys_(&keys) {}

Payload Payload::Text(std::shared_ptr<const std::string> text) {
  Payload payload;
  payload.tree_ = nullptr;
  payload.text_ = std::move(text);
  return payload;
}

bool Payload::is_object() const {
  if (text_) return true;  // Only objects are kept as text.
  return tree_ ? tree_->is_object() : Cursor().is_object();
}

Json Payload::ToJson() const {
  if (tree_) return *tree_;
  if (text_) {
    // The text parsed once already, into the tree it stands for; a failure
    // would be a bug, shown as the empty object rather than thrown into a view.
    Result<Json> parsed = ParseJson(*text_);
    return parsed.ok() ? std::move(parsed).value() : Json::object();
  }
  return packed_.Unpack(*keys_);
}

namespace {

// Reads `path` of `payload` with `read`, given the value there (nullptr when
// the path leads nowhere) as a tree, or a cursor for a packed payload.
template <typename FromTree, typename FromCursor>
auto ReadPath(const Payload& payload, std::string_view path, FromTree&& from_tree,
              FromCursor&& from_cursor) {
  const auto in_tree = [&](const Json& root) {
    return from_tree(path.empty() ? &root : FindPath(root, path));
  };
  if (const Json* tree = payload.tree()) return in_tree(*tree);
  if (payload.text() != nullptr) return in_tree(payload.ToJson());
  PackedJson::Cursor cursor = payload.Cursor();
  if (!path.empty()) cursor.StepPath(path);
  return from_cursor(cursor);
}

}  // namespace

std::optional<Json> Payload::ValueAt(std::string_view path) const {
  return ReadPath(
      *this, path,
      [](const Json* value) -> std::optional<Json> {
        if (value == nullptr) return std::nullopt;
        return *value;
      },
      [](const PackedJson::Cursor& cursor) -> std::optional<Json> {
        if (!cursor.valid()) return std::nullopt;
        return cursor.Unpack();
      });
}

void Payload::ReadFields(std::string_view path, std::span<const std::string_view> names,
                         std::span<JsonField> out) const {
  ReadPath(
      *this, path,
      [&](const Json* object) {
        for (std::size_t i = 0; i < names.size(); ++i) out[i] = JsonField();
        if (object == nullptr || !object->is_object()) return;
        for (std::size_t i = 0; i < names.size(); ++i) {
          auto it = object->find(names[i]);
          if (it == object->end()) continue;
          out[i].type = it->type();
          if (it->is_string()) out[i].text = it->get<std::string>();
        }
      },
      [&](const PackedJson::Cursor& cursor) { cursor.ReadFields(names, out); });
}

}  // namespace mock_courier
