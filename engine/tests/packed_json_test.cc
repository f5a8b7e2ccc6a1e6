// PackedJson: what a waiting run keeps of its data unpacks to the very tree
// that was packed (types, numbers, bytes), timestamps and keys included, and
// takes less room than the JSON text it replaced.
#include "packed_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "json_util.h"
#include "mock_courier/json_parse.h"
#include "mock_courier/time_format.h"

namespace mock_courier {
namespace {

// Whether `a` and `b` are the same tree: nlohmann's == treats 1, 1u and 1.0
// as equal, so types are compared too.
::testing::AssertionResult SameTree(const Json& a, const Json& b, const std::string& at = "$") {
  if (a.type() != b.type()) {
    return ::testing::AssertionFailure()
           << at << ": type " << a.type_name() << " vs " << b.type_name();
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return ::testing::AssertionFailure() << at << ": sizes differ";
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
      if (ia.key() != ib.key()) return ::testing::AssertionFailure() << at << ": keys differ";
      auto inner = SameTree(ia.value(), ib.value(), at + "." + ia.key());
      if (!inner) return inner;
    }
    return ::testing::AssertionSuccess();
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return ::testing::AssertionFailure() << at << ": sizes differ";
    for (std::size_t i = 0; i < a.size(); ++i) {
      auto inner = SameTree(a[i], b[i], at + "[" + std::to_string(i) + "]");
      if (!inner) return inner;
    }
    return ::testing::AssertionSuccess();
  }
  if (a.is_number_float()) {
    const double x = a.get<double>(), y = b.get<double>();
    if (std::memcmp(&x, &y, sizeof x) != 0) {
      return ::testing::AssertionFailure() << at << ": " << x << " vs " << y;
    }
    return ::testing::AssertionSuccess();
  }
  if (a != b) return ::testing::AssertionFailure() << at << ": " << a.dump() << " vs " << b.dump();
  return ::testing::AssertionSuccess();
}

Json RoundTrip(const Json& value, JsonKeyTable& keys) {
  std::optional<PackedJson> packed = PackedJson::Pack(value, keys);
  EXPECT_TRUE(packed.has_value());
  return packed ? packed->Unpack(keys) : Json();
}

// A Segment track as analytics.js sends it
// (https://segment.com/docs/connections/spec/common/).
Json SegmentTrack(int n) {
  return {{"anonymousId", "anon-" + std::to_string(n)},
          {"context",
           {{"ip", "203.0.113.7"},
            {"library", {{"name", "analytics.js"}, {"version", "4.1.0"}}},
            {"locale", "en-US"},
            {"page", {{"path", "/cart"}, {"url", "https://shop.example.com/cart"}}},
            {"userAgent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}}},
          {"event", "Checkout Page Visited"},
          {"integrations", Json::object()},
          {"messageId", "ajs-next-" + std::to_string(n)},
          {"properties",
           {{"cart_id", "cart-" + std::to_string(n)},
            {"item", "Boots"},
            {"total", 99.5},
            {"quantity", 2}}},
          {"receivedAt", "2026-11-23T08:00:00.120Z"},
          {"sentAt", "2026-11-23T08:00:00.100Z"},
          {"timestamp", "2026-11-23T08:00:00.000Z"},
          {"type", "track"},
          {"userId", "user-" + std::to_string(n)},
          {"version", 2}};
}

TEST(PackedJsonTest, ASegmentEventUnpacksToTheSameTreeInLessThanItsText) {
  JsonKeyTable keys;
  for (int n = 0; n < 3; ++n) {
    const Json event = SegmentTrack(n);
    std::optional<PackedJson> packed = PackedJson::Pack(event, keys);
    ASSERT_TRUE(packed);
    EXPECT_TRUE(SameTree(packed->Unpack(keys), event));
    const std::size_t text = JsonText(event).size();
    EXPECT_LT(packed->bytes().size() * 10, text * 6)
        << packed->bytes().size() << " packed bytes for " << text << " bytes of text";
  }
  // Every event shares the table: its keys are added once.
  EXPECT_EQ(keys.size(), 24u);
}

TEST(PackedJsonTest, EdgeValuesKeepTheirTypesAndBits) {
  JsonKeyTable keys;
  const std::string with_nul("a\0b", 3);
  const Json value = {
      {"int_min", std::numeric_limits<std::int64_t>::min()},
      {"int_max", std::numeric_limits<std::int64_t>::max()},
      {"minus_one", -1},
      {"zero", 0},
      {"unsigned_max", std::numeric_limits<std::uint64_t>::max()},
      {"negative_zero", -0.0},
      {"tenth", 0.1},
      {"huge", 1e300},
      {"tiny", 5e-324},
      {"whole_float", 2.0},
      {"empty_string", ""},
      {"nul_inside", with_nul},
      {"invalid_utf8", std::string("\xff\xfe", 2)},
      {"unicode", "Lisboa \xc3\xa9 \xf0\x9f\x9b\x92"},
      {"short_127", std::string(127, 'x')},
      {"long_128", std::string(128, 'y')},
      {"long_100k", std::string(100000, 'z')},
      {"empty_object", Json::object()},
      {"empty_array", Json::array()},
      {"", "empty key"},
      {"nested", {{"a", {{"b", {{"c", Json::array({1, -2, 3.5, nullptr, true, false})}}}}}}},
      {"booleans", {true, false}},
      {"null", nullptr}};
  const Json back = RoundTrip(value, keys);
  EXPECT_TRUE(SameTree(back, value));
  EXPECT_TRUE(back["unsigned_max"].is_number_unsigned());
  EXPECT_TRUE(back["zero"].is_number_integer());
  EXPECT_TRUE(std::signbit(back["negative_zero"].get<double>()));
  // Scalars and arrays pack as well as objects.
  for (const Json& scalar :
       {Json(nullptr), Json(true), Json(-7), Json(7u), Json(1.5), Json("s"), Json::array({1})}) {
    EXPECT_TRUE(SameTree(RoundTrip(scalar, keys), scalar)) << scalar.dump();
  }
}

TEST(PackedJsonTest, OnlyTimestampsFormatIso8601WritesBackArePackedAsTimes) {
  JsonKeyTable keys;
  const Json canonical = "2026-11-23T08:00:00.000Z";
  const std::optional<PackedJson> packed = PackedJson::Pack(canonical, keys);
  ASSERT_TRUE(packed);
  EXPECT_LT(packed->bytes().size(), 10u);  // A tag and a varint, not 25 bytes.
  EXPECT_TRUE(SameTree(packed->Unpack(keys), canonical));
  // Look-alikes that would not come back byte for byte stay strings.
  for (const char* text :
       {"2026-11-23T08:00:00Z", "2026-11-23T08:00:00.000+00:00", "2026-11-23t08:00:00.000z",
        "2026-13-01T00:00:00.000Z", "2026-02-30T00:00:00.000Z", "2026-11-23T24:00:00.000Z",
        "0000-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "2026-11-23T08:00:00,000Z",
        "20261123T080000.000000Z", "9999-12-31T23:59:59.999Z", "2026-11-23 08:00:00.000Z"}) {
    const Json value = text;
    EXPECT_TRUE(SameTree(RoundTrip(value, keys), value)) << text;
  }
}

// A string packs as a time exactly when FormatIso8601 writes back what
// ParseIso8601 read (the definition), checked against that definition for
// every day of years whose leap rules differ, the ends of the four-digit
// years, and each timestamp damaged at every place; and it comes back
// byte for byte either way.
TEST(PackedJsonTest, TimestampsPackAsTimesExactlyWhenTheyWriteBackAlike) {
  JsonKeyTable keys;
  const auto writes_back = [](const std::string& text) {
    const std::optional<TimePoint> t = ParseIso8601(text);
    return t && FormatIso8601(*t) == text;
  };
  std::vector<std::string> texts;
  std::mt19937_64 random(17);
  for (const char* year : {"0000", "1900", "1969", "2000", "2024", "2100", "9999"}) {
    const std::optional<TimePoint> year_start =
        ParseIso8601(std::string(year) + "-01-01T00:00:00Z");
    ASSERT_TRUE(year_start) << year;
    for (TimePoint day = 0; day < 366; ++day) {
      const auto in_day = static_cast<TimePoint>(random() % static_cast<std::uint64_t>(kDay));
      texts.push_back(FormatIso8601(*year_start + day * kDay + (day % 7 == 0 ? kDay - 1 : in_day)));
    }
  }
  const std::string sample = "2024-02-29T23:59:59.999Z";
  for (std::size_t at = 0; at < sample.size(); ++at) {
    for (char c : {'0', '1', '2', '3', '5', '6', '9', ':', '-', '.', 'T', 'Z', 't', ' ', '/'}) {
      std::string damaged = sample;
      damaged[at] = c;
      texts.push_back(damaged);
    }
  }
  std::size_t as_times = 0;
  for (const std::string& text : texts) {
    const std::optional<PackedJson> packed = PackedJson::PackText(Json(text).dump(), keys);
    ASSERT_TRUE(packed) << text;
    const bool as_time = packed->bytes().size() < 12;  // A tag and a varint, not 25 bytes.
    EXPECT_EQ(as_time, writes_back(text)) << text;
    EXPECT_EQ(packed->Unpack(keys), Json(text)) << text;
    as_times += as_time ? 1 : 0;
  }
  EXPECT_GT(as_times, 7u * 366 - 7);  // The generated ones (the last year ends at 9999).
}

TEST(PackedJsonTest, KeysPastTheTableCapacityArePackedInline) {
  JsonKeyTable keys(/*capacity=*/2);
  const Json value = {{"a", 1}, {"b", 2}, {"c", 3}, {"d", {{"a", 4}, {"e", 5}}}};
  EXPECT_TRUE(SameTree(RoundTrip(value, keys), value));
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys.Key(0), "a");
  EXPECT_EQ(keys.Key(1), "b");
}

TEST(PackedJsonTest, TheKeyTableNumbersKeysInOrderAndFindsThemAfterGrowing) {
  JsonKeyTable keys(/*capacity=*/3000);
  std::vector<std::string> added;
  for (int i = 0; i < 2000; ++i) {
    // Lengths 1..40 and shared prefixes: hash words and tails both vary.
    added.push_back(std::string(static_cast<std::size_t>(i % 40), 'p') + std::to_string(i));
    ASSERT_EQ(keys.Intern(added.back()), std::optional<std::uint32_t>(i)) << added.back();
  }
  for (std::uint32_t n = 0; n < added.size(); ++n) {
    ASSERT_EQ(keys.Find(added[n]), std::optional<std::uint32_t>(n)) << added[n];
    ASSERT_EQ(keys.Intern(added[n]), std::optional<std::uint32_t>(n));
    ASSERT_EQ(keys.Key(n), added[n]);
  }
  EXPECT_EQ(keys.size(), added.size());
  EXPECT_FALSE(keys.Find("not-a-key"));
  EXPECT_FALSE(keys.Find(std::string(JsonKeyTable::kMaxKeyBytes + 1, 'p')));
  EXPECT_FALSE(JsonKeyTable().Find("anything"));  // An empty table.
  keys.Clear();
  EXPECT_EQ(keys.size(), 0u);
  EXPECT_FALSE(keys.Find(added[0]));
  EXPECT_EQ(keys.Intern(added[5]), std::optional<std::uint32_t>(0));
}

// InternAfter guesses the key that last followed the same context, and a
// wrong guess (another key, a longer or shorter one) still gives the key's
// own number; Clear forgets the guesses with the keys.
TEST(PackedJsonTest, InternAfterGivesInternsNumberWhetherItsGuessHoldsOrNot) {
  JsonKeyTable keys;
  const std::uint32_t first = JsonKeyTable::FirstContext(std::nullopt);
  const std::optional<std::uint32_t> a = keys.InternAfter(first, "alpha");
  const std::optional<std::uint32_t> b = keys.InternAfter(JsonKeyTable::NextContext(*a), "beta");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(keys.InternAfter(first, "alpha"), a);                         // Guessed.
  EXPECT_EQ(keys.InternAfter(JsonKeyTable::NextContext(*a), "beta"), b);  // Guessed.
  for (const std::string_view other : {"alph", "alphas", "alphb", "beta"}) {
    const std::optional<std::uint32_t> n = keys.InternAfter(first, other);
    ASSERT_TRUE(n) << other;
    EXPECT_EQ(keys.Key(*n), other);
    EXPECT_EQ(keys.Find(other), n);
  }
  EXPECT_EQ(keys.InternAfter(first, "beta"), b);  // The last guess stored.
  EXPECT_EQ(keys.InternAfter(JsonKeyTable::kNoContext, "alpha"), a);
  const std::optional<std::uint32_t> gamma =
      keys.InternAfter(JsonKeyTable::FirstContext(b), "gamma");
  ASSERT_TRUE(gamma);
  EXPECT_EQ(keys.Key(*gamma), "gamma");
  EXPECT_EQ(keys.InternAfter(JsonKeyTable::FirstContext(b), "gamma"), gamma);
  EXPECT_EQ(keys.size(), 6u);
  keys.Clear();
  EXPECT_EQ(keys.InternAfter(first, "beta"), std::optional<std::uint32_t>(0));
  EXPECT_EQ(keys.Key(0), "beta");
  EXPECT_FALSE(keys.InternAfter(first, std::string(JsonKeyTable::kMaxKeyBytes + 1, 'k')));
}

TEST(PackedJsonTest, LongKeysArePackedInlineNotKeptInTheTable) {
  JsonKeyTable keys;
  const std::string longest(JsonKeyTable::kMaxKeyBytes, 'k');
  const std::string too_long(JsonKeyTable::kMaxKeyBytes + 1, 'k');
  const std::string huge(1 << 20, 'h');
  const Json value = {{longest, 1}, {too_long, 2}, {huge, 3}};
  EXPECT_TRUE(SameTree(RoundTrip(value, keys), value));
  EXPECT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys.Key(0), longest);
}

TEST(PackedJsonTest, WhatJsonTextCannotHoldIsRefused) {
  JsonKeyTable keys;
  EXPECT_FALSE(PackedJson::Pack(Json::binary({1, 2, 3}), keys));
  EXPECT_FALSE(PackedJson::Pack(Json{{"inner", Json(Json::value_t::discarded)}}, keys));
}

TEST(PackedJsonTest, CopiesHoldTheSameBytes) {
  JsonKeyTable keys;
  const Json event = SegmentTrack(7);
  const PackedJson packed = *PackedJson::Pack(event, keys);
  PackedJson copy = packed;
  PackedJson assigned;
  assigned = copy;
  EXPECT_EQ(copy.bytes(), packed.bytes());
  EXPECT_TRUE(SameTree(assigned.Unpack(keys), event));
  EXPECT_FALSE(PackedJson());
  EXPECT_TRUE(PackedJson().Unpack(keys).is_null());
}

// Random trees of every type, 2000 of them, seeded: each unpacks to itself.
Json RandomValue(std::mt19937_64& rng, int depth) {
  const int kind = static_cast<int>(rng() % (depth > 4 ? 7 : 9));
  switch (kind) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return static_cast<std::int64_t>(rng());
    case 3:
      return rng();
    case 4: {
      double d;
      const std::uint64_t bits = rng();
      std::memcpy(&d, &bits, sizeof d);
      return std::isfinite(d) ? Json(d) : Json(static_cast<double>(bits % 1000) / 7);
    }
    case 5: {
      std::string s(rng() % 200, '\0');
      for (char& c : s) c = static_cast<char>(rng() % 256);
      return s;
    }
    case 6:
      return FormatIso8601(static_cast<TimePoint>(rng() % 4000000000000ULL));
    case 7: {
      Json array = Json::array();
      for (std::uint64_t i = rng() % 6; i > 0; --i) array.push_back(RandomValue(rng, depth + 1));
      return array;
    }
    default: {
      Json object = Json::object();
      for (std::uint64_t i = rng() % 6; i > 0; --i) {
        object["k" + std::to_string(rng() % 50)] = RandomValue(rng, depth + 1);
      }
      return object;
    }
  }
}

TEST(PackedJsonTest, RandomTreesUnpackToThemselves) {
  std::mt19937_64 rng(20261130);
  JsonKeyTable keys(/*capacity=*/30);  // Small: both key forms are exercised.
  for (int i = 0; i < 2000; ++i) {
    const Json value = RandomValue(rng, 0);
    ASSERT_TRUE(SameTree(RoundTrip(value, keys), value)) << "tree " << i;
  }
  EXPECT_EQ(keys.size(), 30u);
}

// Every path into a tree, and a few that lead nowhere next to each: a
// member that is not there, an index past the end, a non-digit index, an
// empty segment, a step into a scalar.
void CollectPaths(const Json& value, const std::string& at, std::vector<std::string>& out) {
  const std::string prefix = at.empty() ? "" : at + ".";
  out.push_back(prefix + "missing");
  out.push_back(prefix + "99");
  out.push_back(prefix + "1x");
  // Indexes of more digits than FindPath reads: zero-padded, and one that
  // would wrap a 64-bit index round to 1.
  out.push_back(prefix + "0000000000000000000001");
  out.push_back(prefix + "18446744073709551617");
  out.push_back(at + ".");
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      out.push_back(prefix + it.key());
      CollectPaths(it.value(), prefix + it.key(), out);
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      out.push_back(prefix + std::to_string(i));
      CollectPaths(value[i], prefix + std::to_string(i), out);
    }
  }
}

