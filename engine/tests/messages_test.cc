// Messages API (https://www.courier.com/docs/reference/logs/list), engagement, the Events API
// (https://www.courier.com/docs/1.0.0/reference/send/message/), Segment-mapped sends
// (https://www.courier.com/docs/external-integrations/cdp/segment/) and automation send steps
// (https://www.courier.com/docs/reference/automation/invoke).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier {
namespace {

using nlohmann::json;
using testing::TestEngine;

json Workspace() {
  return R"({
    "api_keys": ["k"],
    "notifications": [
      {"id": "welcome", "channels": ["email"], "content": {"email": {"subject": "Hi {{properties.total}}"}}},
      {"id": "other", "channels": ["email"], "content": {"email": {"subject": "Other"}}}
    ],
    "event_maps": {"Segment-TrackEvent:Order Completed": "welcome"},
    "lists": [{"id": "vip", "subscribers": ["ann", "bob"]}],
    "profiles": {"ann": {"email": "ann@example.com"}, "bob": {"email": "bob@example.com"}}
  })"_json;
}

std::string Send(TestEngine& t, const std::string& user,
                 const std::string& notification = "welcome", json extra = json::object()) {
  json message = {{"to", {{"user_id", user}}}, {"template", notification}};
  message.update(extra);
  auto reply = t.engine.Send(t.key, {{"message", message}});
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body["requestId"].get<std::string>() : "";
}

// The send plan the admin view shows ("request") for a mapped send that set
// none of the optional fields; tests fill in the rest.
json PlanWithoutOptions() {
  return {{"mapped", true},
          {"content", nullptr},
          {"routing", nullptr},
          {"brand", nullptr},
          {"override", nullptr},
          {"preferences", nullptr},
          {"list_id", ""},
          {"list_pattern", ""},
          {"audience_id", ""},
          {"metadata", json::object()},
          {"context", json::object()}};
}

// ---- GET /messages -----------------------------------------------------------

TEST(MessagesListTest, NewestFirstWithFilters) {
  TestEngine t(Workspace());
  std::string a = Send(t, "ann");
  std::string b = Send(t, "bob", "other");
  std::string c = Send(t, "nobody");  // UNROUTABLE
  auto all = t.engine.Call(t.key, "GET", "/messages");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->body["results"].size(), 3u);
  EXPECT_EQ(all->body["results"][0]["id"], c);
  EXPECT_EQ(all->body["results"][2]["id"], a);
  EXPECT_EQ(all->body["paging"], (json{{"cursor", nullptr}, {"more", false}}));

  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages", {}, {{"recipient", "bob"}})
                ->body["results"][0]["id"],
            b);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages", {}, {{"notification", "other"}})
                ->body["results"]
                .size(),
            1u);
  EXPECT_EQ(
      t.engine.Call(t.key, "GET", "/messages", {}, {{"event", "welcome"}})->body["results"].size(),
      2u);
  EXPECT_EQ(
      t.engine.Call(t.key, "GET", "/messages", {}, {{"messageId", a}})->body["results"][0]["id"],
      a);
  auto statuses =
      t.engine.Call(t.key, "GET", "/messages", {}, {{"status", {"UNROUTABLE", "DELIVERED"}}});
  EXPECT_EQ(statuses->body["results"].size(), 3u);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages", {}, {{"status", "UNROUTABLE"}})
                ->body["results"][0]["id"],
            c);
}

TEST(MessagesListTest, TraceIdAndTagFilters) {
  TestEngine t(Workspace());
  std::string a =
      Send(t, "ann", "welcome", {{"metadata", {{"trace_id", "tr-1"}, {"tags", {"x", "y"}}}}});
  Send(t, "bob");
  EXPECT_EQ(
      t.engine.Call(t.key, "GET", "/messages", {}, {{"traceId", "tr-1"}})->body["results"][0]["id"],
      a);
  EXPECT_EQ(
      t.engine.Call(t.key, "GET", "/messages", {}, {{"traceId", "tr-1"}})->body["results"].size(),
      1u);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages", {}, {{"tags", "x,y"}})->body["results"].size(),
            1u);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages", {}, {{"tag", {"z"}}})->body["results"].size(),
            0u);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages", {}, {{"provider", "sendgrid"}})
                ->body["results"]
                .size(),
            2u);
}

