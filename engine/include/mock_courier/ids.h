// IdGenerator: Courier-style ids from a seedable generator.
//
// Courier's message, request, run and inbound ids look like AWS X-Ray trace ids:
// "1-<8 hex digits of epoch seconds>-<24 hex digits>" (the ids in
// https://www.courier.com/docs/reference/send/message). The 24 random digits come from a seeded
// generator, so the same seed, the same clock and the same calls give the same ids. Not
// thread-safe: the engine calls it under its own lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "mock_courier/clock.h"

namespace mock_courier {

class IdGenerator {
 public:
  explicit IdGenerator(std::uint64_t seed = 0) : state_(seed) {}
  // "1-<hex seconds of now>-<24 hex>".
  std::string Next(TimePoint now);
  static constexpr std::size_t kIdLength = 2 + 8 + 1 + 8 + 16;
  // The same id written to `out`, for a caller that keeps it inside other
  // text (an outbound call's messageId).
  void NextInto(TimePoint now, char (&out)[kIdLength]);
  // 64 pseudo-random bits; also used where the engine needs a random choice.
  std::uint64_t NextBits();
  // The first random word of an id Next writes (its 8 hex digits after the
  // seconds) from the second (its last 16): the two are consecutive outputs,
  // and an output determines the generator's state. A store can keep only
  // the second word of an id it knows Next wrote (segment_reply_store.h).
  static std::uint32_t FirstWordBefore(std::uint64_t second_word);
  // How many NextBits calls lead from the output `from` to the output `to`
  // (modulo 2^64): an output determines the state, and the state moves by a
  // fixed odd step. A store of ids from one generator can keep a 32-bit
  // distance from a base output instead of an output (segment_reply_store.h).
  static std::uint64_t StepsBetween(std::uint64_t from, std::uint64_t to);
  // The output `steps` calls after the output `from` (StepsBetween's inverse).
  static std::uint64_t OutputAfter(std::uint64_t from, std::uint64_t steps);

 private:
  std::uint64_t state_;
};

}  // namespace mock_courier
