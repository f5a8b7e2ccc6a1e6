// StringMap (engine/src/string_index.h), the table behind the profiles and
// the cancelation-token index: checked against a std::map through random
// inserts, lookups, erasures (by key and by iterator) and clears, with keys
// that share long prefixes, so that probe runs grow and backward-shift
// deletion moves entries. (StringIndex itself is RecordStore's id index,
// checked by record_store_test.cc.) SameBytes (string_hash.h), the tables'
// key compare, against ==.
#include "string_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <string_view>
#include <utility>

namespace mock_courier {
namespace {

std::map<std::string, int> Contents(const StringMap<int>& map) {
  std::map<std::string, int> out;
  for (const auto& [key, value] : map) {
    EXPECT_TRUE(out.emplace(key, value).second) << "key listed twice: " << key;
  }
  return out;
}

// Every length from 0 to 40 (each of SameBytes' ways: bytes, half words,
// words, memcmp), a copy and a change at every position (high bits
// included), and views at every offset of a buffer, so that loads are
// unaligned: SameBytes answers as == does.
TEST(SameBytesTest, AnswersAsEqualityDoesForEveryLengthAndDifference) {
  const std::string pool = "The quick brown fox jumps over the lazy dog, twice over!";
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t n = 0; n <= 40; ++n) {
      const std::string_view a(pool.data() + offset, n);
      std::string copy(a);
      ASSERT_TRUE(SameBytes(a, copy)) << n;
      for (std::size_t at = 0; at < n; ++at) {
        for (const char flip : {'\x01', '\x80'}) {
          std::string changed(a);
          changed[at] = static_cast<char>(changed[at] ^ flip);
          ASSERT_EQ(SameBytes(a, changed), a == changed) << "length " << n << " at " << at;
          ASSERT_FALSE(SameBytes(changed, a)) << "length " << n << " at " << at;
        }
      }
      // A longer or shorter view of the same bytes is not the same.
      if (offset + n + 1 <= pool.size()) {
        ASSERT_FALSE(SameBytes(a, std::string_view(a.data(), n + 1))) << n;
      }
    }
  }
}

TEST(StringMapTest, FindsWhatWasPutAndNotWhatWasErased) {
  StringMap<int> map;
  EXPECT_EQ(map.find("a"), map.end());
  EXPECT_EQ(map.erase("a"), 0u);
  map["a"] = 1;
  auto [it, added] = map.try_emplace("b", 2);
  EXPECT_TRUE(added);
  EXPECT_EQ(it->first, "b");
  EXPECT_FALSE(map.try_emplace("b", 3).second);
  EXPECT_EQ(map.find("b")->second, 2);
  EXPECT_EQ(map.erase("a"), 1u);
  EXPECT_EQ(map.find("a"), map.end());
  EXPECT_EQ(map.size(), 1u);
  map.erase(map.find("b"));
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(map.begin(), map.end());
}

TEST(StringMapTest, RandomOperationsMatchAMap) {
  std::mt19937_64 rng(20261203);
  StringMap<int> map;
  std::map<std::string, int> model;
  auto key = [&] { return "user-0000000000-" + std::to_string(rng() % 3000); };
  for (int step = 0; step < 60000; ++step) {
    const unsigned op = rng() % 1000;
    if (op < 450) {
      const std::string k = key();
      const int v = static_cast<int>(rng() % 1000);
      map[k] = v;
      model[k] = v;
    } else if (op < 650) {
      const std::string k = key();
      const auto found = map.find(k);
      const auto expected = model.find(k);
      ASSERT_EQ(found == map.end(), expected == model.end()) << k;
      if (expected != model.end()) {
        ASSERT_EQ(found->first, k);
        ASSERT_EQ(found->second, expected->second);
      }
    } else if (op < 850) {
      const std::string k = key();
      ASSERT_EQ(map.erase(k), model.erase(k));
    } else if (op < 998) {
      const std::string k = key();
      if (auto it = map.find(k); it != map.end()) map.erase(it);
      model.erase(k);
    } else if (op < 999) {
      map.clear();
      model.clear();
    } else {
      // A moved map holds what the old one did; the old one is empty.
      StringMap<int> moved = std::move(map);
      ASSERT_TRUE(map.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty.
      map = std::move(moved);
    }
    ASSERT_EQ(map.size(), model.size());
    if (step % 997 == 0) {
      ASSERT_EQ(Contents(map), model) << "after step " << step;
    }
  }
  EXPECT_EQ(Contents(map), model);
}

// A map grown large and then mostly emptied gives most of its table back.
TEST(StringMapTest, ErasingMostKeysShrinksTheTable) {
  StringMap<int> map;
  for (int i = 0; i < 10000; ++i) map["k" + std::to_string(i)] = i;
  const std::size_t full = map.table_size();
  ASSERT_GE(full, 10000u);
  for (int i = 0; i < 9900; ++i) ASSERT_EQ(map.erase("k" + std::to_string(i)), 1u);
  EXPECT_LE(map.table_size(), full / 8);
  for (int i = 9900; i < 10000; ++i) EXPECT_EQ(map.find("k" + std::to_string(i))->second, i);
}

}  // namespace
}  // namespace mock_courier
