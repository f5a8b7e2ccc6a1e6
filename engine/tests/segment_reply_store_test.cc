// The store of /inbound/segment replies kept for replay
// (https://www.courier.com/docs/reference/idempotent-requests; docs/fidelity.md "Dedupe"):
// exact lookups by messageId, 24 h expiry oldest first, replacement, and
// index deletion that never loses a live record; ids kept packed, other texts
// verbatim.
#include "segment_reply_store.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mock_courier/clock.h"
#include "mock_courier/ids.h"
#include "workspace_state.h"

namespace mock_courier {
namespace {

std::string IdOf(int i) { return "ajs-next-" + std::to_string(i) + "-b2c5f0e4"; }

void RememberReply(SegmentReplyStore& store, const std::string& message_id, int i, TimePoint now) {
  store.Remember(message_id, 202, "reply-" + std::to_string(i), now);
}

std::string TextOf(const SegmentReplyStore& store, const std::string& message_id, TimePoint now) {
  auto found = store.Find(message_id, now);
  return found ? found->text : "(none)";
}

TEST(SegmentReplyStoreTest, FindsWhatWasRememberedUntilItExpires) {
  SegmentReplyStore store(/*lifetime=*/100);
  EXPECT_FALSE(store.Find("m-1", 0));
  store.Remember("m-1", 400, "bad event", 0);  // Expires at 100.
  RememberReply(store, "m-2", 2, 100);         // Expires at 200.
  auto first = store.Find("m-1", 99);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 400);
  EXPECT_EQ(first->text, "bad event");
  EXPECT_FALSE(store.Find("m-3", 0));
  EXPECT_FALSE(store.Find("m-1", 100));  // Expired, though not swept yet.
  store.Sweep(100);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_FALSE(store.Find("m-1", 0));
  EXPECT_EQ(TextOf(store, "m-2", 150), "reply-2");
  EXPECT_EQ(store.Find("m-2", 150)->status, 202);
  store.Sweep(200);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.text_count(), 0u);
  EXPECT_FALSE(store.Find("m-2", 0));
}

TEST(SegmentReplyStoreTest, RememberingAgainReplacesTheRecord) {
  SegmentReplyStore store(/*lifetime=*/100);
  RememberReply(store, "m-1", 1, 0);    // Expires at 100.
  RememberReply(store, "m-1", 2, 200);  // Expires at 300.
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.text_count(), 1u);  // The replaced text is gone at once.
  // Sweeping past the first record's time keeps the replacement.
  store.Sweep(150);
  EXPECT_EQ(TextOf(store, "m-1", 150), "reply-2");
  EXPECT_EQ(store.size(), 1u);
}

// A record stored while the clock stood earlier (POST /_mock/clock/set can
// move it back) expires on time even when it sits behind a later one.
TEST(SegmentReplyStoreTest, ARecordBehindALaterOneStillExpiresOnTime) {
  SegmentReplyStore store(/*lifetime=*/100);
  RememberReply(store, "late", 1, 900);   // Expires at 1000.
  RememberReply(store, "early", 2, 400);  // The clock moved back: expires at 500.
  store.Sweep(600);                       // Stops at "late".
  EXPECT_FALSE(store.Find("early", 600));
  EXPECT_TRUE(store.Find("late", 600));
}

// Steady state of a load test: records stored in time order while the oldest
// expire. Every live record stays findable through index growth and the
// backward-shift deletions; every expired one is gone.
// The index holds sequence numbers modulo 2^32 - 1: a store that has already
// numbered four billion records (started near the wrap here) crosses it.
class SteadyExpiryTest : public testing::TestWithParam<std::uint64_t> {};