TEST(MessagesListTest, PagesWithAnOpaqueCursor) {
  TestEngine t(Workspace());
  std::vector<std::string> ids;
  for (int i = 0; i < 105; ++i) ids.push_back(Send(t, "ann"));
  auto first = t.engine.Call(t.key, "GET", "/messages");
  ASSERT_EQ(first->body["results"].size(), 100u);
  EXPECT_TRUE(first->body["paging"]["more"]);
  EXPECT_EQ(first->body["results"][0]["id"], ids[104]);
  std::string cursor = first->body["paging"]["cursor"];
  auto second = t.engine.Call(t.key, "GET", "/messages", {}, {{"cursor", cursor}});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->body["results"].size(), 5u);
  EXPECT_EQ(second->body["results"][0]["id"], ids[4]);
  EXPECT_EQ(second->body["results"][4]["id"], ids[0]);
  EXPECT_FALSE(second->body["paging"]["more"]);
  EXPECT_TRUE(second->body["paging"]["cursor"].is_null());
}

TEST(MessagesBadInputTest, BadCursorIs400) {
  TestEngine t(Workspace());
  auto reply = t.engine.Call(t.key, "GET", "/messages", {}, {{"cursor", "garbage"}});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 400);
  EXPECT_EQ(reply.status().message(), "Invalid cursor");
}

TEST(MessagesBadInputTest, OverlongCursorIs400) {
  TestEngine t(Workspace());
  std::string digits(20, '9');
  std::string cursor = "mcm1.";
  for (std::size_t i = 0; i < digits.size(); ++i) cursor += "39";
  auto reply = t.engine.Call(t.key, "GET", "/messages", {}, {{"cursor", cursor}});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().message(), "Invalid cursor");
}

TEST(EngagementBadInputTest, WrongTypedFieldIs400AndChangesNothing) {
  json ws = Workspace();
  ws["providers"] = {{"email", {{"auto_deliver", false}}}};
  TestEngine t(ws);
  std::string id = Send(t, "ann");
  auto reply = t.engine.Engage(id, {{"event", "undeliverable"}, {"reason", 5}});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 400);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages/" + id)->body["status"], "SENT");
}

TEST(MessagesBadInputTest, UnknownMessageIs404) {
  TestEngine t(Workspace());
  for (auto reply : {t.engine.Call(t.key, "GET", "/messages/1-x"),
                     t.engine.Call(t.key, "GET", "/messages/1-x/history"),
                     t.engine.Call(t.key, "POST", "/messages/1-x/cancel")}) {
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.status().ToBody(),
              (json{{"message", "Message not found"}, {"type", "invalid_request_error"}}));
    EXPECT_EQ(reply.status().http_status(), 404);
  }
}

TEST(MessagesHistoryTest, TypeFilterAndNoInternalKeys) {
  TestEngine t(Workspace());
  std::string id = Send(t, "ann");
  auto all = t.engine.Call(t.key, "GET", "/messages/" + id + "/history");
  json enqueued = all->body["results"][0];
  EXPECT_EQ(enqueued["type"], "ENQUEUED");
  EXPECT_EQ(enqueued["recipient"], "ann");
  EXPECT_FALSE(enqueued.contains("request"));
  auto mapped =
      t.engine.Call(t.key, "GET", "/messages/" + id + "/history", {}, {{"type", "MAPPED"}});
  ASSERT_EQ(mapped->body["results"].size(), 1u);
  EXPECT_EQ(mapped->body["results"][0], (json{{"type", "MAPPED"},
                                              {"ts", testing::kTestStart},
                                              {"event_id", "welcome"},
                                              {"notification_id", "welcome"}}));
  auto sent = t.engine.Call(t.key, "GET", "/messages/" + id + "/history", {}, {{"type", "SENT"}});
  EXPECT_EQ(sent->body["results"][0],
            (json{{"type", "SENT"},
                  {"ts", testing::kTestStart},
                  {"channel", {{"id", "email"}}},
                  {"integration", {{"id", "sendgrid"}, {"provider", "sendgrid"}}}}));
}

