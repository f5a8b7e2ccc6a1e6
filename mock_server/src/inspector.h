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
// Each answer asks the engine for only what it shows (Engine::Timeline,
// InspectionCounts, InspectRecord): a timeline page renders its rows alone,
// and the counts are taken from the records without rendering them.
//
// Thread-safe.
#pragma once

#include <atomic>
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

 private:
  Engine& engine_;
  std::atomic<bool> stopping_{false};
};

}  // namespace mock_courier::server