TEST_P(SteadyExpiryTest, AHundredThousandRecordsUnderSteadyExpiry) {
  constexpr int kCount = 100000;
  constexpr TimePoint kLife = 20000;  // Each record lives 20k ticks; one tick each.
  SegmentReplyStore store(kLife, GetParam());
  for (int i = 0; i < kCount; ++i) {
    store.Sweep(i);
    RememberReply(store, IdOf(i), i, i);
  }
  const TimePoint now = kCount;
  store.Sweep(now);
  // Records i + kLife > now live on: i in (now - kLife, kCount).
  EXPECT_EQ(store.size(), static_cast<std::size_t>(kLife - 1));
  EXPECT_EQ(store.text_count(), static_cast<std::size_t>(kLife - 1));
  for (int i = 0; i < kCount; ++i) {
    auto found = store.Find(IdOf(i), now);
    if (i + kLife > now) {
      ASSERT_TRUE(found) << i;
      EXPECT_EQ(found->text, "reply-" + std::to_string(i));
    } else {
      ASSERT_FALSE(found) << i;
    }
  }
  store.Sweep(now + kLife);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.text_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(FromZeroAndAcrossTheWrap, SteadyExpiryTest,
                         testing::Values(std::uint64_t{0}, std::uint64_t{0xffffffffULL - 30000}));

// Ids the mock generates at the time they are stored come back exactly from
// their packed form (no side text); an id generated at another second, an
// id-shaped text the generator did not write, any other 2xx text, and every
// error message, even one shaped like an id, come back verbatim.
TEST(SegmentReplyStoreTest, GeneratedIdsArePackedAndOtherTextIsVerbatim) {
  SegmentReplyStore store;  // A day.
  IdGenerator ids(7);
  std::vector<std::string> generated;
  constexpr TimePoint kStart = 1'700'000'000'000;
  for (int i = 0; i < 100; ++i) {
    const TimePoint at = kStart + i * 997;  // Not whole seconds.
    generated.push_back(ids.Next(at));
    store.Remember("g-" + std::to_string(i), 202, generated.back(), at);
  }
  EXPECT_EQ(store.text_count(), 0u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(TextOf(store, "g-" + std::to_string(i), kStart + kHour), generated[i]);
  }
  const std::string earlier = ids.Next(kStart - 1000);
  store.Remember("earlier", 202, earlier, kStart);
  EXPECT_EQ(store.text_count(), 1u);
  EXPECT_EQ(TextOf(store, "earlier", kStart), earlier);

  // Of the right shape and this second, but not what the generator writes:
  // its first random word is not the one the last 16 digits imply.
  std::string altered = ids.Next(kStart);
  altered[11] = altered[11] == '0' ? '1' : '0';
  const std::vector<std::string> other = {"1-ABCDEF01-0123456789abcdef01234567",
                                          "1-abcdef01-0123456789abcdef0123456",
                                          "2-abcdef01-0123456789abcdef01234567",
                                          "1-abcdef01x0123456789abcdef01234567",
                                          "1-abcdef01-0123456789abcdef0123456g",
                                          "",
                                          altered};
  for (const auto& text : other) store.Remember(text + "#", 202, text, kStart);
  const std::string error_text = ids.Next(kStart);  // Id-shaped, and of this second.
  store.Remember("error", 400, error_text, kStart);
  EXPECT_EQ(store.text_count(), other.size() + 2);
  for (const auto& text : other) EXPECT_EQ(TextOf(store, text + "#", kStart), text);
  auto error = store.Find("error", kStart);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 400);
  EXPECT_EQ(error->text, error_text);
}

// Any byte that is no lowercase hex digit, at any digit's place, keeps the
// reply verbatim (bytes next to the digits' ranges included), and it comes
// back as it was.
TEST(SegmentReplyStoreTest, ANonDigitAtAnyPlaceKeepsTheTextVerbatim) {
  SegmentReplyStore store;
  IdGenerator ids(9);
  constexpr TimePoint kStart = 1'700'000'000'000;
  const std::string id = ids.Next(kStart);
  store.Remember("plain", 202, id, kStart);
  ASSERT_EQ(store.text_count(), 0u);
  std::size_t verbatim = 0;
  for (std::size_t at = 2; at < id.size(); ++at) {
    if (at == 10) continue;  // The '-' between the words.
    for (char bad : {'/', ':', '@', '`', 'g', 'G', 'F', '\0', '\x80', '\xff'}) {
      std::string altered = id;
      altered[at] = bad;
      const std::string message_id = "m-" + std::to_string(at) + "-" + std::to_string(bad);
      store.Remember(message_id, 202, altered, kStart);
      EXPECT_EQ(store.text_count(), ++verbatim) << at << " " << static_cast<int>(bad);
      EXPECT_EQ(TextOf(store, message_id, kStart), altered);
    }
  }
  EXPECT_EQ(TextOf(store, "plain", kStart), id);
}

// The id IdGenerator::Next writes at `now` when its last random word is `low`.
std::string GeneratedId(std::uint64_t low, TimePoint now) {
  const auto seconds = static_cast<std::uint64_t>(now / 1000) & 0xffffffffULL;
  return PackedReplyId{seconds << 32 | IdGenerator::FirstWordBefore(low), low}.Text();
}

