// The live inspector's endpoints (mock_server/src/inspector.h) and its page.
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "server_fixture.h"
#include "ui_assets.h"

namespace mock_courier::server::testing {
namespace {

json DemoWorkspace() {
  std::ifstream in(std::string(MOCK_COURIER_SOURCE_DIR) + "/fixtures/workspaces/demo.json");
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

class InspectorTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    ASSERT_EQ(Put("/_mock/workspaces/demo-key", DemoWorkspace().dump(), "")->status, 200);
  }
  // The demo's checkout automation: "Checkout Page Visited" -> 2 h delay -> reminder.
  void VisitCheckout(const std::string& user, const std::string& message_id) {
    ASSERT_EQ(Post("/inbound/segment",
                   json({{"type", "track"},
                         {"event", "Checkout Page Visited"},
                         {"userId", user},
                         {"messageId", message_id},
                         {"properties", {{"item", "Shoes"}, {"cart_id", "c-1"}, {"total", 42}}}})
                       .dump(),
                   Bearer("demo-key"))
                  ->status,
              202);
  }
  json Admin(const std::string& path) {
    auto res = Get(path, "");
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 200) << path << ": " << res->body;
    return Body(res);
  }
  static json Kinds(const json& page) {
    json kinds = json::array();
    for (const json& row : page["results"]) kinds.push_back(row["kind"]);
    return kinds;
  }
};

TEST_F(InspectorTest, TimelineShowsTheWaitingRunThenLinksItsMessageAndOutboundCalls) {
  VisitCheckout("user-1", "seg-1");
  json before = Admin("/_mock/timeline?workspace=demo-key");
  EXPECT_EQ(Kinds(before), json({"run", "segment"}));
  const json& run = before["results"][0];
  EXPECT_EQ(run["status"], "WAITING");
  EXPECT_EQ(run["lane"], "courier");
  const json& inbound = before["results"][1];
  EXPECT_EQ(inbound["lane"], "app");
  EXPECT_EQ(run["links"], json::array({inbound["id"]}));
  EXPECT_EQ(inbound["leads_to"], json::array({run["id"]}));
  EXPECT_NE(run["label"].get<std::string>().find(", due "), std::string::npos);

  ASSERT_EQ(Post("/_mock/clock/advance", R"({"by":"2 hours"})", "")->status, 200);
  json after = Admin("/_mock/timeline?workspace=demo-key");
  // Newest first; within one mock instant, effects before their causes.
  EXPECT_EQ(Kinds(after), json({"outbound", "outbound", "send", "run", "segment"}));
  const json& message = after["results"][2];
  EXPECT_EQ(message["status"], "DELIVERED");
  EXPECT_EQ(message["lane"], "providers");
  EXPECT_EQ(message["links"], json::array({run["id"]}));
  EXPECT_EQ(after["results"][3]["leads_to"], json::array({message["id"]}));
  json names = json::array();
  for (int i : {0, 1}) {
    EXPECT_EQ(after["results"][i]["links"], json::array({message["id"]}));
    EXPECT_EQ(after["results"][i]["lane"], "segment");
    names.push_back(after["results"][i]["name"]);
  }
  EXPECT_EQ(names, json({"Message Delivered", "Message Sent"}));
  EXPECT_EQ(after["total"], 5);
}

TEST_F(InspectorTest, SummaryCountsByStatusAndShowsTheClock) {
  VisitCheckout("user-1", "seg-1");
  VisitCheckout("user-1", "seg-1");  // a replayed duplicate
  json summary = Admin("/_mock/summary?workspace=demo-key");
  EXPECT_EQ(summary["totals"],
            json({{"inbound", 2}, {"runs", 1}, {"messages", 0}, {"outbound", 0}}));
  EXPECT_EQ(summary["inbound"], json({{"accepted", 1}, {"duplicate", 1}}));
  EXPECT_EQ(summary["runs"], json({{"WAITING", 1}}));
  EXPECT_EQ(summary["clock"]["mode"], "virtual");
  ASSERT_EQ(Post("/_mock/clock/advance", R"({"by":"2 hours"})", "")->status, 200);
  summary = Admin("/_mock/summary?workspace=demo-key");
  EXPECT_EQ(summary["runs"], json({{"PROCESSED", 1}}));
  EXPECT_EQ(summary["messages"], json({{"DELIVERED", 1}}));
  EXPECT_EQ(summary["outbound"], json({{"delivered", 2}}));
}

