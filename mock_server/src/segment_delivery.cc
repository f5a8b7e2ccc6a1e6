#include "segment_delivery.h"

#include <algorithm>
#include <chrono>
#include <map>

#include <httplib.h>

#include "mock_courier/time_format.h"
#include "request_body.h"

namespace mock_courier::server {
namespace {

// Segment's libraries retry 5xx except 501 and 505, and 408/429; 400 and
// other 4xx are final (reference/segment-spec.md §2.8).
bool Retryable(int status) {
  if (status == 408 || status == 429) return true;
  return status >= 500 && status != 501 && status != 505;
}

}  // namespace

SegmentDelivery::SegmentDelivery(Engine& engine, SegmentDeliveryOptions options)
    : engine_(engine), options_(std::move(options)) {}

SegmentDelivery::~SegmentDelivery() { Stop(); }

void SegmentDelivery::Start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void SegmentDelivery::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    if (!stopping_) {
      stopping_ = true;
      drain_deadline_ =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.drain_timeout_ms);
    }
  }
  wake_.notify_all();
  thread_.join();
}

bool SegmentDelivery::PastDrainDeadline() {
  std::lock_guard lock(mutex_);
  return stopping_ && std::chrono::steady_clock::now() >= drain_deadline_;
}

bool SegmentDelivery::Backoff(int ms) {
  std::unique_lock lock(mutex_);
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  // Wakes early only when a stop moves the deadline in.
  wake_.wait_until(lock, until, [&] { return stopping_ && drain_deadline_ < until; });
  if (stopping_) {
    if (std::chrono::steady_clock::now() >= drain_deadline_) return false;
    wake_.wait_until(lock, std::min(until, drain_deadline_));
    return std::chrono::steady_clock::now() < drain_deadline_;
  }
  return true;
}

void SegmentDelivery::Run() {
  while (true) {
    std::vector<OutboundCall> calls = engine_.TakeOutboundBatch(options_.batch_size);
    if (calls.empty()) {
      std::unique_lock lock(mutex_);
      if (stopping_) return;  // Drained.
      // New outbox entries have no notification; a short poll keeps the
      // worker off every request's path.
      wake_.wait_for(lock, std::chrono::milliseconds(10), [&] { return stopping_; });
      continue;
    }
    std::map<std::string, std::vector<OutboundCall>> by_key;
    for (OutboundCall& call : calls) by_key[call.write_key].push_back(std::move(call));
    for (const auto& [write_key, group] : by_key) Deliver(write_key, group);
  }
}

void SegmentDelivery::Deliver(const std::string& write_key,
                              const std::vector<OutboundCall>& calls) {
  Json batch = Json::array();
  for (const OutboundCall& call : calls) batch.push_back(call.event);
  httplib::Client client(options_.segment_url);
  client.set_tcp_nodelay(true);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(5));
  client.set_write_timeout(std::chrono::seconds(5));

  auto mark = [&](const std::string& state, int attempts, const std::string& error) {
    for (const OutboundCall& call : calls) {
      engine_.MarkOutbound(call.workspace_key, call.outbox_id, state, attempts, error);
    }
  };
  std::string error;
  int tries = 0;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    tries = attempt;
    // sentAt is the time of this try, as analytics-node sets it (§2.8).
    Json body = {{"batch", batch},
                 {"writeKey", write_key},
                 {"sentAt", FormatIso8601(engine_.clock().Now())}};
    httplib::Headers headers = {{"Authorization", "Basic " + Base64Encode(write_key + ":")},
                                {"User-Agent", "mock-courier"}};
    if (attempt > 1) headers.emplace("X-Retry-Count", std::to_string(attempt - 1));
    httplib::Result result = client.Post("/v1/batch", headers, body.dump(), "application/json");
    if (result && result->status >= 200 && result->status < 400) {
      mark("delivered", attempt, "");
      return;
    }
    if (result) {
      error = "HTTP " + std::to_string(result->status);
      if (!Retryable(result->status)) break;
    } else {
      error = "connection error: " + httplib::to_string(result.error());
    }
    if (attempt == options_.max_attempts) break;
    mark("retrying", attempt, error);
    const long long backoff = std::min<long long>(options_.max_backoff_ms,
                                                  static_cast<long long>(options_.backoff_base_ms)
                                                      << std::min(attempt - 1, 20));
    if (!Backoff(static_cast<int>(backoff))) {
      error += "; shutdown before delivery";
      mark("failed", attempt, error);
      return;
    }
  }
  mark("failed", tries, error);
}

}  // namespace mock_courier::server
