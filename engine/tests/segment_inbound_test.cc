// POST /inbound/segment and /inbound/courier semantics
// (https://www.courier.com/docs/external-integrations/cdp/segment).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mock_courier/json_parse.h"

#include "mock_courier/testing/checkout_workspace.h"
#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::TestEngine;

TEST(SegmentInboundTest, AcceptedEventAnswers202WithAFreshCourierId) {
  TestEngine t;
  auto reply = t.engine.SegmentInbound(t.key, TestEngine::Track("Signed Up", "u1", "m-1"));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 202);
  std::string id = reply->body["messageId"];
  EXPECT_EQ(id.rfind("1-", 0), 0u);
  EXPECT_NE(id, "m-1");
  auto journal = t.Journal()["results"];
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0]["id"], id);
  EXPECT_EQ(journal[0]["type"], "track");
}

TEST(SegmentInboundTest, RepeatedMessageIdReplaysTheFirstResponseAndRunsNothingAgain) {
  TestEngine t;
  auto first = t.engine.SegmentInbound(t.key, TestEngine::Identify("u1", "m-1", {{"plan", "pro"}}));
  auto second =
      t.engine.SegmentInbound(t.key, TestEngine::Identify("u1", "m-1", {{"plan", "free"}}));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->status, 202);
  EXPECT_EQ(second->body, first->body);
  EXPECT_EQ(t.Profile("u1")["plan"], "pro");
  auto journal = t.Journal()["results"];
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_EQ(journal[1]["outcome"], "duplicate");
}

TEST(SegmentInboundTest, EventTesterMessagesAreNotDeduplicated) {
  TestEngine t;
  json e = TestEngine::Identify("u1", "segment-test-message-a8rmf", {{"n", 1}});
  auto first = t.engine.SegmentInbound(t.key, e);
  e["traits"]["n"] = 2;
  auto second = t.engine.SegmentInbound(t.key, e);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->body["messageId"], second->body["messageId"]);
  EXPECT_EQ(t.Profile("u1")["n"], 2);
}

TEST(SegmentInboundTest, IdentifyDeepMergesTraitsIntoTheProfile) {
  TestEngine t;
  ASSERT_TRUE(t.engine
                  .SegmentInbound(t.key, TestEngine::Identify("u1", "m1",
                                                              {{"email", "a@x.io"},
                                                               {"address", {{"city", "Oslo"}}}}))
                  .ok());
  ASSERT_TRUE(
      t.engine
          .SegmentInbound(t.key, TestEngine::Identify(
                                     "u1", "m2", {{"plan", "pro"}, {"address", {{"zip", "0150"}}}}))
          .ok());
  EXPECT_EQ(t.Profile("u1"), (json{{"email", "a@x.io"},
                                   {"plan", "pro"},
                                   {"address", {{"city", "Oslo"}, {"zip", "0150"}}}}));
}

TEST(SegmentInboundTest, AnonymousIdentifyBuildsTheAnonymousProfile) {
  TestEngine t;
  json e = {{"type", "identify"},
            {"anonymousId", "anon-7"},
            {"userId", nullptr},
            {"messageId", "m1"},
            {"traits", {{"cart", 2}}}};
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, e).ok());
  EXPECT_EQ(t.Profile("anon-7")["cart"], 2);
}

TEST(SegmentInboundTest, TopLevelEmailIsIgnoredWithADiagnostic) {
  TestEngine t;
  // The Segment Event Tester sample of Courier's troubleshooting guide.
  json e =
      R"({"messageId":"segment-test-message-iskh4123","type":"identify","email":"test@example.org",
               "traits":{"trait1":2},"userId":"rod-test"})"_json;
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, e).ok());
  EXPECT_FALSE(t.Profile("rod-test").contains("email"));
  auto diagnostics = t.Journal()["results"][0]["diagnostics"];
  ASSERT_EQ(diagnostics.size(), 2u);
  EXPECT_EQ(diagnostics[1],
            "'email' at the top level of an identify is ignored; put it in traits (Courier's "
            "troubleshooting guide)");
}

