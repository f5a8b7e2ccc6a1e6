// Status, clocks, ids, time formats and the timer queue.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "json_util.h"
#include "mock_courier/clock.h"
#include "mock_courier/engine.h"
#include "mock_courier/ids.h"
#include "mock_courier/status.h"
#include "mock_courier/time_format.h"
#include "scheduler.h"

namespace mock_courier {
namespace {

// The outbox writes JSON strings by hand; they must match what nlohmann
// writes (and parses back), escapes and invalid UTF-8 included.
// One splitter serves accessor paths, comma lists and URL paths.
TEST(JoinedTextTest, JoinsOnTheStackAndOnTheHeapAlike) {
  const std::string a(40, 'a');
  for (std::size_t b_size : {0u, 1u, 55u, 56u, 57u, 500u}) {
    const std::string b(b_size, 'b');
    const JoinedText joined(a, b);
    EXPECT_EQ(joined.view(), a + b) << b_size;
  }
  EXPECT_EQ(JoinedText("track/", "Checkout Page Visited").view(), "track/Checkout Page Visited");
  EXPECT_EQ(JoinedText("", "").view(), "");
}

TEST(SplitOnTest, KeepsEveryPieceEmptyOnesIncluded) {
  using Pieces = std::vector<std::string_view>;
  EXPECT_EQ(SplitOn("data.user.id", '.'), (Pieces{"data", "user", "id"}));
  EXPECT_EQ(SplitOn("a..b.", '.'), (Pieces{"a", "", "b", ""}));
  EXPECT_EQ(SplitOn("", ','), (Pieces{""}));
  EXPECT_EQ(SplitOn("no separator", ','), (Pieces{"no separator"}));
}

TEST(JsonTextTest, HandWrittenStringsMatchNlohmann) {
  const std::vector<std::string> samples = {
      "",     "user-1",       "q\"uote",     "back\\slash", "tab\tnew\nline\r",
      "\b\f", "\x01\x1f\x7f", "caf\xc3\xa9", "bad\xff",     "mixed \" \xc3\xa9 \x02"};
  for (const std::string& text : samples) {
    std::string out = "prefix:";
    AppendJsonString(out, text);
    EXPECT_EQ(out, "prefix:" + JsonText(Json(text))) << text;
  }
  EXPECT_EQ(JsonText(Json("bad\xff")), "\"bad\xef\xbf\xbd\"");
  // Random strings: runs of plain characters broken by every escape, at the
  // start, the middle and the end, and sometimes a byte past ASCII.
  std::mt19937 random(20261130);
  const std::string alphabet = std::string("ab\"\\\b\f\n\r\t\x01\x1f\x7f ") + '\0';
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int length = static_cast<int>(random() % 24);
    for (int i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
    if (round % 10 == 0) text.insert(random() % (text.size() + 1), 1, '\xc3');
    std::string out = "prefix:";
    AppendJsonString(out, text);
    ASSERT_EQ(out, "prefix:" + JsonText(Json(text))) << round;
  }
  // Plain runs are crossed 8 bytes at a time: every byte value at every
  // position of a 17-byte string (two words and a tail), so no word hides a
  // byte that needs an escape, whatever its neighbours.
  for (int byte = 0; byte < 256; ++byte) {
    for (std::size_t at = 0; at < 17; ++at) {
      for (char fill : {'a', ' ', '!', '~', '\x7f'}) {
        std::string text(17, fill);
        text[at] = static_cast<char>(byte);
        std::string out = "prefix:";
        AppendJsonString(out, text);
        ASSERT_EQ(out, "prefix:" + JsonText(Json(text))) << byte << " at " << at << " in " << fill;
      }
    }
  }
}

TEST(StatusTest, BodiesFollowCourierShapes) {
  EXPECT_EQ(Status::Unauthorized().ToBody(),
            (Json{{"message", "Unauthorized"}, {"type", "authentication_error"}}));
  EXPECT_EQ(Status::BadRequest("x").WithShape(ErrorShape::kLegacySend).ToBody(),
            (Json{{"message", "x"}, {"status", 400}}));
  EXPECT_EQ(Status::NotImplemented("Event Type Unsupported: page").ToBody(),
            (Json{{"message", "Event Type Unsupported: page"}}));
  EXPECT_EQ(Status::Error(402, "pay").type(), "authorization_error");
  EXPECT_EQ(Status::Error(429, "slow").type(), "rate_limit_error");
  EXPECT_EQ(Status::Error(503, "down").type(), "api_error");
  EXPECT_EQ(Status::Conflict("dup").type(), "invalid_request_error");
  EXPECT_TRUE(Status::Ok().ok());
  EXPECT_FALSE(Status::NotFound("x").ok());
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad = Status::NotFound("gone");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().http_status(), 404);
  EXPECT_EQ(bad.status().message(), "gone");
}

TEST(ManualClockTest, NeverMovesBackwardsThroughAdvanceTo) {
  ManualClock clock(1000);
  clock.AdvanceTo(500);
  EXPECT_EQ(clock.Now(), 1000);
  clock.Advance(kHour);
  EXPECT_EQ(clock.Now(), 1000 + kHour);
  EXPECT_STREQ(clock.Mode(), "virtual");
}

TEST(ScaledSystemClockTest, SkipsAheadWhenAdvanced) {
  ScaledSystemClock clock(1000, 1.0);
  clock.AdvanceTo(1000 + kDay);
  EXPECT_GE(clock.Now(), 1000 + kDay);
  EXPECT_STREQ(clock.Mode(), "real");
}

TEST(IdGeneratorTest, ProducesCourierShapedIds) {
  IdGenerator ids(1);
  std::string id = ids.Next(0x65f240a0LL * 1000);
  ASSERT_EQ(id.size(), 2 + 8 + 1 + 24u);
  EXPECT_EQ(id.substr(0, 11), "1-65f240a0-");
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 11), std::string::npos);
}