TEST_F(InspectorTest, TimelinePagesAndFiltersByUserEventStatusAndKind) {
  for (int i = 0; i < 5; ++i) VisitCheckout("u" + std::to_string(i), "seg-" + std::to_string(i));
  json page = Admin("/_mock/timeline?workspace=demo-key&limit=3&offset=8");
  EXPECT_EQ(page["total"], 10);
  EXPECT_EQ(page["results"].size(), 2u);
  EXPECT_EQ(page["offset"], 8);
  json mine = Admin("/_mock/timeline?workspace=demo-key&user=u3");
  EXPECT_EQ(mine["total"], 2);
  for (const json& row : mine["results"]) EXPECT_EQ(row["user"], "u3");
  EXPECT_EQ(Admin("/_mock/timeline?workspace=demo-key&status=waiting")["total"], 5);
  EXPECT_EQ(Admin("/_mock/timeline?workspace=demo-key&event=checkout%20page")["total"], 10);
  EXPECT_EQ(Admin("/_mock/timeline?workspace=demo-key&event=nothing")["total"], 0);
  EXPECT_EQ(Admin("/_mock/timeline?workspace=demo-key&kind=segment")["total"], 5);
}

TEST_F(InspectorTest, InspectReturnsTheFullRecordOfEachKind) {
  VisitCheckout("user-1", "seg-1");
  ASSERT_EQ(Post("/_mock/clock/advance", R"({"by":"2 hours"})", "")->status, 200);
  json rows = Admin("/_mock/timeline?workspace=demo-key")["results"];
  json message =
      Admin("/_mock/inspect?workspace=demo-key&kind=send&id=" + rows[2]["id"].get<std::string>());
  EXPECT_EQ(message["record"]["rendered"]["email"]["subject"], "You left Shoes in your cart");
  EXPECT_EQ(message["row"]["id"], rows[2]["id"]);
  json run =
      Admin("/_mock/inspect?workspace=demo-key&kind=run&id=" + rows[3]["id"].get<std::string>());
  EXPECT_EQ(run["record"]["cancelation_token"], "user-1");
  EXPECT_EQ(run["record"]["steps"][0]["action"], "delay");
  json inbound = Admin("/_mock/inspect?workspace=demo-key&kind=segment&id=" +
                       rows[4]["id"].get<std::string>());
  EXPECT_EQ(inbound["record"]["payload"]["messageId"], "seg-1");
  json call = Admin("/_mock/inspect?workspace=demo-key&kind=outbound&id=" +
                    rows[1]["id"].get<std::string>());
  EXPECT_EQ(call["record"]["event"]["event"], "Message Sent");
  json profile = Admin("/_mock/inspect?workspace=demo-key&kind=profile&id=user-1");
  EXPECT_EQ(profile["record"]["profile"]["profile"]["email"], "user-1@example.com");
  EXPECT_TRUE(profile["record"]["lists"].contains("results"));
}

