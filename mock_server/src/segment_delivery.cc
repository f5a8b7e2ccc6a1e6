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
// other 4xx are final
// (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/).
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
    std::vector<OutboundCall> calls;
    if (!options_.segment_url.empty()) calls = engine_.TakeOutboundBatch(options_.batch_size);
    const bool tried_webhooks = DeliverWebhooks();
    if (calls.empty()) {
      if (tried_webhooks) continue;
      std::unique_lock lock(mutex_);
      if (stopping_) {
        if (webhook_retries_.empty()) return;  // Drained.
        if (std::chrono::steady_clock::now() >= drain_deadline_) {
          lock.unlock();
          for (const PendingWebhook& p : webhook_retries_) {
            engine_.MarkWebhook(p.call.workspace_key, p.call.webhook_id, DeliveryState::kFailed,
                                p.attempt - 1, "shutdown before delivery");
          }
          webhook_retries_.clear();
          return;
        }
      }
      // New outbox entries have no notification; a short poll keeps the
      // worker off every request's path.
      wake_.wait_for(lock, std::chrono::milliseconds(10));
      continue;
    }
    std::map<std::string, std::vector<OutboundCall>> by_key;
    for (OutboundCall& call : calls) by_key[call.write_key].push_back(std::move(call));
    for (const auto& [write_key, group] : by_key) Deliver(write_key, group);
  }
}

int SegmentDelivery::BackoffMs(int attempt) const {
  return static_cast<int>(
      std::min<long long>(options_.max_backoff_ms, static_cast<long long>(options_.backoff_base_ms)
                                                       << std::min(attempt - 1, 20)));
}

bool SegmentDelivery::DeliverWebhooks() {
  bool tried = false;
  for (WebhookCall& call : engine_.TakeWebhookBatch(options_.batch_size)) {
    TryWebhook({std::move(call), 1, {}});
    tried = true;
  }
  // Retries that are due (or all of them once stopping: the drain does not
  // wait out a long backoff).
  const auto now = std::chrono::steady_clock::now();
  bool stopping = false;
  {
    std::lock_guard lock(mutex_);
    stopping = stopping_;
  }
  std::deque<PendingWebhook> waiting;
  std::deque<PendingWebhook> due;
  for (PendingWebhook& p : webhook_retries_) {
    (p.due <= now || (stopping && !PastDrainDeadline()) ? due : waiting).push_back(std::move(p));
  }
  webhook_retries_ = std::move(waiting);
  for (PendingWebhook& p : due) {
    TryWebhook(std::move(p));
    tried = true;
  }
  return tried;
}

void SegmentDelivery::TryWebhook(PendingWebhook pending) {
  const WebhookCall& call = pending.call;
  // Split "scheme://host[:port]/path?query" for httplib.
  std::size_t host_start = call.url.find("://");
  std::size_t path_start =
      host_start == std::string::npos ? std::string::npos : call.url.find('/', host_start + 3);
  const std::string origin = call.url.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : call.url.substr(path_start);
  httplib::Client client(origin);
  std::string error;
  bool retry = false;
  if (!client.is_valid()) {
    error = "cannot reach " + origin + " (https needs a build with OpenSSL)";
  } else {
    client.set_tcp_nodelay(true);
    client.set_connection_timeout(std::chrono::seconds(2));
    client.set_read_timeout(std::chrono::seconds(5));
    client.set_write_timeout(std::chrono::seconds(5));
    httplib::Headers headers = {{"User-Agent", "mock-courier"}};
    if (!call.signature.empty()) headers.emplace("courier-signature", call.signature);
    httplib::Result result = client.Post(path, headers, call.body, "application/json");
    if (result && result->status >= 200 && result->status < 300) {
      engine_.MarkWebhook(call.workspace_key, call.webhook_id, DeliveryState::kDelivered,
                          pending.attempt, "");
      return;
    }
    if (result) {
      error = "HTTP " + std::to_string(result->status);
      retry = result->status == 429 || result->status >= 500;
    } else {
      error = "connection error: " + httplib::to_string(result.error());
      retry = true;
    }
  }
  if (!retry || pending.attempt >= options_.max_attempts || PastDrainDeadline()) {
    engine_.MarkWebhook(call.workspace_key, call.webhook_id, DeliveryState::kFailed,
                        pending.attempt, error);
    return;
  }
  engine_.MarkWebhook(call.workspace_key, call.webhook_id, DeliveryState::kRetrying,
                      pending.attempt, error);
  pending.due =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(BackoffMs(pending.attempt));
  ++pending.attempt;
  webhook_retries_.push_back(std::move(pending));
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

  auto mark = [&](DeliveryState state, int attempts, const std::string& error) {
    for (const OutboundCall& call : calls) {
      engine_.MarkOutbound(call.workspace_key, call.outbox_id, state, attempts, error);
    }
  };
  std::string error;
  int tries = 0;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    tries = attempt;
    // sentAt is the time of this try, as analytics-node sets it
    // (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/).
    Json body = {{"batch", batch},
                 {"writeKey", write_key},
                 {"sentAt", FormatIso8601(engine_.clock().Now())}};
    httplib::Headers headers = {{"Authorization", "Basic " + Base64Encode(write_key + ":")},
                                {"User-Agent", "mock-courier"}};
    if (attempt > 1) headers.emplace("X-Retry-Count", std::to_string(attempt - 1));
    httplib::Result result = client.Post("/v1/batch", headers, body.dump(), "application/json");
    if (result && result->status >= 200 && result->status < 400) {
      mark(DeliveryState::kDelivered, attempt, "");
      return;
    }
    if (result) {
      error = "HTTP " + std::to_string(result->status);
      if (!Retryable(result->status)) break;
    } else {
      error = "connection error: " + httplib::to_string(result.error());
    }
    if (attempt == options_.max_attempts) break;
    mark(DeliveryState::kRetrying, attempt, error);
    if (!Backoff(BackoffMs(attempt))) {
      error += "; shutdown before delivery";
      mark(DeliveryState::kFailed, attempt, error);
      return;
    }
  }
  mark(DeliveryState::kFailed, tries, error);
}

}  // namespace mock_courier::server