// A packed id is kept as its distance, in generator calls, from a base id, in
// 32 bits. An id further than that moves the base up to the oldest packed
// record, once the records that held it back have gone; until then it waits
// in the side table. An id of another generator (another seed) is as far as
// any. Every reply comes back exactly.
TEST(SegmentReplyStoreTest, IdsFarFromTheBaseMoveItOrWaitAside) {
  constexpr TimePoint kStart = 1'700'000'000'000;
  SegmentReplyStore store(/*lifetime=*/10'000);
  const std::uint64_t base = IdGenerator(11).NextBits();
  auto at = [&](std::uint64_t steps, TimePoint now) {
    return GeneratedId(IdGenerator::OutputAfter(base, steps), now);
  };
  const std::string a = at(0, kStart);
  const std::string b = at(3'000'000'000, kStart + 1000);
  const std::string c = at(5'000'000'000, kStart + 2000);  // 2^32 past "a".
  store.Remember("a", 202, a, kStart);
  store.Remember("b", 202, b, kStart + 1000);
  EXPECT_EQ(store.text_count(), 0u);
  store.Remember("c", 202, c, kStart + 2000);  // "a" holds the base back.
  EXPECT_EQ(store.text_count(), 1u);
  EXPECT_EQ(TextOf(store, "a", kStart + 2000), a);
  EXPECT_EQ(TextOf(store, "b", kStart + 2000), b);
  EXPECT_EQ(TextOf(store, "c", kStart + 2000), c);

  store.Sweep(kStart + 10'000);  // "a" goes; "b" is now the oldest packed id.
  const std::string d = at(6'000'000'000, kStart + 10'500);
  store.Remember("d", 202, d, kStart + 10'500);
  EXPECT_EQ(store.text_count(), 1u);  // Packed, 3*10^9 calls after "b".
  const std::string e = IdGenerator(12).Next(kStart + 10'500);
  store.Remember("e", 202, e, kStart + 10'500);
  EXPECT_EQ(store.text_count(), 2u);
  for (const auto& [message_id, text] :
       std::vector<std::pair<std::string, std::string>>{{"b", b}, {"c", c}, {"d", d}, {"e", e}}) {
    EXPECT_EQ(TextOf(store, message_id, kStart + 10'500), text) << message_id;
    EXPECT_EQ(store.Find(message_id, kStart + 10'500)->status, 202) << message_id;
  }
  store.Sweep(kStart + 30'000);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.text_count(), 0u);
}

// A record keeps its time in 28 bits of milliseconds from a base that follows
// the clock. Over weeks of mock time (a store kept 60 days here) the base
// moves; records then more than 37 hours from it keep their full time aside.
// Expiry stays exact to the millisecond and generated ids keep their seconds.
TEST(SegmentReplyStoreTest, RecordsKeepTheirTimeWhileTheClockMovesWeeks) {
  constexpr TimePoint kStart = 1'700'000'000'123;
  SegmentReplyStore store(60 * kDay);
  IdGenerator ids(3);
  std::vector<std::string> generated;
  for (int day = 0; day < 60; day += 6) {
    const TimePoint at = kStart + day * kDay + day;  // Not whole seconds either.
    generated.push_back(ids.Next(at));
    store.Remember("d-" + std::to_string(day), 202, generated.back(), at);
  }
  EXPECT_EQ(store.text_count(), 0u);
  EXPECT_GT(store.far_time_count(), 0u);  // The first days are far from the last base.
  for (int day = 0, i = 0; day < 60; day += 6, ++i) {
    const TimePoint expires = kStart + day * kDay + day + 60 * kDay;
    const std::string id = "d-" + std::to_string(day);
    EXPECT_EQ(TextOf(store, id, expires - 1), generated[i]) << day;
    EXPECT_FALSE(store.Find(id, expires)) << day;
  }
  store.Sweep(kStart + 61 * kDay);  // Day 0's record (and its far time) go.
  EXPECT_EQ(store.size(), 9u);
  store.Sweep(kStart + 200 * kDay);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.far_time_count(), 0u);
}

// POST /_mock/clock/set can move the clock back by years while records live:
// they keep their exact times (aside) and stay findable, and the later record
// still holds the earlier one back from sweeping, as with any clock set back.
TEST(SegmentReplyStoreTest, AClockSetBackYearsKeepsEveryRecordsTime) {
  constexpr TimePoint kNow = 1'800'000'000'000;
  constexpr TimePoint kYears = 10LL * 365 * kDay;
  SegmentReplyStore store;                            // A day.
  RememberReply(store, "later", 1, kNow);             // Expires at kNow + 1 day.
  RememberReply(store, "earlier", 2, kNow - kYears);  // Clock set back ten years.
  EXPECT_EQ(store.far_time_count(), 1u);
  EXPECT_EQ(TextOf(store, "later", kNow - kYears), "reply-1");
  EXPECT_EQ(TextOf(store, "earlier", kNow - kYears + kDay - 1), "reply-2");
  EXPECT_FALSE(store.Find("earlier", kNow - kYears + kDay));
  store.Sweep(kNow - kYears + 2 * kDay);  // Stops at "later".
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(TextOf(store, "later", kNow + kDay - 1), "reply-1");
  EXPECT_FALSE(store.Find("later", kNow + kDay));
  store.Sweep(kNow + kDay);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.far_time_count(), 0u);
  // And once empty the base follows the clock again.
  RememberReply(store, "next", 3, kNow + 2 * kDay);
  EXPECT_EQ(store.far_time_count(), 0u);
  EXPECT_EQ(TextOf(store, "next", kNow + 3 * kDay - 1), "reply-3");
}

TEST(SegmentReplyStoreTest, ClearForgetsEverything) {
  SegmentReplyStore store(/*lifetime=*/10);
  for (int i = 0; i < 1000; ++i) RememberReply(store, IdOf(i), i, 0);
  store.Clear();
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.text_count(), 0u);
  EXPECT_FALSE(store.Find(IdOf(5), 0));
  RememberReply(store, IdOf(5), 5, 0);
  EXPECT_EQ(TextOf(store, IdOf(5), 0), "reply-5");
}

}  // namespace
}  // namespace mock_courier