TEST(PackedJsonTest, ACursorFindsWhatFindPathFinds) {
  std::mt19937_64 rng(20261201);
  JsonKeyTable keys(/*capacity=*/30);  // Both key forms.
  std::size_t found = 0, missed = 0;
  for (int i = 0; i < 500; ++i) {
    Json value = RandomValue(rng, 0);
    if (!value.is_object()) value = Json{{"k0", std::move(value)}, {"k1", {1, "two", nullptr}}};
    const PackedJson packed = *PackedJson::Pack(value, keys);
    std::vector<std::string> paths;
    CollectPaths(value, "", paths);
    for (const std::string& path : paths) {
      PackedJson::Cursor cursor(packed, keys);
      const bool stepped = cursor.StepPath(path);
      const Json* expected = FindPath(value, path);
      ASSERT_EQ(stepped, expected != nullptr) << "tree " << i << " path '" << path << "'";
      ASSERT_EQ(cursor.valid(), stepped);
      if (expected == nullptr) {
        EXPECT_TRUE(cursor.Unpack().is_null());
        ++missed;
        continue;
      }
      ASSERT_TRUE(SameTree(cursor.Unpack(), *expected)) << "tree " << i << " path '" << path << "'";
      EXPECT_EQ(cursor.is_object(), expected->is_object());
      if (std::optional<std::string_view> text = cursor.String()) {
        ASSERT_TRUE(expected->is_string());
        EXPECT_EQ(*text, expected->get_ref<const std::string&>());
      }
      ++found;
    }
  }
  // Both outcomes were exercised many times.
  EXPECT_GT(found, 2000u);
  EXPECT_GT(missed, 2000u);
}