TEST(SegmentInboundTest, UnmappedTrackIsJournaledAsUnmapped) {
  TestEngine t;
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, TestEngine::Track("Nothing Here", "u1", "m1")).ok());
  auto entry = t.Journal()["results"][0];
  EXPECT_EQ(entry["outcome"], "unmapped");
  EXPECT_EQ(entry["diagnostics"],
            json::array({"no event map 'Segment-TrackEvent:Nothing Here' and no automation "
                         "triggered by 'track/Nothing Here': the event is unmapped"}));
  EXPECT_TRUE(t.Messages()["results"].empty());
}

// The unmapped note comes after what the mock noticed earlier about the
// event, and /inbound/courier has its own.
TEST(SegmentInboundTest, TheUnmappedNoteComesLast) {
  TestEngine t;
  json track = TestEngine::Track("Nothing \"Here\"", "u1", "m1");
  track["email"] = "u1@example.com";
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, track).ok());
  ASSERT_TRUE(t.engine
                  .Call(t.key, "POST", "/inbound/courier",
                        {{"event", "Nobody Listens"},
                         {"messageId", "c-1"},
                         {"type", "track"},
                         {"properties", json::object()}})
                  .ok());
  const json results = t.Journal()["results"];
  ASSERT_EQ(results.size(), 2u);
  const json& segment = results[0]["source"] == "segment" ? results[0] : results[1];
  const json& courier = results[0]["source"] == "segment" ? results[1] : results[0];
  ASSERT_EQ(segment["diagnostics"].size(), 2u) << segment.dump();
  EXPECT_EQ(segment["diagnostics"][0].get<std::string>().rfind("'email' at the top level", 0), 0u);
  EXPECT_EQ(segment["diagnostics"][1],
            "no event map 'Segment-TrackEvent:Nothing \"Here\"' and no automation triggered by "
            "'track/Nothing \"Here\"': the event is unmapped");
  EXPECT_EQ(courier["outcome"], "unmapped");
  EXPECT_EQ(courier["diagnostics"],
            json::array({"no automation triggered by 'track/Nobody Listens'"}));
}

// The journal keeps payloads as JSON text; the view parses them back whole.
TEST(SegmentInboundTest, JournalShowsThePayloadExactly) {
  TestEngine t;
  json event = TestEngine::Track(
      "Nothing Here", "u1", "m1",
      {{"nested", {{"list", {1, 2.5, "x", nullptr, true}}}}, {"text", "quote \" and \u00e9"}});
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, event).ok());
  EXPECT_EQ(t.Journal()["results"][0]["payload"], event);
}

// In-process callers can hand the engine strings that are not UTF-8 (HTTP
// bodies cannot: the parser rejects them). Recording them must not throw.
TEST(SegmentInboundTest, InvalidUtf8FromAnInProcessCallerIsReplacedNotThrown) {
  TestEngine t;
  json event = TestEngine::Track("Nothing Here", "u1", "m1", {{"bad", "a\xff"}});
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, event).ok());
  EXPECT_EQ(t.Journal()["results"][0]["payload"]["properties"]["bad"], "a\ufffd");
}

// A message an event-map send makes keeps the event as its data. Once the
// message is final it holds the request's text (shared with the journal), not
// the tree: every view still shows the event, whatever the text's spelling.
TEST(SegmentInboundTest, AFinalMessageShowsTheEventItWasSentForAsData) {
  TestEngine t(testing::CheckoutWorkspace());
  // Spelled as a client might: spaces, escapes, a float with a trailing zero,
  // a big integer, nesting, a key twice (the last one counts).
  const std::string text =
      "{ \"type\":\"track\", \"event\":\"Order Completed\", \"userId\":\"ann\",\n"
      "  \"messageId\":\"m-text\", \"properties\": {\"total\": 10.50, \"n\": 12345678901234,"
      " \"name\": \"caf\\u00e9 \\\"x\\\"\", \"items\": [[1, 2], {\"sku\": \"a\"}], \"n\": 7},"
      " \"context\": {\"library\": {\"name\": \"analytics-node\"}} }";
  const json event = json::parse(text);
  auto reply = t.engine.SegmentInbound(t.key, event, text);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  const json journal = t.Journal()["results"];
  ASSERT_EQ(journal.size(), 1u);
  ASSERT_EQ(journal[0]["effects"]["messages"].size(), 1u);
  const std::string id = journal[0]["effects"]["messages"][0];
  const json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["status"], "DELIVERED");
  const json& enqueued = messages[0]["history"][0];
  ASSERT_EQ(enqueued["type"], "ENQUEUED");
  EXPECT_EQ(enqueued["data"], event);
  EXPECT_EQ(enqueued["request"]["data"], event);
  auto history =
      t.engine.Call(t.key, "GET", "/messages/" + id + "/history", {}, {{"type", "ENQUEUED"}});
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  ASSERT_EQ(history->body["results"].size(), 1u);
  EXPECT_EQ(history->body["results"][0]["data"], event);
  EXPECT_EQ(history->body["results"][0]["data"]["properties"]["n"], 7);
  // The journal shows the same event.
  EXPECT_EQ(journal[0]["payload"], event);
}