// The ids a seed gives are part of what a scenario run reproduces: they must
// not change when the formatting code does. Values from the first version
// (snprintf "1-%08lx-%08lx%016llx" of the same splitmix64 bits).
TEST(IdGeneratorTest, IdsOfASeedAreStable) {
  IdGenerator ids(7);
  EXPECT_EQ(ids.Next(0x65f240a0LL * 1000 + 999), "1-65f240a0-59320dd7044c3cd7f43c661c");
  EXPECT_EQ(ids.Next(0), "1-00000000-bab12a02953aeb70673e29cb");
  // Only the low 32 bits of the seconds are written.
  EXPECT_EQ(ids.Next(0x1234567890LL * 1000), "1-34567890-6a1e21da3fdabe86cbbeaa11");
}

// Every id against snprintf of the same bits, at random times and at times
// whose digits are all 0, 9, a or f (the ends of the two digit classes).
TEST(IdGeneratorTest, IdsAreTheirBitsInHexAsSnprintfWritesThem) {
  std::mt19937_64 random(20261204);
  const TimePoint edges[] = {0, 0x99999999LL * 1000, 0xaaaaaaaaLL * 1000, 0xffffffffLL * 1000};
  const std::uint64_t seeds[] = {0, 7, 0xffffffffffffffffULL, random()};
  for (const std::uint64_t seed : seeds) {
    IdGenerator ids(seed);
    IdGenerator bits(seed);
    for (int i = 0; i < 2000; ++i) {
      const TimePoint now = i < 4 ? edges[i] : static_cast<TimePoint>(random() >> 20);
      const std::uint64_t a = bits.NextBits();
      const std::uint64_t b = bits.NextBits();
      char expected[64];
      std::snprintf(expected, sizeof expected, "1-%08llx-%08llx%016llx",
                    static_cast<unsigned long long>((now / 1000) & 0xffffffffLL),
                    static_cast<unsigned long long>(a & 0xffffffffULL),
                    static_cast<unsigned long long>(b));
      ASSERT_EQ(ids.Next(now), expected) << seed << " " << i;
    }
  }
}

