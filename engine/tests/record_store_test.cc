// RecordStore (engine/src/record_store.h): records found by id and by
// sequence (and finished by either), finished ones trimmed oldest-finished
// first, checked against a plain model through random adds (some finished as
// they are added), finishes, trims and clears, with ids that share long
// prefixes (as the engine's do) and a table that grows and shrinks.
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
  // By sequence: every one ever given, evicted ones (and the next) absent.
  auto& mutable_store = const_cast<RecordStore<Record>&>(store);
  for (std::uint64_t seq = 0; seq <= model.next; ++seq) {
    const Record* found = mutable_store.FindBySeq(seq);
    auto it = model.records.find(seq);
    ASSERT_EQ(found != nullptr, it != model.records.end()) << "step " << step << " seq " << seq;
    if (found != nullptr) {
      EXPECT_EQ(found->value, it->second.value);
    }
  }
  // From a sequence on, oldest first, and before one, newest first.
  for (std::uint64_t from : {std::uint64_t{0}, model.next / 3, model.next / 2 + 1, model.next}) {
    std::vector<std::uint64_t> after, before;
    store.ForEachFrom(from, [&](std::uint64_t seq, const Record&) { after.push_back(seq); });
    store.ForEachNewestFirstBefore(
        from, [&](std::uint64_t seq, const Record&) { before.push_back(seq); });
    std::vector<std::uint64_t> want_after, want_before;
    for (const auto& [seq, record] : model.records) {
      (seq >= from ? want_after : want_before).push_back(seq);
    }
    std::reverse(want_before.begin(), want_before.end());
    ASSERT_EQ(after, want_after) << "step " << step << " from " << from;
    ASSERT_EQ(before, want_before) << "step " << step << " before " << from;
  }
  std::vector<std::uint64_t> newest;
  store.ForEachNewestFirst([&](std::uint64_t seq, const Record&) { newest.push_back(seq); });
  std::reverse(expected.begin(), expected.end());
  ASSERT_EQ(newest, expected) << "step " << step;
}

TEST(RecordStoreTest, RandomOperationsMatchAModel) {
  std::mt19937_64 rng(20261130);
  RecordStore<Record> store;
  Model model;
  std::uint64_t ids = 0;
  for (int step = 0; step < 20000; ++step) {
    // Per mille: add, finish, trim, and now and then clear.
    const int op = static_cast<int>(rng() % 1000);
    if (op < 550) {
      // Add: a new id, or now and then an id some record already has (the
      // newer record takes the id over).
      std::string id = IdOf(ids++);
      if (op < 30 && !model.by_id.empty()) {
        auto it = model.by_id.begin();
        std::advance(it, static_cast<long>(rng() % model.by_id.size()));
        id = it->first;
      }
      // A tenth are added finished (AddFinished: an outbound call delivered
      // to the fake Segment API as it is made); a third of the others are
      // built in their node (AddBuilt: a message).
      const int value = static_cast<int>(rng() % 1000000);
      const bool finished = rng() % 10 == 0;
      const bool built = !finished && rng() % 3 == 0;
      Record& added = finished ? store.AddFinished(Record{id, value})
                      : built  ? store.AddBuilt([&](Record& r) {
                          r = Record{id, value};
                        })
                               : store.Add(Record{id, value});
      EXPECT_EQ(added.value, value);
      model.records[model.next] = Record{id, value};
      model.by_id[id] = model.next;
      if (finished) model.finished.push_back(model.next);
      ++model.next;
    } else if (op < 850) {
      // MarkFinished (by id or by sequence): a known record (twice is once),
      // or an unknown one (an evicted sequence, or the next).
      if (model.by_id.empty() || op < 580) {
        store.MarkFinished("unknown");
        store.MarkFinishedAt(model.next);
        if (model.next > 0) {
          const std::uint64_t seq = rng() % model.next;
          if (model.records.count(seq) == 0) store.MarkFinishedAt(seq);
        }
        continue;
      }
      auto it = model.by_id.begin();
      std::advance(it, static_cast<long>(rng() % model.by_id.size()));
      const std::uint64_t seq = it->second;
      if (rng() % 2 == 0) {
        store.MarkFinished(it->first);
      } else {
        store.MarkFinishedAt(seq);
      }
      if (std::find(model.finished.begin(), model.finished.end(), seq) == model.finished.end()) {
        model.finished.push_back(seq);
      }
    } else if (op < 998) {
      // Trim to a random cap, smaller now and then (the table shrinks).
      const std::size_t keep = op < 900 ? rng() % 8 + 1 : rng() % 400 + 1;
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
      // The prefetch after it names the records the next trims drop: the
      // second `dropped` of those left to drop (depth 1), then the first `dropped` (depth 2), in
      // finishing order.
      std::vector<std::pair<int, int>> named;
      store.PrefetchNextEvictions(dropped, [&](const Record& record, int depth) {
        named.emplace_back(depth, record.value);
      });
      std::vector<std::pair<int, int>> expected_named;
      for (std::size_t i = dropped; i < 2 * dropped && i < model.finished.size(); ++i) {
        expected_named.emplace_back(1, model.records.at(model.finished[i]).value);
      }
      for (std::size_t i = 0; i < dropped && i < model.finished.size(); ++i) {
        expected_named.emplace_back(2, model.records.at(model.finished[i]).value);
      }
      EXPECT_EQ(named, expected_named);
    } else if (rng() % 8 == 0) {  // A few clears a run.
      store.Clear();
      model = Model{};
    }
    if (step % 97 == 0 || op >= 998) ExpectSame(store, model, step);
    ASSERT_EQ(store.size(), model.records.size()) << "step " << step;
    if (::testing::Test::HasFatalFailure()) return;
  }
  ExpectSame(store, model, -1);
}

