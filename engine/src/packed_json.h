// PackedJson: a JSON value packed into one buffer, for values that are held
// long and read rarely (the data of a waiting automation run). Internal to
// the engine.
//
// A parsed nlohmann tree takes one allocation per value and per object key
// (several KB for a Segment event); JSON text takes one, but every key is
// spelled out in every value, and reading it back means parsing numbers and
// escapes. A packed value is one allocation with object keys replaced by
// their number in a JsonKeyTable that the values of a workspace share (a
// Segment event's ~25 keys repeat in every event), strings stored as length
// and bytes, timestamps in FormatIso8601's form as their epoch ms, and
// numbers in binary (varint integers, IEEE doubles). A ~560-byte Segment
// event packs into ~280 bytes, and unpacks to a tree equal to the one packed
// (same types, same numbers, same bytes).
//
// Format: one tag byte per value; 0x80 | n is a string of n < 128 bytes;
// arrays and objects start with their byte length (a cursor steps over one
// in a single move); objects list their members in the tree's (sorted) order,
// each key a varint (2k: key k of the table; 2n + 1: n bytes inline follow,
// once the table is full).
//
// Not thread-safe: the owner's lock guards a table and what it packs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "json_util.h"
#include "prefetch.h"

namespace mock_courier {

// One member read by ReadFields: its type (discarded when absent) and, for a
// string, its text.
struct JsonField {
  Json::value_t type = Json::value_t::discarded;
  std::string text;
  bool present() const { return type != Json::value_t::discarded; }
  bool is_string() const { return type == Json::value_t::string; }
};

// Object keys by number, shared by the values one owner packs. Append-only
// up to `capacity` keys of at most kMaxKeyBytes (other keys are packed
// inline), so that a workspace fed free-form keys (a property named after
// each order, a key of a megabyte) cannot grow it without bound; Clear only
// when no packed value needs it.
class JsonKeyTable {
 public:
  static constexpr std::size_t kMaxKeyBytes = 64;
  explicit JsonKeyTable(std::size_t capacity = 4096) : capacity_(capacity) {}
  JsonKeyTable(const JsonKeyTable&) = delete;
  JsonKeyTable& operator=(const JsonKeyTable&) = delete;

  // The number of `key`, added when new; nullopt when the table is full or
  // the key is longer than kMaxKeyBytes.
  std::optional<std::uint32_t> Intern(std::string_view key);
  // Intern, trying first the key that followed the same `context` last time
  // (one compare instead of a hash and a probe). An event stream repeats its
  // shape, so a key is mostly the one that came after the previous key last
  // time. `context` is kNoContext (no guess) or from NextContext or
  // FirstContext; a wrong guess only costs the compare.
  static constexpr std::uint32_t kNoContext = 0;
  std::optional<std::uint32_t> InternAfter(std::uint32_t context, std::string_view key);
  // The context of the key after key number `n` in the same object.
  static std::uint32_t NextContext(std::uint32_t n) { return 2 * n + 2; }
  // The context of an object's first key: `n` is the number of the key whose
  // value the object is (or the last key read before it), or nullopt.
  static std::uint32_t FirstContext(std::optional<std::uint32_t> n) { return n ? 2 * *n + 3 : 1; }
  // The number of `key` when the table has it (nothing is added).
  std::optional<std::uint32_t> Find(std::string_view key) const;
  // Key number `n` (which Intern returned).
  std::string_view Key(std::uint32_t n) const { return views_[n]; }
  std::size_t size() const { return keys_.size(); }
  // Whether a key of at most kMaxKeyBytes can have been packed inline: only
  // once the table was full (it never shrinks but by Clear).
  bool full() const { return keys_.size() >= capacity_; }
  void Clear();

 private:
  // The slot holding `key` (whose HashBytes is `hash`), or the empty slot
  // where it would go (slots_ must not be empty; it is never full).
  std::size_t SlotOf(std::string_view key, std::uint64_t hash) const;
  void Rehash(std::size_t slots);

  std::size_t capacity_;
  std::deque<std::string> keys_;         // Never moved: views_ point into them.
  std::vector<std::string_view> views_;  // keys_ by number, without deque's steps.
  // Open addressing, linear probing, at most half full; a power of two. A
  // slot holds the key's number + 1 (0: empty) in its low half and its hash's
  // high half in the other, so a probe compares bytes only on a likely hit.
  // An event's ~25 lookups were a tenth of its ingest with
  // std::unordered_map's hash.
  std::vector<std::uint64_t> slots_;
  // By context (InternAfter): the number + 1 of the key that came last in
  // it, or 0. At most max(64, 2 * capacity + 2) entries.
  std::vector<std::uint32_t> guesses_;
};

// One packed value: 8 bytes (a pointer to its length-prefixed buffer), or
// empty.
class PackedJson {
 public:
  PackedJson() = default;
  PackedJson(const PackedJson& other);
  PackedJson& operator=(const PackedJson& other);
  PackedJson(PackedJson&&) noexcept = default;
  PackedJson& operator=(PackedJson&&) noexcept = default;

