#include "profiles.h"

#include <functional>

#include "json_util.h"
#include "messaging.h"
#include "mock_courier/time_format.h"

namespace mock_courier {
namespace {

Reply Success() { return Reply{200, {{"status", "SUCCESS"}}}; }

Reply NoContent() { return Reply{204, nullptr}; }

// Checks a {"<property>": {...}} body: only that key, and it must be present.
// Courier's messages (https://www.courier.com/docs/reference/profiles/by-id).
Status CheckSingleKeyBody(const Json& body, const std::string& property, bool want_object) {
  if (!body.is_object()) return Status::BadRequest("No Body Provided");
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != property) return Status::BadRequest("body contains extra keys");
  }
  if (!body.contains(property)) return Status::BadRequest(property + " property is required");
  const Json& value = body[property];
  if (want_object && !value.is_object()) {
    return Status::BadRequest(property + " property must be an object");
  }
  if (!want_object && !value.is_array()) {
    return Status::BadRequest(property + " property must be an array");
  }
  return Status::Ok();
}

Json ListRecord(const WorkspaceState& ws, const std::string& list_id) {
  auto it = ws.lists.find(list_id);
  if (it == ws.lists.end()) return Json::object();
  return it->second;
}

Json EmptyPaging() { return {{"cursor", nullptr}, {"more", false}}; }

void Touch(Services& svc) { svc.version.fetch_add(1); }

}  // namespace

Json ProfileOf(const WorkspaceState& ws, const std::string& user_id) {
  auto it = ws.profiles.find(user_id);
  return it == ws.profiles.end() ? Json::object() : it->second.get();
}

void MergeProfileData(WorkspaceState& ws, Services& svc, const std::string& user_id,
                      const Json& profile) {
  DeepMerge(ws.profiles[user_id].Mutable(), profile);
  Touch(svc);
  OnProfileChanged(ws, svc, user_id);
}

void WriteProfileWithStrategy(WorkspaceState& ws, Services& svc, const std::string& user_id,
                              const Json& profile, const std::string& strategy) {
  // Merge strategies of update-profile steps
  // (https://www.courier.com/docs/platform/automations/steps).
  auto existing = ws.profiles.find(user_id);
  bool exists = existing != ws.profiles.end();
  if (strategy == "replace") {
    ws.profiles[user_id] = profile.is_object() ? profile : Json::object();
  } else if (strategy == "overwrite") {
    DeepMerge(ws.profiles[user_id].Mutable(), profile);
  } else if (strategy == "soft-merge") {
    Json& stored = ws.profiles[user_id].Mutable();
    if (!stored.is_object()) stored = Json::object();
    for (auto it = profile.begin(); it != profile.end(); ++it) {
      if (!stored.contains(it.key())) stored[it.key()] = it.value();
    }
  } else if (strategy == "none") {
    if (exists) return;
    ws.profiles[user_id] = profile.is_object() ? profile : Json::object();
  } else {
    return;
  }
  Touch(svc);
  OnProfileChanged(ws, svc, user_id);
}

Result<Reply> GetProfileReply(WorkspaceState& ws, const std::string& user_id) {
  // An unknown user is an empty profile, not a 404
  // (https://www.courier.com/docs/reference/profiles/by-id).
  auto prefs = ws.preferences.find(user_id);
  Json preferences = Json::object();
  if (prefs != ws.preferences.end()) preferences = {{"notifications", prefs->second}};
  return Reply{200, {{"profile", ProfileOf(ws, user_id)}, {"preferences", preferences}}};
}

Result<Reply> MergeProfileReply(WorkspaceState& ws, Services& svc, const std::string& user_id,
                                const Json& body) {
  MC_RETURN_IF_ERROR(CheckSingleKeyBody(body, "profile", true));
  // An empty merge still creates the profile, "like .identify()" (Courier changelog,
  // https://www.courier.com/docs/reference/profiles/by-id/).
  MergeProfileData(ws, svc, user_id, body["profile"]);
  return Success();
}

Result<Reply> ReplaceProfileReply(WorkspaceState& ws, Services& svc, const std::string& user_id,
                                  const Json& body) {
  MC_RETURN_IF_ERROR(CheckSingleKeyBody(body, "profile", true));
  ws.profiles[user_id] = body["profile"];
  Touch(svc);
  OnProfileChanged(ws, svc, user_id);
  return Success();
}

Result<Reply> PatchProfileReply(WorkspaceState& ws, Services& svc, const std::string& user_id,
                                const Json& body) {
  MC_RETURN_IF_ERROR(CheckSingleKeyBody(body, "patch", false));
  Json profile = ProfileOf(ws, user_id);
  MC_RETURN_IF_ERROR(ApplyJsonPatch(profile, body["patch"]));
  if (body["patch"].empty()) return Success();
  ws.profiles[user_id] = std::move(profile);
  Touch(svc);
  OnProfileChanged(ws, svc, user_id);
  return Success();
}

Result<Reply> DeleteProfileReply(WorkspaceState& ws, Services& svc, const std::string& user_id) {
  // List subscriptions and preferences are separate resources and stay
  // (https://www.courier.com/docs/reference/profiles/by-id/).
  if (ws.profiles.erase(user_id) > 0) {
    Touch(svc);
    OnProfileChanged(ws, svc, user_id);
  }
  return Success();
}

Result<Reply> GetProfileListsReply(WorkspaceState& ws, const std::string& user_id) {
  Json results = Json::array();
  for (const auto& [list_id, members] : ws.subscriptions) {
    auto member = members.find(user_id);
    if (member == members.end()) continue;
    Json record = ListRecord(ws, list_id);
    record["preferences"] = member->second;
    results.push_back(std::move(record));
  }
  return Reply{200, {{"paging", EmptyPaging()}, {"results", std::move(results)}}};
}