// An old record that never finishes (a run waiting on a long delay) while
// thousands after it come and go: the holes they leave behind it are closed
// up, and every record is still found by id and by sequence, in order.
TEST(RecordStoreTest, HolesBehindAWaitingRecordAreClosedUp) {
  RecordStore<Record> store;
  store.Add(Record{"waiting", -1});
  for (int i = 1; i <= 5000; ++i) {
    const std::string id = IdOf(static_cast<std::uint64_t>(i));
    store.Add(Record{id, i});
    // Every tenth record stays unfinished too.
    if (i % 10 != 0) store.MarkFinished(id);
    store.Trim(2);
  }
  std::vector<std::uint64_t> expected = {0};
  for (std::uint64_t seq = 1; seq <= 5000; ++seq) {
    const bool kept = seq % 10 == 0 || seq == 4999 || seq == 4998;  // The last two finished.
    const Record* found = store.FindBySeq(seq);
    ASSERT_EQ(found != nullptr, kept) << seq;
    if (kept) {
      EXPECT_EQ(found->value, static_cast<int>(seq));
      EXPECT_EQ(store.Find(IdOf(seq)), found);
      expected.push_back(seq);
    } else {
      EXPECT_EQ(store.Find(IdOf(seq)), nullptr);
    }
  }
  EXPECT_EQ(store.FindBySeq(0)->value, -1);
  EXPECT_EQ(store.size(), expected.size());
  std::vector<std::uint64_t> seen;
  store.ForEachFrom(2500, [&](std::uint64_t seq, const Record&) { seen.push_back(seq); });
  EXPECT_EQ(seen, std::vector<std::uint64_t>(
                      std::lower_bound(expected.begin(), expected.end(), 2500), expected.end()));
  seen.clear();
  store.ForEachNewestFirstBefore(2500,
                                 [&](std::uint64_t seq, const Record&) { seen.push_back(seq); });
  std::vector<std::uint64_t> older(expected.begin(),
                                   std::lower_bound(expected.begin(), expected.end(), 2500));
  std::reverse(older.begin(), older.end());
  EXPECT_EQ(seen, older);
}

// The sequence index frees the pages emptied behind a record that waits:
// one waiting run behind a hundred thousand that came and went holds its own
// page and the newest ones, not a slot per sequence.
TEST(RecordStoreTest, EmptiedSequencePagesAreFreed) {
  RecordStore<Record> store;
  store.Add(Record{"waiting", -1});
  for (int i = 1; i <= 100000; ++i) {
    const std::string id = IdOf(static_cast<std::uint64_t>(i));
    store.Add(Record{id, i});
    store.MarkFinished(id);
    store.Trim(3);
  }
  EXPECT_EQ(store.size(), 4u);
  EXPECT_LE(store.pages_held(), 3u);
  EXPECT_EQ(store.FindBySeq(0)->value, -1);
  EXPECT_EQ(store.FindBySeq(100000)->value, 100000);
  EXPECT_EQ(store.FindBySeq(50000), nullptr);
  std::vector<std::uint64_t> seen;
  store.ForEach([&](std::uint64_t seq, const Record&) { seen.push_back(seq); });
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{0, 99998, 99999, 100000}));
  seen.clear();
  store.ForEachNewestFirstBefore(99999,
                                 [&](std::uint64_t seq, const Record&) { seen.push_back(seq); });
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{99998, 0}));
  // Once the waiting record goes too, only the newest page is left.
  store.MarkFinished("waiting");
  store.AddFinished(Record{"last", 100001});
  store.Trim(1);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.pages_held(), 1u);
  EXPECT_EQ(store.FindBySeq(0), nullptr);
  store.Clear();
  EXPECT_EQ(store.pages_held(), 0u);
  EXPECT_EQ(store.Add(Record{"again", 7}).value, 7);
  EXPECT_EQ(store.FindBySeq(0)->value, 7);
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