// Rendered content is kept as JSON text and parsed for views: every kind of
// value a channel's content can hold comes back as it was rendered, with
// strings that need escaping, UTF-8, numbers of every kind and nesting.
TEST(MessagesHistoryTest, RenderedContentOfEveryShapeComesBackExactly) {
  json workspace = Workspace();
  // Workspace files name a channel's content keys; their values can be any JSON.
  const json blocks = {{{"type", "text"}, {"text", "{{properties.big}}"}},
                       {{"type", "n"}, {"n", 3}, {"f", -1.5}, {"ok", true}},
                       nullptr,
                       json::array()};
  workspace["notifications"].push_back(
      {{"id", "shapes"},
       {"channels", {"email"}},
       {"content",
        {{"email",
          {{"subject", "\"{{properties.name}}\" \\ {{properties.total}}"},
           {"body", "line 1\nline 2\t{{properties.tags}} é ✓"},
           {"html", blocks},
           {"title", {{"nested", {{"deep", "{{profile.email}}"}}}, {"empty", json::object()}}},
           {"text", 7}}}}}});
  TestEngine t(workspace);
  const json properties = {
      {"name", "Zoë \"Q\""}, {"total", 59.99}, {"big", 1e15}, {"tags", {"a", 1, {{"k", nullptr}}}}};
  std::string id = Send(t, "ann", "shapes", {{"data", {{"properties", properties}}}});
  const json expected = {
      {"subject", "\"Zoë \"Q\"\" \\ 59.99"},
      {"body", "line 1\nline 2\t[\"a\",1,{\"k\":null}] é ✓"},
      {"html",
       {{{"type", "text"}, {"text", "1e+15"}},
        {{"type", "n"}, {"n", 3}, {"f", -1.5}, {"ok", true}},
        nullptr,
        json::array()}},
      {"title", {{"nested", {{"deep", "ann@example.com"}}}, {"empty", json::object()}}},
      {"text", 7}};
  json admin = t.Messages()["results"][0];
  EXPECT_EQ(admin["rendered"], (json{{"email", expected}}));
  auto rendered =
      t.engine.Call(t.key, "GET", "/messages/" + id + "/history", {}, {{"type", "RENDERED"}});
  ASSERT_TRUE(rendered.ok());
  ASSERT_EQ(rendered->body["results"].size(), 1u);
  EXPECT_EQ(rendered->body["results"][0]["output"], expected);
  // A message that was never rendered (its event maps to nothing) shows none.
  auto unmapped =
      t.engine.Call(t.key, "POST", "/send", {{"event", "nothing"}, {"recipient", "ann"}});
  ASSERT_TRUE(unmapped.ok()) << unmapped.status().ToString();
  const json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 2u);
  const json& other = messages[0]["id"] == id ? messages[1] : messages[0];
  EXPECT_EQ(other["status"], "UNMAPPED");
  EXPECT_EQ(other["rendered"], json::object());
}