TEST(PackedJsonTest, ACursorStepsOneSegmentAtATime) {
  JsonKeyTable keys;
  const Json event = SegmentTrack(3);
  const PackedJson packed = *PackedJson::Pack(event, keys);
  PackedJson::Cursor cursor(packed, keys);
  EXPECT_TRUE(cursor.is_object());
  ASSERT_TRUE(cursor.Step("properties"));
  PackedJson::Cursor properties = cursor;
  ASSERT_TRUE(cursor.Step("item"));
  EXPECT_EQ(cursor.Unpack(), "Boots");
  EXPECT_FALSE(cursor.is_object());
  EXPECT_FALSE(cursor.Step("length"));  // Not into a string.
  EXPECT_FALSE(cursor.valid());
  // A copy stays where it was.
  ASSERT_TRUE(properties.Step("total"));
  EXPECT_EQ(properties.Unpack(), 99.5);
  // A string's bytes are read in place; a timestamp unpacks to its text.
  PackedJson::Cursor item = properties;
  EXPECT_FALSE(item.String());  // An object.
  PackedJson::Cursor at(packed, keys);
  ASSERT_TRUE(at.Step("timestamp"));
  EXPECT_EQ(at.Unpack(), "2026-11-23T08:00:00.000Z");
  EXPECT_FALSE(at.String());
  PackedJson::Cursor agent(packed, keys);
  ASSERT_TRUE(agent.StepPath("context.userAgent"));
  EXPECT_EQ(agent.String(),
            std::optional<std::string_view>("Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"));
  // A string of 128 bytes or more has its own tag.
  const std::string long_text(300, 'x');
  const PackedJson holder = *PackedJson::Pack(Json{{"long", long_text}}, keys);
  PackedJson::Cursor long_cursor(holder, keys);
  ASSERT_TRUE(long_cursor.Step("long"));
  EXPECT_EQ(long_cursor.String(), std::optional<std::string_view>(long_text));
  // An empty value has nothing to step into.
  const PackedJson empty;
  PackedJson::Cursor none(empty, keys);
  EXPECT_FALSE(none.valid());
  EXPECT_FALSE(none.Step("properties"));
  EXPECT_TRUE(none.Unpack().is_null());
}

