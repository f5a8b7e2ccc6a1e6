// The store of /inbound/segment replies kept for replay
// (https://www.courier.com/docs/reference/idempotent-requests; docs/fidelity.md "Dedupe"):
// exact lookups by messageId, 24 h expiry oldest first, replacement, and
// index deletion that never loses a live record.
#include "segment_reply_store.h"

#include <gtest/gtest.h>

#include <string>

namespace mock_courier {
namespace {

std::string IdOf(int i) { return "ajs-next-" + std::to_string(i) + "-b2c5f0e4"; }

SegmentReplyRecord Reply(int i, TimePoint expires_at) {
  return SegmentReplyRecord(202, "reply-" + std::to_string(i), expires_at);
}

TEST(SegmentReplyStoreTest, FindsWhatWasRememberedUntilItExpires) {
  SegmentReplyStore store;
  EXPECT_EQ(store.Find("m-1", 0), nullptr);
  store.Remember("m-1", SegmentReplyRecord(400, "bad event", 100));
  store.Remember("m-2", Reply(2, 200));
  const SegmentReplyRecord* first = store.Find("m-1", 99);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->status, 400);
  EXPECT_EQ(first->Text(), "bad event");
  EXPECT_EQ(store.Find("m-3", 0), nullptr);
  EXPECT_EQ(store.Find("m-1", 100), nullptr);  // Expired, though not swept yet.
  store.Sweep(100);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.Find("m-1", 0), nullptr);
  ASSERT_NE(store.Find("m-2", 150), nullptr);
  EXPECT_EQ(store.Find("m-2", 150)->Text(), "reply-2");
  store.Sweep(200);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.Find("m-2", 0), nullptr);
}

TEST(SegmentReplyStoreTest, RememberingAgainReplacesTheRecord) {
  SegmentReplyStore store;
  store.Remember("m-1", Reply(1, 100));
  store.Remember("m-1", Reply(2, 300));
  EXPECT_EQ(store.size(), 1u);
  // Sweeping past the first record's time keeps the replacement.
  store.Sweep(150);
  ASSERT_NE(store.Find("m-1", 150), nullptr);
  EXPECT_EQ(store.Find("m-1", 150)->Text(), "reply-2");
  EXPECT_EQ(store.size(), 1u);
}

// A record stored while the clock stood earlier (POST /_mock/clock/set can
// move it back) expires on time even when it sits behind a later one.
TEST(SegmentReplyStoreTest, ARecordBehindALaterOneStillExpiresOnTime) {
  SegmentReplyStore store;
  store.Remember("late", Reply(1, 1000));
  store.Remember("early", Reply(2, 500));
  store.Sweep(600);  // Stops at "late".
  EXPECT_EQ(store.Find("early", 600), nullptr);
  EXPECT_NE(store.Find("late", 600), nullptr);
}

// Steady state of a load test: records stored in time order while the oldest
// expire. Every live record stays findable through index growth and the
// backward-shift deletions; every expired one is gone.
TEST(SegmentReplyStoreTest, AHundredThousandRecordsUnderSteadyExpiry) {
  SegmentReplyStore store;
  constexpr int kCount = 100000;
  constexpr TimePoint kLife = 20000;  // Each record lives 20k ticks; one tick each.
  for (int i = 0; i < kCount; ++i) {
    store.Sweep(i);
    store.Remember(IdOf(i), Reply(i, i + kLife));
  }
  const TimePoint now = kCount;
  store.Sweep(now);
  // Records i + kLife > now live on: i in (now - kLife, kCount).
  EXPECT_EQ(store.size(), static_cast<std::size_t>(kLife - 1));
  for (int i = 0; i < kCount; ++i) {
    const SegmentReplyRecord* found = store.Find(IdOf(i), now);
    if (i + kLife > now) {
      ASSERT_NE(found, nullptr) << i;
      EXPECT_EQ(found->Text(), "reply-" + std::to_string(i));
    } else {
      ASSERT_EQ(found, nullptr) << i;
    }
  }
  store.Sweep(now + kLife);
  EXPECT_EQ(store.size(), 0u);
}

TEST(SegmentReplyStoreTest, ClearForgetsEverything) {
  SegmentReplyStore store;
  for (int i = 0; i < 1000; ++i) store.Remember(IdOf(i), Reply(i, 10));
  store.Clear();
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.Find(IdOf(5), 0), nullptr);
  store.Remember(IdOf(5), Reply(5, 10));
  EXPECT_NE(store.Find(IdOf(5), 0), nullptr);
}

}  // namespace
}  // namespace mock_courier