// A message holds its data, profiles and rendered output once and puts them
// back into each view; every view must show them as if each item kept a copy.
TEST(MessagesHistoryTest, ViewsShowTheDataProfilesAndOutputOfEveryItem) {
  TestEngine t(Workspace());
  json message = {{"to", {{"user_id", "ann"}, {"phone_number", "+1"}}},
                  {"template", "welcome"},
                  {"data", {{"properties", {{"total", 12}}}}}};
  std::string id = Send(t, "ann", "welcome", message);
  const json received = {{"user_id", "ann"}, {"phone_number", "+1"}};
  const json stored = {{"email", "ann@example.com"}};
  const json merged = {{"email", "ann@example.com"}, {"phone_number", "+1"}, {"user_id", "ann"}};
  const json data = {{"properties", {{"total", 12}}}};
  const json output = {{"subject", "Hi 12"}};

  auto history = t.engine.Call(t.key, "GET", "/messages/" + id + "/history");
  ASSERT_TRUE(history.ok());
  const json& items = history->body["results"];
  ASSERT_GE(items.size(), 4u);
  EXPECT_EQ(items[0], (json{{"type", "ENQUEUED"},
                            {"ts", testing::kTestStart},
                            {"event", "welcome"},
                            {"recipient", "ann"},
                            {"data", data},
                            {"profile", received},
                            {"override", nullptr}}));
  EXPECT_EQ(items[2], (json{{"type", "PROFILE_LOADED"},
                            {"ts", testing::kTestStart},
                            {"merged_profile", merged},
                            {"received_profile", received},
                            {"stored_profile", stored}}));
  EXPECT_EQ(items[3]["type"], "RENDERED");
  EXPECT_EQ(items[3]["output"], output);

  // The admin view shows the same items plus the send plan on ENQUEUED.
  json admin = t.Messages()["results"][0];
  ASSERT_EQ(admin["history"].size(), items.size());
  json request = admin["history"][0]["request"];
  json expected = PlanWithoutOptions();
  expected.update({{"api", "v2"},
                   {"event", "welcome"},
                   {"notification", "welcome"},
                   {"to", message["to"]},
                   {"recipient", "ann"},
                   {"received_profile", received},
                   {"data", data},
                   {"origin", {{"source", "api"}, {"run_id", ""}, {"idempotency_key", ""}}}});
  EXPECT_EQ(request, expected);
  admin["history"][0].erase("request");
  EXPECT_EQ(admin["history"], items);
  EXPECT_EQ(admin["rendered"], (json{{"email", output}}));

  // A later profile change does not rewrite what the message was sent with.
  ASSERT_TRUE(
      t.engine.Call(t.key, "POST", "/profiles/ann", {{"profile", {{"email", "new@example.com"}}}})
          .ok());
  auto again =
      t.engine.Call(t.key, "GET", "/messages/" + id + "/history", {}, {{"type", "PROFILE_LOADED"}});
  EXPECT_EQ(again->body["results"][0]["stored_profile"], stored);
  EXPECT_EQ(again->body["results"][0]["merged_profile"], merged);
  // The message shares the stored profile until it is written: the write
  // went to the profile (and a replace too), and the next message loads it.
  EXPECT_EQ(t.Profile("ann"), (json{{"email", "new@example.com"}}));
  ASSERT_TRUE(
      t.engine.Call(t.key, "PUT", "/profiles/ann", {{"profile", {{"email", "put@example.com"}}}})
          .ok());
  const std::string next = Send(t, "ann", "welcome", message);
  auto loaded = t.engine.Call(t.key, "GET", "/messages/" + next + "/history", {},
                              {{"type", "PROFILE_LOADED"}});
  EXPECT_EQ(loaded->body["results"][0]["stored_profile"], (json{{"email", "put@example.com"}}));
  auto first =
      t.engine.Call(t.key, "GET", "/messages/" + id + "/history", {}, {{"type", "PROFILE_LOADED"}});
  EXPECT_EQ(first->body["results"][0]["stored_profile"], stored);
}