// Step answers a key the table lacks without a scan unless it may have been
// packed inline: a key longer than kMaxKeyBytes always is, any key once the
// table is full.
TEST(PackedJsonTest, ACursorFindsInlineKeysWhateverTheTableHolds) {
  JsonKeyTable keys(/*capacity=*/3);
  const std::string long_key(JsonKeyTable::kMaxKeyBytes + 1, 'k');
  const PackedJson first = *PackedJson::Pack(Json{{"a", 1}, {long_key, 2}}, keys);
  ASSERT_FALSE(keys.full());
  PackedJson::Cursor at_long(first, keys);
  ASSERT_TRUE(at_long.Step(long_key));
  EXPECT_EQ(at_long.Unpack(), 2);
  PackedJson::Cursor at_missing(first, keys);
  EXPECT_FALSE(at_missing.Step("b"));
  // "b" and "c" fill the table; "d" and "e" are packed inline.
  const PackedJson second = *PackedJson::Pack(Json{{"b", 3}, {"c", 4}, {"d", 5}, {"e", 6}}, keys);
  ASSERT_TRUE(keys.full());
  for (const auto& [key, value] : {std::pair<std::string, int>{"b", 3}, {"d", 5}, {"e", 6}}) {
    PackedJson::Cursor cursor(second, keys);
    ASSERT_TRUE(cursor.Step(key)) << key;
    EXPECT_EQ(cursor.Unpack(), value) << key;
  }
  PackedJson::Cursor at_f(second, keys);
  EXPECT_FALSE(at_f.Step("f"));
}

