// Users' preferences: GET /users/{id}/preferences and GET/PUT
// /users/{id}/preferences/{topic}. Shapes follow the official SDKs' types
// (UserPreferencesGetResponse {topic}, UserPreferencesUpdateResponse
// {message}); see docs/fidelity.md.
#include <set>

#include "messaging.h"
#include "messaging_internal.h"

namespace mock_courier {
namespace {

const std::set<std::string>& Statuses() {
  static const std::set<std::string> statuses = {"OPTED_IN", "OPTED_OUT", "REQUIRED"};
  return statuses;
}

std::string DefaultStatus(const WorkspaceState& ws, const std::string& topic_id) {
  auto topic = ws.def.preference_topics.find(topic_id);
  if (topic == ws.def.preference_topics.end()) return "OPTED_IN";
  return topic->second.value("default_status", "OPTED_IN");
}

// One topic item as Courier lists it: {topic_id, topic_name, status,
// default_status, has_custom_routing, custom_routing}.
Json TopicItem(const WorkspaceState& ws, const std::string& user_id, const std::string& topic_id) {
  bool stored = false;
  Json pref = EffectivePreference(ws, user_id, topic_id, &stored);
  auto topic = ws.def.preference_topics.find(topic_id);
  std::string name =
      topic == ws.def.preference_topics.end() ? topic_id : topic->second.value("name", topic_id);
  return {{"topic_id", topic_id},
          {"topic_name", name},
          {"status", pref.value("status", "OPTED_IN")},
          {"default_status", DefaultStatus(ws, topic_id)},
          {"has_custom_routing", pref.value("has_custom_routing", false)},
          {"custom_routing", pref.value("custom_routing", Json::array())}};
}

bool TopicKnown(const WorkspaceState& ws, const std::string& user_id, const std::string& topic_id) {
  if (ws.def.preference_topics.count(topic_id)) return true;
  auto user = ws.preferences.find(user_id);
  return user != ws.preferences.end() && user->second.contains(topic_id);
}

}  // namespace

Json EffectivePreference(const WorkspaceState& ws, const std::string& user_id,
                         const std::string& topic_id, bool* stored) {
  auto user = ws.preferences.find(user_id);
  if (user != ws.preferences.end() && user->second.is_object() && user->second.contains(topic_id)) {
    if (stored != nullptr) *stored = true;
    return user->second[topic_id];
  }
  if (stored != nullptr) *stored = false;
  return {{"status", DefaultStatus(ws, topic_id)}};
}

Result<Reply> GetUserPreferencesReply(WorkspaceState& ws, const std::string& user_id) {
  // Workspace topics first (in id order), then topics only this user has.
  std::set<std::string> topics;
  for (const auto& [id, topic] : ws.def.preference_topics) topics.insert(id);
  auto user = ws.preferences.find(user_id);
  if (user != ws.preferences.end() && user->second.is_object()) {
    for (auto it = user->second.begin(); it != user->second.end(); ++it) topics.insert(it.key());
  }
  Json items = Json::array();
  for (const std::string& topic : topics) items.push_back(TopicItem(ws, user_id, topic));
  return Reply{200, {{"items", items}, {"paging", {{"cursor", nullptr}, {"more", false}}}}};
}

Result<Reply> GetUserPreferenceTopicReply(WorkspaceState& ws, const std::string& user_id,
                                          const std::string& topic_id) {
  if (!TopicKnown(ws, user_id, topic_id)) return Status::NotFound("Topic not found");
  return Reply{200, {{"topic", TopicItem(ws, user_id, topic_id)}}};
}

Result<Reply> PutUserPreferenceTopicReply(WorkspaceState& ws, Services& svc,
                                          const std::string& user_id, const std::string& topic_id,
                                          const Json& body) {
  if (!body.is_object() || !body.contains("topic") || !body["topic"].is_object()) {
    return Status::BadRequest("Invalid Request. 'topic' is required and must be an object.");
  }
  const Json& topic = body["topic"];
  for (auto it = topic.begin(); it != topic.end(); ++it) {
    if (it.key() != "status" && it.key() != "has_custom_routing" && it.key() != "custom_routing") {
      return Status::BadRequest("Invalid Request. '" + it.key() +
                                "' is not a valid property of 'topic'.");
    }
  }
  if (!topic.contains("status") || !topic["status"].is_string() ||
      !Statuses().count(topic["status"].get<std::string>())) {
    return Status::BadRequest(
        "Invalid Request. 'topic.status' must be one of OPTED_IN, OPTED_OUT, REQUIRED.");
  }
  if (topic.contains("has_custom_routing") && !topic["has_custom_routing"].is_boolean()) {
    return Status::BadRequest("Invalid Request. 'topic.has_custom_routing' must be a boolean.");
  }
  if (topic.contains("custom_routing")) {
    const Json& routing = topic["custom_routing"];
    bool ok = routing.is_array();
    if (ok) {
      for (const Json& channel : routing) ok = ok && channel.is_string();
    }
    if (!ok) {
      return Status::BadRequest(
          "Invalid Request. 'topic.custom_routing' must be an array of channel names.");
    }
  }
  const std::string before =
      EffectivePreference(ws, user_id, topic_id, nullptr).value("status", "");
  Json& prefs = ws.preferences[user_id];
  if (!prefs.is_object()) prefs = Json::object();
  prefs[topic_id] = topic;
  svc.version.fetch_add(1);
  // Courier lists "User Subscribed"/"User Unsubscribed" among its Segment
  // source events (https://www.courier.com/docs/external-integrations/cdp/segment, Preferences
  // events); their payload is undocumented. The mock emits them when the effective status of a
  // topic crosses OPTED_OUT, with {user_id, topic_id, status, previous_status}.
  const std::string after = topic["status"].get<std::string>();
  if ((before == "OPTED_OUT") != (after == "OPTED_OUT")) {
    Json properties = {{"user_id", user_id},
                       {"topic_id", topic_id},
                       {"status", after},
                       {"previous_status", before}};
    EmitOutbound(ws, svc, after == "OPTED_OUT" ? "User Unsubscribed" : "User Subscribed", user_id,
                 std::move(properties));
  }
  return Reply{200, {{"message", "success"}}};
}

}  // namespace mock_courier