// A v1 send without a profile of its own (as automation and Segment sends
// are) reads the stored profile in place, with `user_id` beside it: what a
// template, routing and fault rules see must be the merged profile the
// history shows.
TEST(MessagesHistoryTest, ASendWithoutAReceivedProfileSeesTheMergedProfile) {
  json ws = Workspace();
  ws["notifications"] = R"([
    {"id": "who", "channels": ["inbox"], "content": {"inbox": {
      "title": "{{profile.user_id}}|{{profile.email}}|{{profile.missing.x}}|{{profile.}}",
      "body": "{{profile}}"}}},
    {"id": "mail", "channels": ["email"], "content": {"email": {"subject": "x"}}}
  ])"_json;
  ws.erase("event_maps");
  // An empty key is never reached by a path ("profile." has an empty segment).
  ws["profiles"]["own"] = {{"email", "own@example.com"}, {"user_id", "someone-else"}, {"", "x"}};
  ws["providers"] = {{"email", {{"faults", {{{"match", {{"user_id", "bob"}}}}}}}}};
  TestEngine t(ws);
  auto send = [&](const std::string& event, const std::string& user) {
    auto reply = t.engine.Send(t.key, {{"event", event}, {"recipient", user}});
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return t.Messages()["results"].back();
  };
  auto merged_of = [&](const json& message) {
    for (const json& item : message["history"]) {
      if (item["type"] == "PROFILE_LOADED") return item["merged_profile"];
    }
    return json();
  };
  // Routed to inbox (which needs a user_id the stored profile does not hold).
  const json ann = send("who", "ann");
  const json ann_merged = {{"email", "ann@example.com"}, {"user_id", "ann"}};
  EXPECT_EQ(merged_of(ann), ann_merged);
  EXPECT_EQ(ann["rendered"]["inbox"]["title"], "ann|ann@example.com||");
  EXPECT_EQ(ann["rendered"]["inbox"]["body"], ann_merged.dump());
  // A stored user_id is the profile's own.
  const json own = send("who", "own");
  EXPECT_EQ(own["rendered"]["inbox"]["title"], "someone-else|own@example.com||");
  EXPECT_EQ(merged_of(own), ws["profiles"]["own"]);
  // A fault rule matches the user_id that was added.
  const json bob = send("mail", "bob");
  EXPECT_EQ(bob["status"], "UNDELIVERABLE");
  EXPECT_EQ(send("mail", "ann")["status"], "DELIVERED");
}

// ---- Engagement ------------------------------------------------------------------

TEST(EngagementTest, ClickImpliesOpenAndKeepsTheOrder) {
  json ws = Workspace();
  ws["providers"] = {{"email", {{"auto_deliver", false}}}};
  TestEngine t(ws);
  std::string id = Send(t, "ann");
  t.Advance(kMinute);
  auto clicked = t.engine.Engage(id, {{"event", "clicked"}});
  ASSERT_TRUE(clicked.ok()) << clicked.status().ToString();
  EXPECT_EQ(clicked->body["status"], "CLICKED");
  EXPECT_EQ(clicked->body["delivered"], testing::kTestStart + kMinute);
  EXPECT_EQ(clicked->body["opened"], testing::kTestStart + kMinute);
  EXPECT_EQ(clicked->body["clicked"], testing::kTestStart + kMinute);
  EXPECT_EQ(clicked->body["providers"][0]["status"], "CLICKED");
  // A later open or delivery does not move the status back.
  auto opened = t.engine.Engage(id, {{"event", "opened"}});
  EXPECT_EQ(opened->body["status"], "CLICKED");
  auto delivered = t.engine.Engage(id, {{"event", "delivered"}});
  EXPECT_EQ(delivered->body["status"], "CLICKED");
  auto history = t.engine.Call(t.key, "GET", "/messages/" + id + "/history")->body["results"];
  std::vector<std::string> tail;
  for (std::size_t i = history.size() - 3; i < history.size(); ++i)
    tail.push_back(history[i]["type"]);
  EXPECT_EQ(tail, (std::vector<std::string>{"DELIVERED", "OPENED", "CLICKED"}));
}

// The record's providers[] entry in full (Courier's message record,
// https://www.courier.com/docs/reference/messages/get): every stamp the
// engagements set, and the provider reference set on delivery.
TEST(EngagementTest, ProviderEntryCarriesEveryStampAndTheReference) {
  json ws = Workspace();
  ws["providers"] = {{"email", {{"auto_deliver", false}, {"provider", "sendgrid"}}}};
  TestEngine t(ws);
  std::string id = Send(t, "ann");
  const TimePoint sent = testing::kTestStart;
  t.Advance(kMinute);
  ASSERT_TRUE(t.engine.Engage(id, {{"event", "delivered"}}).ok());
  t.Advance(kMinute);
  ASSERT_TRUE(t.engine.Engage(id, {{"event", "opened"}}).ok());
  t.Advance(kMinute);
  auto clicked = t.engine.Engage(id, {{"event", "clicked"}});
  ASSERT_TRUE(clicked.ok()) << clicked.status().ToString();
  const json expected = {
      {"channel", {{"key", "email"}, {"name", "email"}, {"template", "welcome"}}},
      {"clicked", sent + 3 * kMinute},
      {"delivered", sent + kMinute},
      {"opened", sent + 2 * kMinute},
      {"provider", "sendgrid"},
      {"reference", {{"id", id + "/email"}}},
      {"sent", sent},
      {"status", "CLICKED"}};
  EXPECT_EQ(clicked->body["providers"], json::array({expected}));
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/messages/" + id)->body["providers"],
            json::array({expected}));
  // The DELIVERED history item carries the same reference.
  auto delivered =
      t.engine.Call(t.key, "GET", "/messages/" + id + "/history", {}, {{"type", "DELIVERED"}});
  ASSERT_TRUE(delivered.ok());
  ASSERT_EQ(delivered->body["results"].size(), 1u);
  EXPECT_EQ(delivered->body["results"][0]["reference"], (json{{"id", id + "/email"}}));
}