TEST(PayloadTest, ATreeOrAPackedValueReadsAlike) {
  JsonKeyTable keys;
  const Json event = SegmentTrack(5);
  const Payload tree(Share(event));
  const Payload packed(*PackedJson::Pack(event, keys), keys);
  EXPECT_TRUE(tree.is_object());
  EXPECT_TRUE(packed.is_object());
  ASSERT_NE(tree.tree(), nullptr);
  EXPECT_EQ(packed.tree(), nullptr);
  EXPECT_TRUE(SameTree(tree.ToJson(), event));
  EXPECT_TRUE(SameTree(packed.ToJson(), event));
  // Copies of a packed payload read the same.
  const Payload copy = packed;
  EXPECT_TRUE(SameTree(copy.ToJson(), event));
  PackedJson::Cursor cursor = copy.Cursor();
  ASSERT_TRUE(cursor.StepPath("context.library.name"));
  EXPECT_EQ(cursor.Unpack(), "analytics.js");
  // The default payload and a null tree are the empty object.
  EXPECT_EQ(Payload().ToJson(), Json::object());
  EXPECT_EQ(Payload(SharedJson()).ToJson(), Json::object());
  // A packed scalar is not an object.
  EXPECT_FALSE(Payload(*PackedJson::Pack(Json("text"), keys), keys).is_object());
}