TEST_F(InspectorTest, ChangesAnswersWhenTheEngineMoves) {
  json summary = Admin("/_mock/summary?workspace=demo-key");
  const auto version = summary["version"].get<std::uint64_t>();
  json idle = Admin("/_mock/changes?since=" + std::to_string(version) + "&timeout_ms=20");
  EXPECT_EQ(idle["changed"], false);
  EXPECT_EQ(idle["version"], version);
  // A waiting long-poll returns once a Segment event arrives.
  json woke;
  std::thread poll([&] {
    httplib::Client other("127.0.0.1", server_.port());
    auto res = other.Get(
        ("/_mock/changes?since=" + std::to_string(version) + "&timeout_ms=30000").c_str());
    if (res) woke = json::parse(res->body);
  });
  VisitCheckout("user-1", "seg-1");
  poll.join();
  EXPECT_EQ(woke["changed"], true);
  EXPECT_GT(woke["version"].get<std::uint64_t>(), version);
  // A clock advance with nothing due is a change too (the page shows the clock).
  json now = Admin("/_mock/summary?workspace=demo-key");
  std::thread clock_poll([&] {
    httplib::Client other("127.0.0.1", server_.port());
    auto res = other.Get(("/_mock/changes?since=" + now["version"].dump() +
                          "&now_ms=" + now["clock"]["now_ms"].dump() + "&timeout_ms=30000")
                             .c_str());
    if (res) woke = json::parse(res->body);
  });
  ASSERT_EQ(Post("/_mock/clock/advance", R"({"by":"1 minute"})", "")->status, 200);
  clock_poll.join();
  EXPECT_EQ(woke["changed"], true);
}

TEST(InspectorStopTest, ChangesAnswersAtOnceWhileTheServerStops) {
  ManualClock clock(0);
  Engine engine(clock);
  Api api(engine);
  api.SetStopping(true);
  ApiResponse res =
      api.Handle({"GET",
                  "/_mock/changes",
                  {{"since", std::to_string(engine.Version())}, {"timeout_ms", "30000"}},
                  {},
                  ""});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.JsonBody()["stopping"], true);
  EXPECT_EQ(res.JsonBody()["changed"], false);
}

TEST_F(InspectorTest, PageIsServedFromTheBinaryWithAStrictContentSecurityPolicy) {
  auto page = Get("/_mock/ui/", "");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'none'"),
            std::string::npos);
  EXPECT_NE(page->body.find("<script src=\"app.js\""), std::string::npos);
  auto redirect = Get("/_mock/ui?workspace=demo-key", "");
  EXPECT_EQ(redirect->status, 302);
  EXPECT_EQ(redirect->get_header_value("Location"), "/_mock/ui/?workspace=demo-key");
  EXPECT_EQ(Get("/_mock/ui/app.js", "")->status, 200);
  auto css = Get("/_mock/ui/timeline.css", "");
  EXPECT_NE(css->body.find(".k-outbound{color:#b35c00}"), std::string::npos);
  EXPECT_EQ(Get("/_mock/ui/missing.js", "")->status, 404);
}

TEST(InspectorAssetsTest, ReferenceNothingOutsideTheMock) {
  ASSERT_GE(UiAssets().size(), 3u);
  for (const UiAsset& asset : UiAssets()) {
    std::string text(asset.body);
    // The only URL is the SVG namespace name, which is never fetched.
    for (std::string_view ns : {"http://www.w3.org/2000/svg"}) {
      for (auto at = text.find(ns); at != std::string::npos; at = text.find(ns)) {
        text.erase(at, ns.size());
      }
    }
    EXPECT_EQ(text.find("://"), std::string::npos) << asset.name;
    EXPECT_EQ(text.find("@import"), std::string::npos) << asset.name;
    EXPECT_EQ(text.find("url("), std::string::npos) << asset.name;
  }
}