TEST(SegmentInboundTest, CatalogueUsesTheTrackPrefix) {
  TestEngine t;
  ASSERT_TRUE(
      t.engine.SegmentInbound(t.key, TestEngine::Track("Order Completed", "u1", "m1")).ok());
  ASSERT_TRUE(
      t.engine.SegmentInbound(t.key, TestEngine::Track("Order Completed", "u2", "m2")).ok());
  ASSERT_TRUE(
      t.engine.SegmentInbound(t.key, TestEngine::Identify("u1", "m3", json::object())).ok());
  auto catalogue = t.Journal()["catalogue"];
  ASSERT_EQ(catalogue.size(), 2u);
  EXPECT_EQ(catalogue[0]["id"], "identify");
  EXPECT_EQ(catalogue[1]["id"], "track/Order Completed");
  EXPECT_EQ(catalogue[1]["count"], 2);
}

TEST(SegmentInboundTest, GroupIsAcceptedAndCatalogued) {
  TestEngine t;
  json e =
      R"({"type":"group","groupId":"acme","userId":"u1","messageId":"g1","traits":{"plan":"enterprise"}})"_json;
  auto reply = t.engine.SegmentInbound(t.key, e);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 202);
  EXPECT_EQ(t.Journal()["catalogue"][0]["id"], "group");
}

struct BadEvent {
  const char* name;
  const char* event;
  int status;
  const char* message;
};

class SegmentInboundBadInputTest : public ::testing::TestWithParam<BadEvent> {};

TEST_P(SegmentInboundBadInputTest, RejectsWithMessageOnlyBodyAndChangesNoProfile) {
  TestEngine t(R"({"api_keys":["k"], "lists":[{"id":"known"}]})"_json);
  auto reply = t.engine.SegmentInbound(t.key, json::parse(GetParam().event));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), GetParam().status);
  EXPECT_EQ(reply.status().ToBody(), (json{{"message", GetParam().message}}));
  EXPECT_EQ(t.engine.Profiles(t.key)->at("results").size(), 0u);
  auto journal = t.Journal()["results"];
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0]["outcome"], "rejected");
}