TEST(PayloadTest, ReadFieldsReadsATreeAndAPackedValueAlike) {
  JsonKeyTable keys;
  const Json event = SegmentTrack(7);
  const Payload tree(Share(event));
  const Payload packed(*PackedJson::Pack(event, keys), keys);
  constexpr std::string_view kNames[] = {"type", "missing", "timestamp", "properties", "version"};
  for (const Payload* payload : {&tree, &packed}) {
    JsonField read[5];
    payload->ReadFields("", kNames, read);
    EXPECT_EQ(read[0].type, Json::value_t::string);
    EXPECT_EQ(read[0].text, "track");
    EXPECT_FALSE(read[1].present());
    // Packed as a time, read back as its text.
    EXPECT_TRUE(read[2].is_string());
    EXPECT_EQ(read[2].text, "2026-11-23T08:00:00.000Z");
    EXPECT_EQ(read[3].type, Json::value_t::object);
    EXPECT_TRUE(read[3].text.empty());
    EXPECT_EQ(read[4].type, Json::value_t::number_integer);
    constexpr std::string_view kProperties[] = {"item", "total"};
    payload->ReadFields("properties", kProperties, read);
    EXPECT_EQ(read[0].text, "Boots");
    EXPECT_EQ(read[1].type, Json::value_t::number_float);
    // A path to a scalar, or to nothing: every field absent.
    read[0].type = Json::value_t::null;
    payload->ReadFields("type", kProperties, read);
    EXPECT_FALSE(read[0].present());
    payload->ReadFields("nowhere.at.all", kProperties, read);
    EXPECT_FALSE(read[1].present());
  }
}

