// SegmentDelivery: the worker that delivers Courier's outbound Segment calls
// to a real (or another fake) Segment Tracking API over HTTP.
//
// It takes pending outbox calls from the engine (Engine::TakeOutboundBatch),
// groups them by write key and POSTs {segment_url}/v1/batch with Basic
// write-key auth, as Segment's own libraries do (https://segment.com/docs/connections/spec/
// https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/). 429, 5xx
// (except 501/505) and connection errors are retried with exponential backoff up to `max_attempts`;
// other answers fail at once. Each outcome is recorded with Engine::MarkOutbound ("retrying",
// "delivered", "failed"). Runs on its own thread; never touches request handlers.
//
// The same worker delivers the workspaces' outbound webhooks
// (Engine::TakeWebhookBatch): one POST of the call's exact body to its URL,
// with `courier-signature` when the destination has a secret. 429, 5xx and
// connection errors are retried after the same backoff, without holding up
// other calls (a retry waits in the worker's queue); other answers fail at
// once. Outcomes go to Engine::MarkWebhook. With no segment_url, only
// webhooks are delivered.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mock_courier/engine.h"

namespace mock_courier::server {

struct SegmentDeliveryOptions {
  std::string segment_url;  // "http://127.0.0.1:9999"; "" = webhooks only
  int max_attempts = 5;
  // Backoff before try n+1 is base * 2^(n-1), capped at max_backoff_ms.
  int backoff_base_ms = 500;
  int max_backoff_ms = 60000;
  // How long Stop() keeps delivering what is queued before giving up.
  int drain_timeout_ms = 3000;
  std::size_t batch_size = 100;
};

class SegmentDelivery {
 public:
  // `engine` is not owned and must outlive this object.
  SegmentDelivery(Engine& engine, SegmentDeliveryOptions options);
  ~SegmentDelivery();  // Stops.
  SegmentDelivery(const SegmentDelivery&) = delete;
  SegmentDelivery& operator=(const SegmentDelivery&) = delete;

  void Start();
  // Delivers what is queued (bounded by drain_timeout_ms), marks the rest
  // failed, joins the thread. Idempotent.
  void Stop();

 private:
  void Run();
  // Delivers one group of calls sharing a write key; returns when each is
  // delivered or failed.
  void Deliver(const std::string& write_key, const std::vector<OutboundCall>& calls);
  // Waits up to `ms`, less when stopping past the drain deadline. Returns
  // false when the drain deadline has passed.
  bool Backoff(int ms);
  bool PastDrainDeadline();
  int BackoffMs(int attempt) const;

  // A webhook call and its next try.
  struct PendingWebhook {
    WebhookCall call;
    int attempt = 1;
    std::chrono::steady_clock::time_point due;
  };
  // Takes new webhook calls and tries every one that is due; returns whether
  // it tried any.
  bool DeliverWebhooks();
  // One try of `pending`: delivered, failed, or queued again for a retry.
  void TryWebhook(PendingWebhook pending);

  Engine& engine_;
  SegmentDeliveryOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point drain_deadline_;
  std::deque<PendingWebhook> webhook_retries_;  // Worker thread only.
  std::thread thread_;
};

}  // namespace mock_courier::server