INSTANTIATE_TEST_SUITE_P(
    Events, SegmentInboundBadInputTest,
    ::testing::Values(
        BadEvent{"Page", R"({"type":"page","userId":"u","messageId":"m"})", 501,
                 "Event Type Unsupported: page"},
        BadEvent{"Screen", R"({"type":"screen","userId":"u","messageId":"m"})", 501,
                 "Event Type Unsupported: screen"},
        BadEvent{"Alias", R"({"type":"alias","userId":"u","previousId":"p","messageId":"m"})", 501,
                 "Event Type Unsupported: alias"},
        BadEvent{"NoType", R"({"userId":"u","messageId":"m"})", 501,
                 "Event Type Unsupported: undefined"},
        BadEvent{"NoUser", R"({"type":"track","event":"E","messageId":"m"})", 400,
                 "Invalid track event: must have required property 'userId' or 'anonymousId'"},
        BadEvent{
            "NullUsers",
            R"({"type":"identify","userId":null,"anonymousId":null,"traits":{},"messageId":"m"})",
            400, "Invalid identify event: must have required property 'userId' or 'anonymousId'"},
        BadEvent{"NumericUser", R"({"type":"track","event":"E","userId":7,"messageId":"m"})", 400,
                 "Invalid track event: 'userId' must be a string or null"},
        BadEvent{"TrackWithoutEvent", R"({"type":"track","userId":"u","messageId":"m"})", 400,
                 "Invalid track event: must have required property 'event'"},
        BadEvent{"IdentifyWithoutTraits", R"({"type":"identify","userId":"u","messageId":"m"})",
                 400, "Invalid identify event: must have required property 'traits'"},
        BadEvent{"GroupWithoutGroupId",
                 R"({"type":"group","userId":"u","traits":{},"messageId":"m"})", 400,
                 "Invalid group event: must have required property 'groupId'"},
        BadEvent{"GroupWithoutTraits",
                 R"({"type":"group","userId":"u","groupId":"g","messageId":"m"})", 400,
                 "Invalid group event: must have required property 'traits'"},
        BadEvent{
            "ListAndPattern",
            R"({"type":"track","event":"E","userId":"u","messageId":"m","properties":{"courier":{"list":"known","pattern":"k*"}}})",
            400, "Only one of the following courier properties allowed: 'list', 'pattern'"},
        BadEvent{
            "UnknownList",
            R"({"type":"track","event":"E","userId":"u","messageId":"m","properties":{"courier":{"list":"missing"}}})",
            400, "List missing not found"},
        BadEvent{"MissingMessageId", R"({"type":"identify","userId":"u","traits":{"a":1}})", 400,
                 "Invalid Segment event: 'messageId' is required (Segment sets it on every event; "
                 "Courier itself answers 500 without it)"},
        BadEvent{"NotAnObject", R"([1,2])", 400,
                 "Invalid Segment event: the body must be a JSON object"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SegmentInboundBadInputTest, RejectionIsReplayedForTheSameMessageId) {
  TestEngine t;
  json page = R"({"type":"page","userId":"u","messageId":"m"})"_json;
  auto first = t.engine.SegmentInbound(t.key, page);
  auto second = t.engine.SegmentInbound(t.key, page);
  EXPECT_EQ(first.status(), second.status());
  EXPECT_EQ(second.status().http_status(), 501);
}

TEST(SegmentInboundBadInputTest, WrongApiKeyIs401AndRecordsNothing) {
  TestEngine t;
  auto reply = t.engine.SegmentInbound("not-a-key", TestEngine::Track("E", "u", "m"));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 401);
  EXPECT_TRUE(t.Journal()["results"].empty());
}

TEST(CourierInboundTest, AcceptsATrackAndRejectsARepeatedMessageIdWith409) {
  TestEngine t;
  json body = {{"event", "Signed Up"},
               {"messageId", "c-1"},
               {"properties", {{"a", 1}}},
               {"type", "track"},
               {"userId", "u1"}};
  auto first = t.engine.Call(t.key, "POST", "/inbound/courier", body);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, 202);
  auto second = t.engine.Call(t.key, "POST", "/inbound/courier", body);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().ToBody(), (json{{"message", "Message with id 'c-1' already exists"},
                                            {"type", "invalid_request_error"}}));
  auto journal = t.Journal()["results"];
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_EQ(journal[0]["source"], "courier");
  EXPECT_EQ(journal[1]["outcome"], "duplicate");
}

TEST(CourierInboundBadInputTest, RequiresEventMessageIdPropertiesAndTrackType) {
  TestEngine t;
  json good = {
      {"event", "E"}, {"messageId", "c"}, {"properties", json::object()}, {"type", "track"}};
  auto without = [&](const char* key) {
    json b = good;
    b.erase(key);
    return t.engine.Call(t.key, "POST", "/inbound/courier", b).status().message();
  };
  EXPECT_EQ(without("event"), "'event' is required");
  EXPECT_EQ(without("messageId"), "'messageId' is required");
  EXPECT_EQ(without("type"), "'type' is required");
  EXPECT_EQ(without("properties"), "'properties' is required");
  json page = good;
  page["type"] = "page";
  EXPECT_EQ(t.engine.Call(t.key, "POST", "/inbound/courier", page).status().message(),
            "'type' must be \"track\"");
  EXPECT_TRUE(t.Journal()["results"].empty());
}