// A key the table numbers and a key packed inline (past the table's capacity,
// or longer than a table key) are found alike, in a short list of names and in
// a long one, and a name no member has reads as absent.
TEST(PayloadTest, ReadFieldsFindsNumberedAndInlineKeysAlike) {
  JsonKeyTable keys(/*capacity=*/2);
  const std::string long_key(JsonKeyTable::kMaxKeyBytes + 1, 'k');
  const Json event = {{"a", 1}, {"b", "two"}, {"c", "three"}, {long_key, "long"}, {"d", nullptr}};
  const Payload packed(*PackedJson::Pack(event, keys), keys);
  ASSERT_EQ(keys.size(), 2u);  // "a" and "b" numbered; "c", "d" and the long key inline.
  const std::string_view names[] = {"d", long_key, "b", "c", "missing", "a"};
  JsonField read[6];
  packed.ReadFields("", names, read);
  EXPECT_EQ(read[0].type, Json::value_t::null);
  EXPECT_EQ(read[1].text, "long");
  EXPECT_EQ(read[2].text, "two");
  EXPECT_EQ(read[3].text, "three");
  EXPECT_FALSE(read[4].present());
  EXPECT_EQ(read[5].type, Json::value_t::number_integer);
  std::vector<std::string> many(20, "missing");
  many[7] = "c";
  many[19] = "b";
  const std::vector<std::string_view> many_views(many.begin(), many.end());
  std::vector<JsonField> many_read(many.size());
  packed.ReadFields("", many_views, many_read);
  EXPECT_EQ(many_read[7].text, "three");
  EXPECT_EQ(many_read[19].text, "two");
  EXPECT_FALSE(many_read[0].present());
}

// ---- PackText: JSON text packed with no tree ----

// PackText's value for `text` against ParseJson's tree: the same tree when
// unpacked, and, once Pack has put every key in the table, the same bytes.
::testing::AssertionResult PacksAsItsTree(const std::string& text, JsonKeyTable& keys) {
  Result<Json> tree = ParseJson(text);
  if (!tree.ok()) return ::testing::AssertionFailure() << "ParseJson refused " << text;
  std::optional<PackedJson> packed = PackedJson::PackText(text, keys);
  if (!packed) return ::testing::AssertionFailure() << "PackText refused " << text;
  auto same = SameTree(packed->Unpack(keys), *tree);
  if (!same) return same << " in " << text;
  std::optional<PackedJson> from_tree = PackedJson::Pack(*tree, keys);
  std::optional<PackedJson> again = PackedJson::PackText(text, keys);
  if (!from_tree || !again || from_tree->bytes() != again->bytes()) {
    return ::testing::AssertionFailure() << "bytes differ from Pack's for " << text;
  }
  return ::testing::AssertionSuccess();
}

TEST(PackTextTest, ASegmentEventPacksAsItsParsedTree) {
  JsonKeyTable keys;
  for (int n = 0; n < 3; ++n) {
    const Json event = SegmentTrack(n);
    EXPECT_TRUE(PacksAsItsTree(JsonText(event), keys));
    EXPECT_TRUE(PacksAsItsTree(event.dump(2), keys));  // Whitespace between tokens.
  }
  // analytics.js writes members in its own order, not sorted.
  EXPECT_TRUE(PacksAsItsTree(
      R"({"type":"track","userId":"u1","event":"Checkout Page Visited","messageId":"m-1",)"
      R"("properties":{"total":99.5,"item":"Boots","cart_id":"c1"},)"
      R"("context":{"library":{"version":"4.1.0","name":"analytics.js"}},)"
      R"("timestamp":"2026-11-23T08:00:00.000Z"})",
      keys));
}

// Objects of one shape and of others, packed in turn with one table: each
// packs as its tree, whatever the table guessed from the one before.
TEST(PackTextTest, ShapesThatChangeBetweenEventsPackAsTheirTrees) {
  JsonKeyTable keys;
  const char* texts[] = {
      R"({"type":"track","event":"A","properties":{"x":1,"y":2},"userId":"u"})",
      R"({"type":"track","event":"A","properties":{"x":1,"y":2},"userId":"u"})",
      R"({"type":"track","properties":{"y":2,"x":1},"event":"A","userId":"u"})",
      R"({"type":"identify","traits":{"x":1},"userId":"u","event":null})",
      R"({"typ":"track","event":"A","properties":{"x":{"y":{"x":[{"y":1},{"x":2}]}}}})",
      R"({"type":"track","event":"A","properties":{"x":1,"y":2},"userId":"u"})",
  };
  for (const char* text : texts) EXPECT_TRUE(PacksAsItsTree(text, keys));
}

TEST(PackTextTest, RepeatedKeysKeepTheLastValueAsNlohmannDoes) {
  JsonKeyTable keys;
  EXPECT_TRUE(PacksAsItsTree(R"({"b":1,"a":2,"b":{"x":[1,2]},"a":"last"})", keys));
  EXPECT_TRUE(PacksAsItsTree(R"({"a":{"k":1,"k":2},"a":{"k":3}})", keys));
  std::optional<PackedJson> packed = PackedJson::PackText(R"({"k":1,"k":2,"k":3})", keys);
  ASSERT_TRUE(packed);
  EXPECT_EQ(packed->Unpack(keys), Json({{"k", 3}}));
}