// A v1 send of an event mapped to nothing: one UNMAPPED item naming the event.
TEST(MessagesHistoryTest, UnmappedItemNamesTheEvent) {
  TestEngine t(Workspace());
  auto sent = t.engine.Send(t.key, {{"event", "nothing-maps-this"}, {"recipient", "ann"}});
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  const std::string id = sent->body["messageId"];
  auto history =
      t.engine.Call(t.key, "GET", "/messages/" + id + "/history", {}, {{"type", "UNMAPPED"}});
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->body["results"].size(), 1u);
  EXPECT_EQ(history->body["results"][0]["event_id"], "nothing-maps-this");
  EXPECT_FALSE(history->body["results"][0].contains("notification_id"));
}

// A fault's error is any text the workspace gives, written into the outbound
// properties byte for byte as the record shows it (non-ASCII included).
TEST(EngagementTest, FaultErrorTextSurvivesIntoTheRecordAndTheOutboundCall) {
  json ws = Workspace();
  ws["segment"] = {{"write_key", "wk"}};
  ws["profiles"]["zoe"] = {{"email", "zoe@full.test"}};
  ws["providers"] = {{"email",
                      {{"faults",
                        {{{"match", {{"email_suffix", "@full.test"}}},
                          {"error", "Bo\u00eete pleine \"quota\""}}}}}}};
  TestEngine t(ws);
  Send(t, "zoe");
  const std::string id = t.Messages()["results"].back()["id"];
  auto record = t.engine.Call(t.key, "GET", "/messages/" + id);
  ASSERT_TRUE(record.ok());
  ASSERT_EQ(record->body["providers"].size(), 1u);
  EXPECT_EQ(record->body["providers"][0]["status"], "UNDELIVERABLE");
  EXPECT_EQ(record->body["providers"][0]["error"], "Bo\u00eete pleine \"quota\"");
  json properties;
  const json outbox = t.Outbox();
  for (const json& entry : outbox["results"]) {
    if (entry["event"]["properties"]["id"] == id) properties = entry["event"]["properties"];
  }
  ASSERT_FALSE(properties.is_null());
  EXPECT_EQ(properties["providers"], record->body["providers"]);
}

TEST(EngagementTest, UndeliverableOnlyFromSent) {
  json ws = Workspace();
  ws["providers"] = {{"email", {{"auto_deliver", false}}}};
  TestEngine t(ws);
  std::string id = Send(t, "ann");
  auto bounced = t.engine.Engage(id, {{"event", "undeliverable"}});
  ASSERT_TRUE(bounced.ok());
  EXPECT_EQ(bounced->body["status"], "UNDELIVERABLE");
  EXPECT_EQ(bounced->body["reason"], "BOUNCED");
  auto again = t.engine.Engage(id, {{"event", "opened"}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().http_status(), 409);
}

TEST(EngagementBadInputTest, UnknownEventListsTheAllowedValues) {
  TestEngine t(Workspace());
  std::string id = Send(t, "ann");
  auto reply = t.engine.Engage(id, {{"event", "read"}});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().http_status(), 400);
  EXPECT_EQ(reply.status().message(),
            "Invalid engagement event 'read'. Expected one of: opened, clicked, delivered, "
            "undeliverable");
  EXPECT_EQ(t.engine.Engage("1-none", {{"event", "opened"}}).status().http_status(), 404);
}