Status SubscribeUser(WorkspaceState& ws, Services& svc, const std::string& list_id,
                     const std::string& user_id, const Json& preferences) {
  if (list_id.empty()) return Status::BadRequest("A list id is required");
  if (user_id.empty()) return Status::BadRequest("A user id is required");
  // PUT on a subscription creates the list when it is missing
  // (https://www.courier.com/docs/external-integrations/cdp/segment/).
  if (!ws.lists.count(list_id)) {
    TimePoint now = svc.clock.Now();
    ws.lists[list_id] = {{"id", list_id},
                         {"name", list_id},
                         {"created", FormatIso8601(now)},
                         {"updated", FormatIso8601(now)}};
  }
  ws.subscriptions[list_id][user_id] = preferences.is_object() ? preferences : Json::object();
  Touch(svc);
  return Status::Ok();
}

void UnsubscribeUser(WorkspaceState& ws, Services& svc, const std::string& list_id,
                     const std::string& user_id) {
  auto list = ws.subscriptions.find(list_id);
  if (list == ws.subscriptions.end()) return;
  if (list->second.erase(user_id) > 0) Touch(svc);
}

std::vector<std::string> ListSubscribers(const WorkspaceState& ws, const std::string& list_id) {
  std::vector<std::string> users;
  auto list = ws.subscriptions.find(list_id);
  if (list == ws.subscriptions.end()) return users;
  for (const auto& [user, prefs] : list->second) users.push_back(user);
  return users;
}

bool ListPatternMatches(const std::string& pattern, const std::string& list_id) {
  // Glob over the whole id: '*' matches any run of characters except '.',
  // "**" any run at all. Courier's list patterns select dot-separated ids.
  std::function<bool(size_t, size_t)> match = [&](size_t p, size_t s) -> bool {
    if (p == pattern.size()) return s == list_id.size();
    if (pattern[p] == '*') {
      bool any = p + 1 < pattern.size() && pattern[p + 1] == '*';
      size_t next = p + (any ? 2 : 1);
      for (size_t k = s; k <= list_id.size(); ++k) {
        if (match(next, k)) return true;
        if (k < list_id.size() && !any && list_id[k] == '.') break;
      }
      return false;
    }
    return s < list_id.size() && pattern[p] == list_id[s] && match(p + 1, s + 1);
  };
  return match(0, 0);
}

Result<Reply> ListListsReply(WorkspaceState& ws, const Json& query) {
  std::string pattern;
  if (query.is_object() && query.contains("pattern")) {
    const Json& p = query["pattern"];
    pattern = p.is_array() ? (p.empty() ? "" : p[0].get<std::string>()) : p.get<std::string>();
  }
  Json items = Json::array();
  for (const auto& [id, record] : ws.lists) {
    if (!pattern.empty() && !ListPatternMatches(pattern, id)) continue;
    items.push_back(record);
  }
  return Reply{200, {{"items", std::move(items)}, {"paging", EmptyPaging()}}};
}

Result<Reply> GetListReply(WorkspaceState& ws, const std::string& list_id) {
  if (!ws.lists.count(list_id)) return Status::NotFound("List not found");
  return Reply{200, ListRecord(ws, list_id)};
}

Result<Reply> PutListReply(WorkspaceState& ws, Services& svc, const std::string& list_id,
                           const Json& body) {
  if (!body.is_object()) return Status::BadRequest("No Body Provided");
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != "name" && it.key() != "preferences") {
      return Status::BadRequest("'" + it.key() + "' is not a valid property of a list");
    }
  }
  if (!body.contains("name") || !body["name"].is_string()) {
    return Status::BadRequest("'name' is required and must be a string");
  }
  std::string now = FormatIso8601(svc.clock.Now());
  Json& record = ws.lists[list_id];
  if (!record.is_object() || record.empty()) record = {{"id", list_id}, {"created", now}};
  record["name"] = body["name"];
  record["updated"] = now;
  if (body.contains("preferences")) record["preferences"] = body["preferences"];
  ws.subscriptions[list_id];
  Touch(svc);
  return NoContent();
}

Result<Reply> DeleteListReply(WorkspaceState& ws, Services& svc, const std::string& list_id) {
  ws.lists.erase(list_id);
  ws.subscriptions.erase(list_id);
  Touch(svc);
  return NoContent();
}

Result<Reply> GetListSubscriptionsReply(WorkspaceState& ws, const std::string& list_id) {
  if (!ws.lists.count(list_id)) return Status::NotFound("List not found");
  Json items = Json::array();
  for (const auto& [user, prefs] : ws.subscriptions[list_id]) {
    items.push_back({{"recipientId", user}, {"preferences", prefs}});
  }
  return Reply{200, {{"items", std::move(items)}, {"paging", EmptyPaging()}}};
}

Result<Reply> SubscribeReply(WorkspaceState& ws, Services& svc, const std::string& list_id,
                             const std::string& user_id, const Json& body) {
  Json preferences = Json::object();
  if (body.is_object()) {
    for (auto it = body.begin(); it != body.end(); ++it) {
      if (it.key() != "preferences") {
        return Status::BadRequest("'" + it.key() + "' is not a valid property of a subscription");
      }
    }
    if (body.contains("preferences")) preferences = body["preferences"];
  } else if (!body.is_null()) {
    return Status::BadRequest("The subscription body must be an object");
  }
  MC_RETURN_IF_ERROR(SubscribeUser(ws, svc, list_id, user_id, preferences));
  return NoContent();
}

Result<Reply> UnsubscribeReply(WorkspaceState& ws, Services& svc, const std::string& list_id,
                               const std::string& user_id) {
  UnsubscribeUser(ws, svc, list_id, user_id);
  return NoContent();
}

}  // namespace mock_courier