  // Packs `value`; nullopt for what JSON text cannot hold (binary values,
  // discarded values), which the caller keeps as a tree.
  static std::optional<PackedJson> Pack(const Json& value, JsonKeyTable& keys);
  // Packs JSON text directly, with no tree: the value equals what Pack packs
  // from ParseJson's tree of `text` (same types, numbers, bytes; members in
  // key order, the last of a repeated key). nullopt for text ParseJson's fast
  // path does not read (IsPlainJsonText is false: any error, nesting past
  // kMaxJsonDepth, an underflow), which the caller parses.
  static std::optional<PackedJson> PackText(std::string_view text, JsonKeyTable& keys);
  // The value packed, with the table it was packed with.
  Json Unpack(const JsonKeyTable& keys) const;

  explicit operator bool() const { return bytes_ != nullptr; }
  // The packed bytes (without the length prefix).
  std::string_view bytes() const;
  // Asks for the block of the bytes, for freeing it (prefetch.h).
  void PrefetchBlock() const {
    if (bytes_) mock_courier::PrefetchBlock(bytes_.get());
  }

  // A position in a packed value, for reading a path of it without unpacking
  // the rest (a template's {{data.properties.item}} out of a whole event).
  class Cursor {
   public:
    Cursor(const PackedJson& value, const JsonKeyTable& keys) : at_(value.bytes()), keys_(&keys) {}
    // False once a step has led nowhere (or for an empty PackedJson).
    bool valid() const { return !at_.empty(); }
    bool is_object() const;
    // Steps into one segment by FindPath's rules (json_util.h): an object's
    // member named `segment`, or an array's item at decimal `segment`;
    // anything else leaves the cursor invalid. Returns valid().
    bool Step(std::string_view segment);
    // Steps along a dotted path, segment by segment (an empty segment leads
    // nowhere, as in FindPath). Returns valid().
    bool StepPath(std::string_view dotted_path);
    // The value here, unpacked (null when invalid).
    Json Unpack() const;
    // The bytes of the string here, as stored; nullopt for anything else, and
    // for a timestamp (packed as a time: Unpack writes its text).
    std::optional<std::string_view> String() const;
    // The type of the value here as Unpack gives it (a timestamp is a
    // string); discarded when invalid.
    Json::value_t type() const;
    // The members named `names` of the object here, in one scan of its
    // members (Payload::ReadFields).
    void ReadFields(std::span<const std::string_view> names, std::span<JsonField> out) const;

   private:
    std::string_view at_;  // From the value here to the end of the buffer.
    const JsonKeyTable* keys_;
  };

 private:
  // The value in `out` (4 bytes left for the length, then the value), copied
  // into a buffer of its size.
  static PackedJson FromScratch(std::string& out);

  std::unique_ptr<std::uint8_t[]> bytes_;  // 4-byte length, then the value.
};

// A free-form payload (a send's data) held by the records that share it:
// a parsed tree, shared; or a packed value with the table it was packed with,
// which is how a waiting run's data reaches the message its send step creates
// (unpacking the whole event for a send that reads two of its fields was a
// quarter of a fired run's allocations). Copies of a packed payload copy its
// one buffer. The table must outlive the payload's reads (the workspace
// clears it only with the runs and messages that use it).
//
// A third form is an object's JSON text, shared with the journal entry that
// holds the request it came from: a message keeps its data that way once it
// is final, when only views read it (see KeepFinalDataAsText, messaging.h).
// Its cursor is invalid; ToJson parses it.
class Payload {
 public:
  // The shared empty object.
  Payload();
  Payload(SharedJson tree);  // NOLINT(google-explicit-constructor): a tree is a payload.
  Payload(PackedJson packed, const JsonKeyTable& keys);
  // `text` must hold a JSON object, as ParseJson reads it.
  static Payload Text(std::shared_ptr<const std::string> text);

  bool is_object() const;
  // The tree, or nullptr for a packed or text payload.
  const Json* tree() const { return tree_.get(); }
  // The text, or nullptr for a tree or packed payload.
  const std::string* text() const { return text_.get(); }
  // The packed value's cursor at its root (invalid unless packed).
  PackedJson::Cursor Cursor() const { return PackedJson::Cursor(packed_, *keys_); }
  // The value as a tree (a copy: for views).
  Json ToJson() const;

  // Reading one path (FindPath's rules, json_util.h; "" is the whole value)
  // of a tree or packed payload without unpacking the rest (a text payload is
  // parsed): a copy of the value there; nullopt when absent.
  std::optional<Json> ValueAt(std::string_view path) const;
  // The members named `names` of the object at `path`, each into the
  // JsonField at its position in `out` (out.size() >= names.size()): one
  // scan of a packed object's members for a handful of fields read together
  // (an inbound event's), instead of a lookup from the root per field. Any
  // other value, or no value, leaves every field absent.
  void ReadFields(std::string_view path, std::span<const std::string_view> names,
                  std::span<JsonField> out) const;

  // Asks for the blocks this payload holds, for dropping it (prefetch.h).
  void PrefetchBlocks() const {
    PrefetchSharedBlock(tree_);
    PrefetchSharedBlock(text_);
    packed_.PrefetchBlock();
  }

  // The tree, shared (null unless a tree payload).
  const SharedJson& shared_tree() const { return tree_; }
  // The packed value (empty unless a packed payload) and its key table.
  const PackedJson& packed() const { return packed_; }
  const JsonKeyTable& keys() const { return *keys_; }

 private:
  SharedJson tree_;
  PackedJson packed_;
  const JsonKeyTable* keys_;
  std::shared_ptr<const std::string> text_;
};

}  // namespace mock_courier