// An id's first random word follows from its last 16 digits, for every seed
// and every call (the dedupe store keeps only those).
TEST(IdGeneratorTest, TheFirstRandomWordFollowsFromTheSecond) {
  EXPECT_EQ(IdGenerator::FirstWordBefore(0x044c3cd7f43c661cULL), 0x59320dd7u);  // Pinned above.
  for (std::uint64_t seed : {0ULL, 7ULL, 0xffffffffffffffffULL, 0x9e3779b97f4a7c15ULL}) {
    IdGenerator ids(seed);
    for (int i = 0; i < 1000; ++i) {
      const std::string id = ids.Next(0);
      const auto first = static_cast<std::uint32_t>(std::stoull(id.substr(11, 8), nullptr, 16));
      const std::uint64_t second = std::stoull(id.substr(19, 16), nullptr, 16);
      ASSERT_EQ(IdGenerator::FirstWordBefore(second), first) << id;
    }
  }
}

// The distance in calls between two outputs of one generator follows from
// the outputs alone, and gives the later output back (the dedupe store keeps
// that distance, not the output).
TEST(IdGeneratorTest, StepsBetweenOutputsAndBack) {
  for (std::uint64_t seed : {0ULL, 7ULL, 0xffffffffffffffffULL}) {
    IdGenerator ids(seed);
    const std::uint64_t first = ids.NextBits();
    std::uint64_t last = first;
    for (std::uint64_t n = 1; n <= 1000; ++n) {
      last = ids.NextBits();
      ASSERT_EQ(IdGenerator::StepsBetween(first, last), n) << seed;
      ASSERT_EQ(IdGenerator::OutputAfter(first, n), last) << seed;
    }
    // Backwards is the distance modulo 2^64.
    EXPECT_EQ(IdGenerator::StepsBetween(last, first), ~std::uint64_t{1000} + 1);
    EXPECT_EQ(IdGenerator::OutputAfter(last, ~std::uint64_t{1000} + 1), first);
  }
  // Far apart: 2^40 steps on, as the state says.
  const std::uint64_t start = IdGenerator(5).NextBits();
  const std::uint64_t far = IdGenerator::OutputAfter(start, std::uint64_t{1} << 40);
  EXPECT_EQ(IdGenerator::StepsBetween(start, far), std::uint64_t{1} << 40);
  EXPECT_NE(far, start);
}

TEST(IdGeneratorTest, SameSeedSameIdsOtherSeedOtherIds) {
  IdGenerator a(42), b(42), c(43);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = a.Next(0);
    EXPECT_EQ(id, b.Next(0));
    EXPECT_NE(id, c.Next(0));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(TimeFormatTest, FormatsAndParsesIso8601) {
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601(1767603600123), "2026-01-05T09:00:00.123Z");
  EXPECT_EQ(ParseIso8601("2026-01-05T09:00:00.123Z"), 1767603600123);
  EXPECT_EQ(ParseIso8601("2026-01-05T11:00:00+02:00"), 1767603600000);
  EXPECT_EQ(ParseIso8601("2026-01-05"), 1767571200000);
  // The basic form Courier's docs use in the invoke example
  // (https://www.courier.com/docs/reference/automation/invoke).
  EXPECT_EQ(ParseIso8601("20240408T080910.123"), ParseIso8601("2024-04-08T08:09:10.123Z"));
}

