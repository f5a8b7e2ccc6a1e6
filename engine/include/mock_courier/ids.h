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

 private:
  std::uint64_t state_;
};

}  // namespace mock_courier
