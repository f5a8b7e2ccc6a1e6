// After POST /_mock/reset the server replaces its idle connection workers
// when RSS is above ServerOptions::reset_rss_factor times its startup RSS
// (docs/server.md "Retention"): the workers' allocator caches go back with
// them. Threads are told apart by their kernel ids in /proc/self/task. The
// reset's own connection is kept alive, so its next answer comes after the
// server has finished with the reset (the same thread serves both).
#include <dirent.h>

#include <cstdlib>
#include <set>
#include <string>

#include "server_fixture.h"

namespace mock_courier::server::testing {
namespace {

std::set<int> ThreadIds() {
  std::set<int> ids;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return ids;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ids.insert(std::atoi(entry->d_name));
  }
  ::closedir(dir);
  return ids;
}

ServerOptions WithResetFactor(double factor) {
  ServerOptions options;
  options.threads = 4;
  options.reset_rss_factor = factor;
  return options;
}

class ResetWorkersTest : public ServerTest {
 protected:
  explicit ResetWorkersTest(double factor) : ServerTest(WithResetFactor(factor)) {}

  struct Change {
    std::set<int> gone;   // Threads there before the reset and not after.
    std::set<int> fresh;  // Threads there after and not before.
  };
  Change AcrossAReset() {
    client_->set_keep_alive(true);
    EXPECT_EQ(Get("/_mock/health")->status, 200);  // Opens the kept connection.
    const std::set<int> before = ThreadIds();
    auto reset = Post("/_mock/reset", "");
    EXPECT_TRUE(reset && reset->status == 200);
    EXPECT_EQ(Get("/_mock/health")->status, 200);  // Served once the reset is done.
    const std::set<int> after = ThreadIds();
    Change change;
    for (int id : before) {
      if (after.count(id) == 0) change.gone.insert(id);
    }
    for (int id : after) {
      if (before.count(id) == 0) change.fresh.insert(id);
    }
    return change;
  }
};

class AlwaysRetire : public ResetWorkersTest {
 protected:
  AlwaysRetire() : ResetWorkersTest(0) {}
};

class NeverRetire : public ResetWorkersTest {
 protected:
  NeverRetire() : ResetWorkersTest(-1) {}
};

TEST_F(AlwaysRetire, AResetReplacesTheIdleWorkers) {
  // At least four workers; the one serving the kept connection stays. (How
  // many were idle at that moment depends on how fast they started.)
  const Change change = AcrossAReset();
  EXPECT_FALSE(change.gone.empty());
  EXPECT_FALSE(change.fresh.empty());
  // The fresh ones serve new connections.
  for (int i = 0; i < 8; ++i) {
    httplib::Client other("127.0.0.1", server_.port());
    auto health = other.Get("/_mock/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
  }
}

TEST_F(NeverRetire, WithoutItTheSameWorkersStay) {
  const Change change = AcrossAReset();
  EXPECT_TRUE(change.gone.empty());
  EXPECT_TRUE(change.fresh.empty());
}

}  // namespace
}  // namespace mock_courier::server::testing