// FormatIso8601 writes digits by hand (it is on every view's hot path): it
// writes exactly what "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ" over the civil
// date and time writes, for times from year -2000 to 12000, random and at
// day, year and four-digit boundaries.
TEST(TimeFormatTest, WritesWhatPrintfWritesForAnyYear) {
  const auto reference = [](TimePoint t) {
    using namespace std::chrono;
    TimePoint day_ms = t >= 0 ? t / kDay : (t - kDay + 1) / kDay;
    year_month_day ymd{sys_days{std::chrono::days{day_ms}}};
    Duration rest = t - day_ms * kDay;
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(rest / kHour),
                  static_cast<int>(rest % kHour / kMinute),
                  static_cast<int>(rest % kMinute / kSecond), static_cast<int>(rest % kSecond));
    return std::string(buffer);
  };
  std::vector<TimePoint> times = {0, -1, 1, kDay - 1, -kDay, 1767603600123};
  for (int year : {-2000, -1, 0, 1, 999, 1000, 1969, 1970, 2026, 9999, 10000, 12000}) {
    const auto start = std::chrono::sys_days{std::chrono::year{year} / 1 / 1};
    const TimePoint ms = start.time_since_epoch().count() * kDay;
    for (TimePoint delta : {TimePoint{-1}, TimePoint{0}, TimePoint{1}, TimePoint{999}, kDay - 1})
      times.push_back(ms + delta);
  }
  std::uint64_t seed = 88172645463325252ULL;
  for (int i = 0; i < 20000; ++i) {
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    // Within about +-10000 years of 1970.
    times.push_back(static_cast<TimePoint>(seed % 631152000000000ULL) - 315576000000000LL);
  }
  for (TimePoint t : times) {
    ASSERT_EQ(FormatIso8601(t), reference(t)) << t;
    char buffer[kIso8601Capacity];
    ASSERT_EQ(std::string(buffer, FormatIso8601To(t, buffer)), reference(t)) << t;
  }
}

TEST(TimeFormatBadInputTest, RejectsWhatIsNotATimestamp) {
  EXPECT_FALSE(ParseIso8601(""));
  EXPECT_FALSE(ParseIso8601("tomorrow"));
  EXPECT_FALSE(ParseIso8601("2026-02-30T00:00:00Z"));
  EXPECT_FALSE(ParseIso8601("2026-01-05T25:00:00Z"));
  EXPECT_FALSE(ParseIso8601("2026-01-05T09:00:00Zjunk"));
}

TEST(DurationTest, ParsesCourierDelayForms) {
  EXPECT_EQ(ParseDelayDuration("2 hours"), 2 * kHour);
  EXPECT_EQ(ParseDelayDuration("1 hour"), kHour);
  EXPECT_EQ(ParseDelayDuration("5 minutes"), 5 * kMinute);
  EXPECT_EQ(ParseDelayDuration("3 days"), 3 * kDay);
  EXPECT_EQ(ParseDelayDuration("1 week"), 7 * kDay);
  // date-fns floors a fractional amount (https://www.courier.com/docs/platform/automations/steps).
  EXPECT_EQ(ParseDelayDuration("1.5 hours"), kHour);
  EXPECT_EQ(ParseDelayDuration("PT2H"), 2 * kHour);
  EXPECT_EQ(ParseDelayDuration("P1DT30M"), kDay + 30 * kMinute);
}

// Deviation D10 (docs/fidelity.md): months and years have fixed lengths, not
// date-fns calendar arithmetic.
TEST(DurationTest, MonthsAreThirtyDaysAndYearsThreeHundredSixtyFive) {
  EXPECT_EQ(ParseDelayDuration("1 month"), 30 * kDay);
  EXPECT_EQ(ParseDelayDuration("2 months"), 60 * kDay);
  EXPECT_EQ(ParseDelayDuration("1 year"), 365 * kDay);
}

TEST(DurationBadInputTest, RejectsSecondsInDelaysAndGarbage) {
  // Courier's delay regex has no seconds (https://www.courier.com/docs/platform/automations/steps).
  EXPECT_FALSE(ParseDelayDuration("30 seconds"));
  EXPECT_FALSE(ParseDelayDuration("2hours"));
  EXPECT_FALSE(ParseDelayDuration("two hours"));
  EXPECT_FALSE(ParseDelayDuration("P"));
  EXPECT_FALSE(ParseDelayDuration("PT"));
  EXPECT_FALSE(ParseDelayDuration(""));
}

TEST(DurationTest, AdminFormsAlsoTakeSecondsAndMilliseconds) {
  EXPECT_EQ(ParseDuration("30 seconds"), 30 * kSecond);
  EXPECT_EQ(ParseDuration("1500"), 1500);
  EXPECT_EQ(ParseDuration("2 hours"), 2 * kHour);
  EXPECT_FALSE(ParseDuration("soon"));
}

