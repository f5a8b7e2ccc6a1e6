// Inspector: the admin endpoints behind the live inspector page (/_mock/ui/).
//
//   GET /_mock/ui/[FILE]                 the page and its assets (no admin token:
//                                        they hold no data; the page asks for it)
//   GET /_mock/changes?since=V&now_ms=C&timeout_ms=T   long-poll: answers once
//                                        Engine::Version() != V or the virtual clock != C
//   GET /_mock/summary?workspace=KEY     counts by status and the mock clock
//   GET /_mock/timeline?workspace=KEY&limit=&offset=&user=&event=&status=&kind=
//                                        one page of the merged timeline, newest first
//   GET /_mock/inspect?workspace=KEY&kind=K&id=ID   one timeline item in full
//
// The engine's admin views return whole collections, so the inspector keeps
// one snapshot per workspace key (compact timeline rows, counts and the full
// records), rebuilt when Engine::Version() has moved; a page or a detail is
// then served from it without re-reading the engine.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "mock_courier/engine.h"
#include "mock_courier/server/api.h"

namespace mock_courier::server {

class Inspector {
 public:
  // `engine` is not owned and must outlive the inspector.
  explicit Inspector(Engine& engine) : engine_(engine) {}

  // True for the paths above (any method).
  static bool Handles(const std::string& path);
  // REQUIRES: Handles(request.path).
  ApiResponse Handle(const ApiOptions& options, const ApiRequest& request);

  // While true, /_mock/changes answers at once ("stopping": true).
  void SetStopping(bool stopping) { stopping_ = stopping; }

  struct Snapshot;

 private:
  // The snapshot of workspace `key` at the engine's current version.
  std::shared_ptr<const Snapshot> Current(const std::string& key);

  Engine& engine_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const Snapshot>> snapshots_;
};

}  // namespace mock_courier::server
