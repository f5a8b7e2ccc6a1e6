// RecordStore (engine/src/record_store.h): records found by id and by
// sequence, finished ones trimmed oldest-finished first, checked against a
// plain model through random adds, finishes, trims and clears, with ids
// that share long prefixes (as the engine's do) and a table that grows and
// shrinks.
#include "record_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace mock_courier {
namespace {

struct Record {
  std::string id;
  int value = 0;
};

// What the store should hold: records by sequence, which id each sequence
// has, which id names which sequence, and the order records finished in.
struct Model {
  std::map<std::uint64_t, Record> records;
  std::map<std::string, std::uint64_t> by_id;
  std::deque<std::uint64_t> finished;
  std::uint64_t next = 0;
  std::uint64_t evicted = 0;
};

std::string IdOf(std::uint64_t n) {
  // A common prefix, as "1-695b7d90-..." ids have.
  return "1-695b7d90-" + std::to_string(n * 2654435761u % 1000003);
}

void ExpectSame(const RecordStore<Record>& store, const Model& model, int step) {
  ASSERT_EQ(store.size(), model.records.size()) << "step " << step;
  ASSERT_EQ(store.finished(), model.finished.size()) << "step " << step;
  ASSERT_EQ(store.evicted(), model.evicted) << "step " << step;
  for (const auto& [id, seq] : model.by_id) {
    const Record* found = store.Find(id);
    ASSERT_NE(found, nullptr) << "step " << step << " id " << id;
    EXPECT_EQ(found->value, model.records.at(seq).value) << "step " << step << " id " << id;
    ASSERT_EQ(store.SeqOf(id), seq) << "step " << step << " id " << id;
  }
  std::vector<std::uint64_t> seen;
  store.ForEach([&](std::uint64_t seq, const Record& record) {
    seen.push_back(seq);
    EXPECT_EQ(record.value, model.records.at(seq).value);
  });
  std::vector<std::uint64_t> expected;
  for (const auto& [seq, record] : model.records) expected.push_back(seq);
  ASSERT_EQ(seen, expected) << "step " << step;
}

TEST(RecordStoreTest, RandomOperationsMatchAModel) {
  std::mt19937_64 rng(20261130);
  RecordStore<Record> store;
  Model model;
  std::uint64_t ids = 0;
  for (int step = 0; step < 20000; ++step) {
    const int op = static_cast<int>(rng() % 100);
    if (op < 55) {
      // Add: a new id, or now and then an id some record already has (the
      // newer record takes the id over).
      std::string id = IdOf(ids++);
      if (op < 3 && !model.by_id.empty()) {
        auto it = model.by_id.begin();
        std::advance(it, static_cast<long>(rng() % model.by_id.size()));
        id = it->first;
      }
      const int value = static_cast<int>(rng() % 1000000);
      Record& added = store.Add(Record{id, value});
      EXPECT_EQ(added.value, value);
      model.records[model.next] = Record{id, value};
      model.by_id[id] = model.next;
      ++model.next;
    } else if (op < 85) {
      // MarkFinished: a known id (twice is once), or an unknown one.
      if (model.by_id.empty() || op < 58) {
        store.MarkFinished("unknown");
        continue;
      }
      auto it = model.by_id.begin();
      std::advance(it, static_cast<long>(rng() % model.by_id.size()));
      const std::uint64_t seq = it->second;
      store.MarkFinished(it->first);
      if (std::find(model.finished.begin(), model.finished.end(), seq) == model.finished.end()) {
        model.finished.push_back(seq);
      }
    } else if (op < 99) {
      // Trim to a random cap, smaller now and then (the table shrinks).
      const std::size_t keep = op < 90 ? rng() % 8 + 1 : rng() % 400 + 1;
      // Records go oldest-finished first, each seen by on_evict first.
      std::vector<int> evicted_values;
      const std::size_t dropped =
          store.Trim(keep, [&](const Record& record) { evicted_values.push_back(record.value); });
      std::vector<int> expected_values;
      std::size_t expected_dropped = 0;
      while (model.finished.size() > keep) {
        const std::uint64_t seq = model.finished.front();
        model.finished.pop_front();
        expected_values.push_back(model.records.at(seq).value);
        const std::string id = model.records.at(seq).id;
        model.records.erase(seq);
        // The id goes with the record that holds it in the index.
        if (auto it = model.by_id.find(id); it != model.by_id.end() && it->second == seq) {
          model.by_id.erase(it);
        }
        ++expected_dropped;
      }
      EXPECT_EQ(dropped, expected_dropped);
      EXPECT_EQ(evicted_values, expected_values);
      model.evicted += expected_dropped;
    } else {
      store.Clear();
      model = Model{};
    }
    if (step % 97 == 0 || op >= 85) ExpectSame(store, model, step);
    if (::testing::Test::HasFatalFailure()) return;
  }
  ExpectSame(store, model, -1);
}

TEST(RecordStoreTest, AGrownTableIsGivenBackAndStillFindsWhatIsLeft) {
  RecordStore<Record> store;
  for (int i = 0; i < 10000; ++i) {
    store.Add(Record{IdOf(static_cast<std::uint64_t>(i)), i});
    if (i < 9990) store.MarkFinished(IdOf(static_cast<std::uint64_t>(i)));
  }
  EXPECT_EQ(store.Trim(1), 9989u);
  EXPECT_EQ(store.size(), 11u);
  for (int i = 9989; i < 10000; ++i) {
    const Record* found = store.Find(IdOf(static_cast<std::uint64_t>(i)));
    ASSERT_NE(found, nullptr) << i;
    EXPECT_EQ(found->value, i);
    EXPECT_EQ(store.FindBySeq(static_cast<std::uint64_t>(i))->value, i);
  }
  EXPECT_EQ(store.Find(IdOf(0)), nullptr);
  EXPECT_EQ(store.FindBySeq(0), nullptr);
  EXPECT_FALSE(store.SeqOf(IdOf(5)).has_value());
}

}  // namespace
}  // namespace mock_courier