TEST(PackTextTest, ValuesKeepNlohmannsTypesAndBytes) {
  JsonKeyTable keys;
  for (
      const char* text : {
          R"([0, -0, 1, -1, 18446744073709551615, -9223372036854775808, 1.0, -0.0, 0.1])",
          R"([1e300, 2.5E-3, 1E2, 123456789012345678, 18446744073709551616, -9223372036854775809])",
          R"(["", "a\"b\\c\/d\b\f\n\r\t", "\u00e9\u4e2d\ud83d\ude00", "é中😀", "\u0000"])",
          R"({"":{"":[]},"empty":{},"list":[[],[{}]],"t":true,"f":false,"n":null})",
          R"({"ts":"2026-11-23T08:00:00.000Z","not_ts":"2026-11-23T08:00:00Z"})",
      }) {
    EXPECT_TRUE(PacksAsItsTree(text, keys));
  }
  // Long strings (a varint length), keys past the table's key limit (inline)
  // and strings with escapes in keys.
  const std::string long_key(JsonKeyTable::kMaxKeyBytes + 1, 'k');
  const std::string long_value(300, 'v');
  EXPECT_TRUE(PacksAsItsTree(
      "{\"" + long_key + "\":\"" + long_value + "\",\"a\\u0062\":1,\"a\\\"\":2}", keys));
  EXPECT_FALSE(keys.Find(long_key).has_value());
}

TEST(PackTextTest, GivesUpWhereParseJsonsFastPathDoes) {
  JsonKeyTable keys;
  const std::string deepest = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(PackedJson::PackText(deepest, keys).has_value());
  EXPECT_TRUE(IsPlainJsonText(deepest));
  for (const std::string& text : std::vector<std::string>{
           "", "{", R"({"a":1,})", R"({"a" 1})", "[1] x",
           "\xEF\xBB\xBF{}",     // A byte-order mark.
           "[1e-400]",           // An underflow.
           "[1e400]",            // An overflow.
           "[\"\xC0\xAF\"]",     // An overlong UTF-8 sequence.
           "[\"\\ud800\"]",      // A lone surrogate.
           "[\"a\nb\"]",         // An unescaped control character.
           "[01]",               // A leading zero.
           "[" + deepest + "]",  // Past the depth limit.
       }) {
    EXPECT_FALSE(PackedJson::PackText(text, keys).has_value()) << text;
    EXPECT_FALSE(IsPlainJsonText(text)) << text;
  }
}

// JSON text of `value` with each object's members in a random order, some
// preceded by a decoy member of the same key (which the last one overrides).
void WriteScrambled(const Json& value, std::mt19937_64& rng, std::string& out) {
  if (value.is_object()) {
    std::vector<std::pair<std::string, const Json*>> members;
    for (auto it = value.begin(); it != value.end(); ++it) members.emplace_back(it.key(), &*it);
    std::shuffle(members.begin(), members.end(), rng);
    out += '{';
    bool first = true;
    for (const auto& [key, member] : members) {
      const std::string quoted = Json(key).dump(-1, ' ', false, Json::error_handler_t::replace);
      for (int decoy = rng() % 4 == 0 ? 1 : 0; decoy >= 0; --decoy) {
        if (!first) out += ',';
        first = false;
        out += quoted + ':';
        if (decoy == 1) {
          out += "[\"decoy\"]";
        } else {
          WriteScrambled(*member, rng, out);
        }
      }
    }
    out += '}';
  } else if (value.is_array()) {
    out += '[';
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += ',';
      WriteScrambled(value[i], rng, out);
    }
    out += ']';
  } else {
    out += value.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

TEST(PackTextTest, RandomScrambledTextsPackAsTheirParsedTrees) {
  std::mt19937_64 rng(20261203);
  JsonKeyTable keys(/*capacity=*/30);  // Small: both key forms are exercised.
  int packed = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    WriteScrambled(RandomValue(rng, 0), rng, text);
    if (!IsPlainJsonText(text)) {
      // Only a double nlohmann reads with an underflow (a subnormal) is not
      // plain here; ParseJson still reads it.
      EXPECT_TRUE(ParseJson(text).ok()) << text;
      EXPECT_FALSE(PackedJson::PackText(text, keys).has_value());
      continue;
    }
    ASSERT_TRUE(PacksAsItsTree(text, keys)) << "text " << i;
    ++packed;
  }
  EXPECT_GT(packed, 1900);
}

}  // namespace
}  // namespace mock_courier
