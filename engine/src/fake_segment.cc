#include "fake_segment.h"

#include "json_util.h"
#include "mock_courier/time_format.h"
#include "prefetch.h"

namespace mock_courier {

void FakeSegment::Record(const std::string& write_key, const nlohmann::json& event,
                         const std::string& path, const std::string& origin,
                         TimePoint received_at) {
  Record(write_key, CallText(SharedText::Copy(JsonText(event))), path, origin, received_at);
}

void FakeSegment::Record(const std::string& write_key, CallText event, const std::string& path,
                         const std::string& origin, TimePoint received_at) {
  std::lock_guard lock(mutex_);
  // Consecutive calls mostly name what the last one did: its names are
  // reused without a lookup.
  static const Call kNoCall{};
  const Call& last = calls_.empty() ? kNoCall : calls_.back();
  calls_.push_back(Call{Name(write_key, last.write_key), Name(path, last.path),
                        Name(origin, last.origin), received_at, std::move(event)});
  std::size_t dropped = 0;
  while (capacity_ != 0 && calls_.size() > capacity_) {
    calls_.pop_front();
    ++dropped;
  }
  evicted_ += dropped;
  // The next calls to go, one stage per call recorded (prefetch.h): the
  // second, its record; the first (cached since), its text's blocks. The
  // shared names are in use by the newest calls, so cached already.
  if (dropped != 0 && calls_.size() > 1) {
    PrefetchLines(&calls_[1], sizeof(Call));
    calls_[0].event.PrefetchBlocks();
  }
}

nlohmann::json FakeSegment::Received(const std::string& write_key) const {
  nlohmann::json results = nlohmann::json::array();
  std::lock_guard lock(mutex_);
  for (const Call& call : calls_) {
    if (!write_key.empty() && *call.write_key != write_key) continue;
    results.push_back({{"write_key", *call.write_key},
                       {"path", *call.path},
                       {"origin", *call.origin},
                       {"received_at", FormatIso8601(call.received_at)},
                       {"event", nlohmann::json::parse(*call.event.Text())}});
  }
  return {{"results", std::move(results)}, {"evicted", evicted_}};
}

FakeSegment::Text FakeSegment::Name(const std::string& text, const Text& last) {
  if (last != nullptr && *last == text) return last;
  if (auto it = names_.find(text); it != names_.end()) return it->second;
  Text name = std::make_shared<const std::string>(text);
  if (names_.size() < kMaxNames) names_.emplace(text, name);
  return name;
}

void FakeSegment::Clear() {
  std::lock_guard lock(mutex_);
  calls_ = {};
  names_ = {};
  evicted_ = 0;
}

void FakeSegment::ClearWriteKey(const std::string& write_key) {
  if (write_key.empty()) return;
  std::lock_guard lock(mutex_);
  std::erase_if(calls_, [&](const Call& call) { return *call.write_key == write_key; });
}

std::size_t FakeSegment::size() const {
  std::lock_guard lock(mutex_);
  return calls_.size();
}

}  // namespace mock_courier