// ---- Events API -----------------------------------------------------------------

TEST(EventsApiTest, PutGetListDelete) {
  TestEngine t(Workspace());
  json body = {{"id", "other"}, {"type", "notification"}};
  auto put = t.engine.Call(t.key, "PUT", "/events/signup", body);
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->status, 200);
  EXPECT_EQ(put->body, body);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/events/signup")->body, body);
  auto list = t.engine.Call(t.key, "GET", "/events");
  EXPECT_EQ(list->body["results"],
            (json{{{"event", "Segment-TrackEvent:Order Completed"},
                   {"id", "welcome"},
                   {"type", "notification"}},
                  {{"event", "signup"}, {"id", "other"}, {"type", "notification"}}}));
  auto deleted = t.engine.Call(t.key, "DELETE", "/events/signup");
  EXPECT_EQ(deleted->status, 204);
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/events/signup").status().http_status(), 404);
}

TEST(EventsApiBadInputTest, BodyMustBeExactlyIdAndNotificationType) {
  TestEngine t(Workspace());
  auto extra = t.engine.Call(t.key, "PUT", "/events/e",
                             {{"id", "x"}, {"type", "notification"}, {"more", 1}});
  EXPECT_EQ(extra.status().http_status(), 400);
  EXPECT_EQ(extra.status().message(), "must NOT have additional properties");
  auto type = t.engine.Call(t.key, "PUT", "/events/e", {{"id", "x"}, {"type", "automation"}});
  EXPECT_EQ(type.status().message(), "/type must be equal to one of the allowed values");
  auto missing = t.engine.Call(t.key, "PUT", "/events/e", {{"type", "notification"}});
  EXPECT_EQ(missing.status().message(), "must have required property 'id'");
  EXPECT_EQ(t.engine.Call(t.key, "GET", "/events/e").status().http_status(), 404);
}

// ---- Segment-mapped sends ---------------------------------------------------------

TEST(MappedSendTest, SegmentTrackSendsWithTheWholeEventAsData) {
  TestEngine t(Workspace());
  const json event = TestEngine::Track("Order Completed", "ann", "seg-1", {{"total", 42}});
  auto reply = t.engine.SegmentInbound(t.key, event);
  ASSERT_TRUE(reply.ok());
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 1u);
  // The event is held once and shown whole by the message and the journal.
  EXPECT_EQ(messages[0]["history"][0]["data"], event);
  json request = messages[0]["history"][0]["request"];
  EXPECT_EQ(request["data"], event);
  request.erase("data");
  json expected = PlanWithoutOptions();
  expected.update(
      {{"api", "v1"},
       {"event", "Segment-TrackEvent:Order Completed"},
       {"notification", "welcome"},
       {"to", {{"user_id", "ann"}}},
       {"recipient", "ann"},
       {"received_profile", json::object()},
       {"origin", {{"source", "segment"}, {"run_id", ""}, {"idempotency_key", "seg-1"}}}});
  EXPECT_EQ(request, expected);
  EXPECT_EQ(t.Journal()["results"][0]["payload"], event);
  EXPECT_EQ(messages[0]["event"], "Segment-TrackEvent:Order Completed");
  EXPECT_EQ(messages[0]["notification"], "welcome");
  EXPECT_EQ(messages[0]["rendered"]["email"]["subject"], "Hi 42");
  EXPECT_EQ(messages[0]["origin"]["idempotency_key"], "seg-1");
}

TEST(MappedSendTest, SameSegmentMessageIdNeverSendsTwice) {
  TestEngine t(Workspace());
  json event = TestEngine::Track("Order Completed", "ann", "seg-1");
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, event).ok());
  ASSERT_TRUE(t.engine.SegmentInbound(t.key, event).ok());
  EXPECT_EQ(t.Messages()["results"].size(), 1u);
}