// ---- The event as text (Engine::SegmentInboundText): packed with no tree ----

// A workspace where every path of an inbound event has an effect: the
// checkout automation, an event map, lists, identify and group automations.
json EveryPathWorkspace() {
  json ws = testing::CheckoutWorkspace();
  ws["lists"] = {{{"id", "vip"}, {"subscribers", {"ann", "u1"}}},
                 {{"id", "5"}, {"subscribers", {"ann"}}}};
  ws["automations"].push_back(
      {{"id", "welcome"},
       {"trigger", "identify"},
       {"steps",
        {{{"action", "send"}, {"template", "reminder"}, {"recipient", "refs.data.userId"}}}}});
  ws["automations"].push_back(
      {{"id", "team"},
       {"trigger", "group"},
       {"steps", {{{"action", "send"}, {"template", "reminder"}, {"recipient", "ann"}}}}});
  return ws;
}

TEST(SegmentInboundTextTest, TextAndTreeGiveTheSameRepliesAndViews) {
  // Members out of key order, repeated keys, escapes, timestamps, numbers of
  // every kind, and the invalid events of each rule.
  const std::vector<std::string> bodies = {
      R"({"type":"track","event":"Checkout Page Visited","userId":"u1","messageId":"m1",)"
      R"("properties":{"total":99.5,"item":"Boots \u00e9","qty":2,"delta":-3,"item":"Shoes"},)"
      R"("context":{"library":{"version":"4.1.0","name":"analytics.js"}},)"
      R"("timestamp":"2026-01-05T09:00:00.000Z","sentAt":"2026-01-05T09:00:00Z"})",
      R"({"messageId":"m2","userId":"ann","event":"Order Completed","type":"track",)"
      R"("properties":{"order_id":"o-1","total":10},"email":"top@example.com"})",
      R"({"type":"track","event":"Sale","userId":"ann","messageId":"m3",)"
      R"("properties":{"courier":{"list":"vip"}}})",
      R"({"type":"track","event":"Sale","userId":"ann","messageId":"m4",)"
      R"("properties":{"courier":{"pattern":"v*"}}})",
      R"({"type":"track","event":"Sale","userId":"ann","messageId":"m4b",)"
      R"("properties":{"courier":{"list":5}}})",
      R"({"type":"identify","userId":"ann","messageId":"m5","email":"top@example.com",)"
      R"("traits":{"plan":"pro","address":{"city":"Oslo"}}})",
      R"({"type":"identify","anonymousId":"anon-1","userId":null,"messageId":"m6",)"
      R"("traits":{"email":"anon@example.com"}})",
      R"({"type":"group","userId":"ann","groupId":"g1","messageId":"m7","traits":{"n":1}})",
      R"({"type":"track","event":"Checkout Page Visited","userId":"u1","messageId":"m1"})",
      R"({"type":"track","event":"Checkout Page Visited","userId":"2026-01-05T09:00:00.000Z",)"
      R"("messageId":"m8"})",
      R"({"type":"track","event":"Big","userId":"u2","messageId":"m9",)"
      R"("properties":{"huge":123456789012345678901234567890}})",
      // Not plain text (an underflow; a byte-order mark): parsed instead.
      R"({"type":"track","event":"Tiny","userId":"u2","messageId":"m9b",)"
      R"("properties":{"tiny":1e-400}})",
      "\xEF\xBB\xBF"
      R"({"type":"track","event":"Bom","userId":"u2","messageId":"m9c"})",
      R"({"type":"track","event":"X","userId":"u1"})",
      R"({"type":"page","userId":"u1","messageId":"m10"})",
      R"({"type":"track","userId":"u1","messageId":"m11"})",
      R"({"type":"track","event":"X","userId":5,"messageId":"m12"})",
      R"({"type":"track","event":"X","messageId":"m13"})",
      R"({"type":"track","event":"X","userId":"u1","messageId":"m14","properties":5})",
      R"({"type":"track","event":"X","userId":"u1","messageId":"m15",)"
      R"("properties":{"courier":{"list":"vip","pattern":"v*"}}})",
      R"({"type":"track","event":"X","userId":"u1","messageId":"m16",)"
      R"("properties":{"courier":{"list":"nope"}}})",
      R"({"type":"track","event":"X","userId":"u1","messageId":"m17",)"
      R"("properties":{"courier":{"pattern":""}}})",
      R"({"type":"identify","userId":"u1","messageId":"m18","traits":[]})",
      R"({"type":"group","userId":"u1","messageId":"m19","traits":{}})",
      R"({"type":"track","event":"X","userId":"u1","messageId":""})",
      R"([1,2])",
      R"("text")",
      R"({"type":"track","event":"Checkout Page Visited","userId":"u3",)"
      R"("messageId":"segment-test-message-1"})",
  };
  testing::TestEngine text(EveryPathWorkspace());
  testing::TestEngine tree(EveryPathWorkspace());
  for (const std::string& body : bodies) {
    Result<json> parsed = ParseJson(body);
    ASSERT_TRUE(parsed.ok()) << body;
    auto from_text = text.engine.SegmentInboundText(text.key, body);
    auto from_tree = tree.engine.SegmentInbound(tree.key, *parsed, body);
    ASSERT_EQ(from_text.ok(), from_tree.ok()) << body;
    if (from_text.ok()) {
      EXPECT_EQ(from_text->status, from_tree->status) << body;
      EXPECT_EQ(from_text->body, from_tree->body) << body;
    } else {
      EXPECT_EQ(from_text.status(), from_tree.status()) << body;
    }
  }
  text.Advance(3 * kHour);
  tree.Advance(3 * kHour);
  EXPECT_EQ(text.Journal(), tree.Journal());
  EXPECT_EQ(text.Runs(), tree.Runs());
  EXPECT_EQ(text.Messages(), tree.Messages());
  EXPECT_EQ(text.Outbox(), tree.Outbox());
  for (const char* user : {"ann", "anon-1", "u1"})
    EXPECT_EQ(text.Profile(user), tree.Profile(user));
  // Every path ran: sends by map, list, pattern, automations of each kind.
  EXPECT_GE(text.Messages()["results"].size(), 8u);
  EXPECT_EQ(text.Runs()["results"].size(), 6u);
}