// A typed timer of workspace `workspace` whose target is `tag`.
Scheduler::Timer Tagged(std::uint64_t workspace, std::uint64_t tag) {
  Scheduler::Timer timer;
  timer.workspace = workspace;
  timer.kind = TimerKind::kRunDelay;
  timer.target = tag;
  return timer;
}

TEST(SchedulerTest, PopsInDueThenCreationOrder) {
  Scheduler s;
  s.Schedule(200, Tagged(1, 3));
  s.Schedule(100, Tagged(1, 1));
  s.Schedule(100, Tagged(1, 2));
  EXPECT_EQ(s.NextDue(), 100);
  EXPECT_FALSE(s.PopDue(99));
  EXPECT_EQ(s.PopDue(1000)->target, 1u);
  EXPECT_EQ(s.PopDue(1000)->target, 2u);
  EXPECT_EQ(s.PopDue(1000)->target, 3u);
  EXPECT_FALSE(s.PopDue(1000));
}

TEST(SchedulerTest, CanceledTimerNeverPops) {
  Scheduler s;
  TimerId keep = s.Schedule(100, Tagged(1, 1));
  TimerId drop = s.Schedule(50, Tagged(1, 2));
  EXPECT_TRUE(s.Cancel(drop));
  EXPECT_FALSE(s.Cancel(drop));
  auto first = s.PopDue(1000);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, keep);
  EXPECT_EQ(s.size(), 0u);
}

// Issue: a million pending delays must stay cheap. Scheduling, canceling and
// popping are logarithmic; a linear scan per operation would make this test
// run for hours instead of about a second (no time is asserted).
TEST(SchedulerTest, AMillionTimersPopInOrderWithHalfCanceled) {
  constexpr int kTimers = 1'000'000;
  Scheduler s;
  std::vector<TimerId> ids;
  ids.reserve(kTimers);
  for (int i = 0; i < kTimers; ++i) {
    // A permutation of due times (7919 is prime and coprime with kTimers).
    TimePoint due = (static_cast<TimePoint>(i) * 7919) % kTimers;
    ids.push_back(s.Schedule(due, Tagged(1, static_cast<std::uint64_t>(i))));
  }
  for (int i = 0; i < kTimers; i += 2) EXPECT_TRUE(s.Cancel(ids[static_cast<size_t>(i)]));
  EXPECT_EQ(s.size(), static_cast<size_t>(kTimers / 2));
  TimePoint last = -1;
  int popped = 0;
  while (auto timer = s.PopDue(kTimers)) {
    ASSERT_GT(timer->id.due, last);
    last = timer->id.due;
    ++popped;
  }
  EXPECT_EQ(popped, kTimers / 2);
  EXPECT_EQ(s.size(), 0u);
}