TEST(MappedSendTest, ListPropertySendsToSubscribers) {
  TestEngine t(Workspace());
  auto reply = t.engine.SegmentInbound(t.key, TestEngine::Track("Order Completed", "ann", "seg-2",
                                                                {{"courier", {{"list", "vip"}}}}));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1]["recipient"], "bob");
  auto by_list = t.engine.Call(t.key, "GET", "/messages", {}, {{"list", "vip"}});
  EXPECT_EQ(by_list->body["results"].size(), 2u);
}

TEST(MappedSendTest, UnknownListIsRejected) {
  TestEngine t(Workspace());
  auto reply = t.engine.SegmentInbound(t.key, TestEngine::Track("Order Completed", "ann", "seg-3",
                                                                {{"courier", {{"list", "nope"}}}}));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().message(), "List nope not found");
}

// ---- Automation send steps --------------------------------------------------------

TEST(AutomationSendTest, V2StepRecordsTheRun) {
  TestEngine t(Workspace());
  auto run = t.engine.Call(
      t.key, "POST", "/automations/invoke",
      {{"automation",
        {{"steps",
          {{{"action", "send"},
            {"message", {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}}}}}}}}});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  json messages = t.Messages()["results"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["status"], "DELIVERED");
  EXPECT_EQ(messages[0]["origin"]["run_id"], run->body["runId"]);
  EXPECT_EQ(messages[0]["origin"]["source"], "automation");
}

// The ENQUEUED item and the send plan show the override a send carried: a v1
// send's own, {} for an automation's plain send step (its extended step has
// it), null for a send without one.
TEST(AutomationSendTest, EveryViewShowsTheOverrideASendCarried) {
  TestEngine t(Workspace());
  const json override = {{"sendgrid", {{"body", {{"ip_pool", "bulk"}}}}}};
  ASSERT_TRUE(t.engine
                  .Call(t.key, "POST", "/send",
                        {{"event", "welcome"}, {"recipient", "ann"}, {"override", override}})
                  .ok());
  ASSERT_TRUE(
      t.engine
          .Call(t.key, "POST", "/automations/invoke",
                {{"automation",
                  {{"steps",
                    {{{"action", "send"}, {"template", "welcome"}, {"recipient", "bob"}}}}}}})
          .ok());
  Send(t, "ann", "other");
  std::map<std::string, json> by_recipient;
  const json messages = t.Messages()["results"];
  for (const json& m : messages) {
    const json& enqueued = m["history"][0];
    ASSERT_EQ(enqueued["type"], "ENQUEUED");
    EXPECT_EQ(enqueued["override"], enqueued["request"]["override"]) << m.dump();
    by_recipient[m["recipient"].get<std::string>() + "/" + m["event"].get<std::string>()] =
        enqueued["override"];
  }
  EXPECT_EQ(by_recipient["ann/welcome"], override);
  EXPECT_EQ(by_recipient["bob/welcome"], json::object());
  EXPECT_EQ(by_recipient["ann/other"], nullptr);
  EXPECT_EQ(by_recipient.size(), 3u) << json(by_recipient).dump();
}

TEST(AutomationSendTest, InvalidV2StepMessageSendsNothing) {
  TestEngine t(Workspace());
  auto run = t.engine.Call(
      t.key, "POST", "/automations/invoke",
      {{"automation",
        {{"steps",
          {{{"action", "send"},
            {"message",
             {{"to", {{"user_id", "ann"}}}, {"template", "welcome"}, {"bogus", 1}}}}}}}}});
  if (run.ok()) {
    json runs = t.Runs()["results"];
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0]["status"], "ERROR");
  } else {
    EXPECT_EQ(run.status().message(),
              "Invalid Request. 'bogus' is not a valid property of 'message'.");
  }
  EXPECT_TRUE(t.Messages()["results"].empty());
}

TEST(AutomationSendTest, SendListStepSendsToTheList) {
  TestEngine t(Workspace());
  auto run = t.engine.Call(
      t.key, "POST", "/automations/invoke",
      {{"automation",
        {{"steps", {{{"action", "send-list"}, {"template", "welcome"}, {"list", "vip"}}}}}}});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(t.Messages()["results"].size(), 2u);
}

}  // namespace
}  // namespace mock_courier