TEST(SegmentInboundTextTest, TextThatIsNotJsonAnswersParseJsonsMessageAndKeepsNothing) {
  testing::TestEngine t(EveryPathWorkspace());
  const std::string too_deep =
      std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  for (const std::string& body :
       std::vector<std::string>{"{\"type\":", "", "{\"a\":1} x", "\xEF\xBB\xBF{", "[1e400]",
                                "{\"event\":\"\xFF\"}", too_deep}) {
    auto reply = t.engine.SegmentInboundText(t.key, body);
    ASSERT_FALSE(reply.ok()) << body;
    EXPECT_EQ(reply.status().http_status(), 400);
    EXPECT_EQ(reply.status().message(), ParseJson(body).status().message());
    EXPECT_EQ(reply.status().ToBody(), json({{"message", ParseJson(body).status().message()}}))
        << "a message-only body, as /inbound/segment answers";
  }
  EXPECT_EQ(t.engine.SegmentInboundText(t.key, too_deep).status().ToBody(),
            json({{"message", "JSON nesting is deeper than the limit of 64 levels"}}));
  EXPECT_TRUE(t.Journal()["results"].empty());
  // A byte-order mark is not plain text, but nlohmann reads it: accepted.
  auto bom =
      t.engine.SegmentInboundText(t.key,
                                  "\xEF\xBB\xBF"
                                  R"({"type":"track","event":"X","userId":"u","messageId":"b"})");
  ASSERT_TRUE(bom.ok()) << bom.status().ToString();
  EXPECT_EQ(bom->status, 202);
}

}  // namespace
}  // namespace mock_courier