// Timers are held compactly (the kind shares a word with the target; the
// channel and closure live apart): every field comes back as scheduled,
// including targets too large to share a word and the extremes of each.
TEST(SchedulerTest, ATimerPopsWithEveryFieldItWasScheduledWith) {
  Scheduler s;
  Scheduler::Timer delivery;
  delivery.workspace = std::numeric_limits<std::uint64_t>::max();
  delivery.kind = TimerKind::kDeliverMessage;
  delivery.target = (std::uint64_t{1} << 56) - 1;  // The largest target sharing its word.
  delivery.channel = "email";
  Scheduler::Timer big = Tagged(7, std::numeric_limits<std::uint64_t>::max());
  big.kind = TimerKind::kDelayedSend;
  auto token = std::make_shared<int>(0);  // The closure's capture: it travels with the timer.
  Scheduler::Timer callback;
  callback.workspace = 3;
  callback.kind = TimerKind::kProcessRequest;
  callback.target = 1ULL << 56;  // The smallest that does not.
  callback.callback = [token](WorkspaceState&) {};
  const TimerId first = s.Schedule(10, delivery);
  s.Schedule(20, big);
  s.Schedule(30, std::move(callback));
  EXPECT_EQ(token.use_count(), 2);

  auto popped = s.PopDue(100);
  ASSERT_TRUE(popped);
  EXPECT_EQ(popped->id, first);
  EXPECT_EQ(popped->workspace, delivery.workspace);
  EXPECT_EQ(popped->kind, TimerKind::kDeliverMessage);
  EXPECT_EQ(popped->target, delivery.target);
  EXPECT_EQ(popped->channel, "email");
  EXPECT_FALSE(popped->callback);
  popped = s.PopDue(100);
  ASSERT_TRUE(popped);
  EXPECT_EQ(popped->workspace, 7u);
  EXPECT_EQ(popped->kind, TimerKind::kDelayedSend);
  EXPECT_EQ(popped->target, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(popped->channel, "");
  popped = s.PopDue(100);
  ASSERT_TRUE(popped);
  EXPECT_EQ(popped->kind, TimerKind::kProcessRequest);
  EXPECT_EQ(popped->target, 1ULL << 56);
  EXPECT_TRUE(popped->callback);
  EXPECT_EQ(token.use_count(), 2);
  popped.reset();
  EXPECT_EQ(token.use_count(), 1);
}

// PopDue's look ahead (what the clock prepares, timers.h PrefetchUpcoming):
// the timers due next within the limit, soonest first, at most kUpcoming,
// each with its workspace, kind and target (a large target included).
TEST(SchedulerTest, PopDueNamesTheTimersDueNextWithinTheLimit) {
  Scheduler s;
  for (std::uint64_t i = 0; i < 5; ++i) {
    Scheduler::Timer timer = Tagged(i + 1, 100 + i);
    timer.kind = i % 2 == 0 ? TimerKind::kRunDelay : TimerKind::kDeliverMessage;
    s.Schedule(static_cast<TimePoint>(50 - i * 10), std::move(timer));  // Due 50, 40, ... 10.
  }
  Scheduler::Timer big = Tagged(9, std::numeric_limits<std::uint64_t>::max());
  s.Schedule(35, std::move(big));
  std::array<Scheduler::Upcoming, Scheduler::kUpcoming> upcoming;
  std::size_t count = 99;
  auto popped = s.PopDue(100, upcoming, count);  // Due 10; next 20, 30, 35.
  ASSERT_TRUE(popped);
  EXPECT_EQ(popped->target, 104u);
  ASSERT_EQ(count, 3u);
  EXPECT_EQ(upcoming[0].target, 103u);
  EXPECT_EQ(upcoming[0].workspace, 4u);
  EXPECT_EQ(upcoming[0].kind, TimerKind::kDeliverMessage);
  EXPECT_EQ(upcoming[1].target, 102u);
  EXPECT_EQ(upcoming[1].kind, TimerKind::kRunDelay);
  EXPECT_EQ(upcoming[2].target, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(upcoming[2].workspace, 9u);
  // Within the limit only: due 20, then 30 and 35 (40 is past it).
  popped = s.PopDue(35, upcoming, count);
  ASSERT_TRUE(popped);
  EXPECT_EQ(popped->target, 103u);
  ASSERT_EQ(count, 2u);
  EXPECT_EQ(upcoming[0].target, 102u);
  EXPECT_EQ(upcoming[1].workspace, 9u);
  // Nothing due: nothing named.
  EXPECT_FALSE(s.PopDue(5, upcoming, count));
  EXPECT_EQ(count, 0u);
}

TEST(SchedulerTest, RemoveWorkspaceDropsOnlyItsTimers) {
  Scheduler s;
  s.Schedule(1, Tagged(1, 1));
  s.Schedule(2, Tagged(2, 2));
  s.Schedule(3, 1, [](WorkspaceState&) {});  // A callback timer of workspace 1.
  s.RemoveWorkspace(1);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.PopDue(10)->workspace, 2u);
}

}  // namespace
}  // namespace mock_courier