TEST_F(InspectorTest, InspectionViewsPageWithOffsetAndLimit) {
  for (int i = 0; i < 5; ++i) VisitCheckout("u" + std::to_string(i), "seg-" + std::to_string(i));
  json all = Admin("/_mock/runs?workspace=demo-key");
  EXPECT_FALSE(all.contains("total"));  // unchanged without paging parameters
  ASSERT_EQ(all["results"].size(), 5u);
  json page = Admin("/_mock/runs?workspace=demo-key&offset=1&limit=2");
  EXPECT_EQ(page["total"], 5);
  ASSERT_EQ(page["results"].size(), 2u);
  EXPECT_EQ(page["results"][0], all["results"][1]);
  EXPECT_EQ(page["results"][1], all["results"][2]);
  EXPECT_EQ(Admin("/_mock/inbound?workspace=demo-key&offset=9")["results"].size(), 0u);
  auto bad = Get("/_mock/messages?workspace=demo-key&limit=0", "");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(Body(bad)["message"], "offset must be >= 0 and limit >= 1");
  EXPECT_EQ(Get("/_mock/messages?workspace=demo-key&offset=x", "")->status, 400);
}

class InspectorBadInputTest : public InspectorTest {};

TEST_F(InspectorBadInputTest, BadParametersAre4xxAndChangeNothing) {
  VisitCheckout("user-1", "seg-1");
  const json before = Admin("/_mock/summary?workspace=demo-key");
  struct Case {
    std::string path;
    int status;
    std::string message;
  };
  for (const Case& c : {
           Case{"/_mock/timeline?workspace=demo-key&limit=0", 400,
                "limit must be between 1 and 1000"},
           Case{"/_mock/timeline?workspace=demo-key&limit=ten", 400, "limit must be an integer"},
           Case{"/_mock/timeline?workspace=demo-key&offset=-1", 400,
                "offset must be between 0 and 9223372036854775807"},
           Case{"/_mock/timeline", 404,
                "The workspace query parameter is required: ?workspace=<an API key of the "
                "workspace>"},
           Case{"/_mock/summary?workspace=nope", 404,
                "No workspace has the API key 'nope' (GET /_mock/workspaces lists them)"},
           Case{"/_mock/inspect?workspace=demo-key&kind=run", 400, "id is required"},
           Case{"/_mock/inspect?workspace=demo-key&kind=spaceship&id=x", 400,
                "kind must be one of segment, inbound, run, send, outbound, profile"},
           Case{"/_mock/inspect?workspace=demo-key&kind=run&id=nope", 404, "No run with id 'nope'"},
           Case{"/_mock/changes?timeout_ms=99999", 400, "timeout_ms must be between 0 and 30000"},
       }) {
    auto res = Get(c.path, "");
    ASSERT_TRUE(res) << c.path;
    EXPECT_EQ(res->status, c.status) << c.path;
    EXPECT_EQ(Body(res)["message"], c.message) << c.path;
    EXPECT_TRUE(Body(res).contains("type")) << c.path;
  }
  auto post = Post("/_mock/timeline?workspace=demo-key", "{}", "");
  EXPECT_EQ(post->status, 405);
  const json after = Admin("/_mock/summary?workspace=demo-key");
  EXPECT_EQ(after["version"], before["version"]);
  EXPECT_EQ(after["totals"], before["totals"]);
}

class InspectorTokenTest : public ServerTest {
 protected:
  InspectorTokenTest()
      : ServerTest([] {
          ServerOptions o;
          o.api.admin_token = "s3cret";
          return o;
        }()) {}
};

TEST_F(InspectorTokenTest, PageIsOpenButItsDataNeedsTheAdminToken) {
  EXPECT_EQ(Get("/_mock/ui/", "")->status, 200);
  EXPECT_EQ(Get("/_mock/ui/app.js", "")->status, 200);
  for (const char* path :
       {"/_mock/summary?workspace=test-key", "/_mock/timeline?workspace=test-key",
        "/_mock/changes?timeout_ms=0", "/_mock/inspect?workspace=test-key&kind=profile&id=ada"}) {
    EXPECT_EQ(Get(path, "")->status, 401) << path;
    EXPECT_EQ(Get(path, "Bearer s3cret")->status, 200) << path;
  }
}

}  // namespace
}  // namespace mock_courier::server::testing
