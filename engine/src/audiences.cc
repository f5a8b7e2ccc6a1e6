// Audiences: filters over profiles, membership, and the "Audience User
// Matched/Unmatched" outbound events
// (https://www.courier.com/docs/external-integrations/cdp/segment).
#include <cstdlib>
#include <set>

#include "jobs.h"
#include "json_util.h"
#include "messaging.h"
#include "messaging_internal.h"
#include "mock_courier/time_format.h"

namespace mock_courier {
namespace {

const std::set<std::string>& LeafOperators() {
  static const std::set<std::string> ops = {
      "EQ",       "NEQ",         "GT",        "GTE",       "LT",       "LTE", "EXISTS",
      "INCLUDES", "STARTS_WITH", "ENDS_WITH", "IS_BEFORE", "IS_AFTER", "OMIT"};
  return ops;
}

bool IsGroup(const std::string& op) { return op == "AND" || op == "OR"; }

// Nested filters are spelled `filters` (and `rules` by newer SDKs).
const Json* ChildrenOf(const Json& filter) {
  if (filter.contains("filters")) return &filter["filters"];
  if (filter.contains("rules")) return &filter["rules"];
  return nullptr;
}

Status ValidateFilter(const Json& filter, const std::string& path) {
  if (!filter.is_object()) {
    return Status::BadRequest("Invalid Request. '" + path + "' must be of type object.");
  }
  if (!filter.contains("operator") || !filter["operator"].is_string()) {
    return Status::BadRequest("Invalid Request. '" + path + ".operator' is required.");
  }
  const std::string op = filter["operator"].get<std::string>();
  if (IsGroup(op)) {
    const Json* children = ChildrenOf(filter);
    if (children == nullptr || !children->is_array() || children->empty()) {
      return Status::BadRequest("Invalid Request. '" + path +
                                ".filters' must be a non-empty array for " + op + ".");
    }
    for (std::size_t i = 0; i < children->size(); ++i) {
      MC_RETURN_IF_ERROR(
          ValidateFilter((*children)[i], path + ".filters[" + std::to_string(i) + "]"));
    }
    return Status::Ok();
  }
  if (!LeafOperators().count(op)) {
    return Status::BadRequest("Invalid Request. '" + op + "' is not a valid operator in '" + path +
                              "'. Expected one of: AND, OR, EQ, NEQ, GT, GTE, LT, LTE, EXISTS, "
                              "OMIT, INCLUDES, STARTS_WITH, ENDS_WITH, IS_BEFORE, IS_AFTER.");
  }
  if (!filter.contains("path") || !filter["path"].is_string() ||
      filter["path"].get_ref<const std::string&>().empty()) {
    return Status::BadRequest("Invalid Request. '" + path + ".path' is required.");
  }
  if (op != "EXISTS" && op != "OMIT" &&
      (!filter.contains("value") || filter["value"].is_null() || filter["value"].is_object() ||
       filter["value"].is_array())) {
    return Status::BadRequest("Invalid Request. '" + path + ".value' is required for " + op + ".");
  }
  return Status::Ok();
}

std::string Text(const Json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::optional<double> Number(const Json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  const std::string& s = value.get_ref<const std::string&>();
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

std::optional<TimePoint> Time(const Json& value) {
  if (value.is_number()) return value.get<TimePoint>();
  if (value.is_string()) return ParseIso8601(value.get<std::string>());
  return std::nullopt;
}

bool EvalLeaf(const Json& filter, const Json& profile) {
  const std::string op = filter["operator"].get<std::string>();
  const Json* actual = FindPath(profile, filter["path"].get<std::string>());
  bool present = actual != nullptr && !actual->is_null();
  if (op == "EXISTS") return present;
  if (op == "OMIT") return !present;
  const Json& want = filter["value"];
  if (op == "NEQ") return !present || Text(*actual) != Text(want);
  if (!present) return false;
  if (op == "EQ") return Text(*actual) == Text(want);
  if (op == "GT" || op == "GTE" || op == "LT" || op == "LTE") {
    auto a = Number(*actual);
    auto b = Number(want);
    if (!a || !b) return false;
    if (op == "GT") return *a > *b;
    if (op == "GTE") return *a >= *b;
    if (op == "LT") return *a < *b;
    return *a <= *b;
  }
  if (op == "INCLUDES") {
    if (actual->is_array()) {
      for (const Json& item : *actual) {
        if (Text(item) == Text(want)) return true;
      }
      return false;
    }
    return actual->is_string() && Text(*actual).find(Text(want)) != std::string::npos;
  }
  if (op == "STARTS_WITH" || op == "ENDS_WITH") {
    if (!actual->is_string()) return false;
    std::string a = actual->get<std::string>();
    std::string b = Text(want);
    if (b.size() > a.size()) return false;
    return op == "STARTS_WITH" ? a.compare(0, b.size(), b) == 0
                               : a.compare(a.size() - b.size(), b.size(), b) == 0;
  }
  auto a = Time(*actual);
  auto b = Time(want);
  if (!a || !b) return false;
  return op == "IS_BEFORE" ? *a < *b : *a > *b;
}

bool Eval(const Json& filter, const Json& profile) {
  const std::string op = filter["operator"].get<std::string>();
  if (!IsGroup(op)) return EvalLeaf(filter, profile);
  for (const Json& child : *ChildrenOf(filter)) {
    bool result = Eval(child, profile);
    if (op == "AND" && !result) return false;
    if (op == "OR" && result) return true;
  }
  return op == "AND";
}

// The filter as Courier writes it in a match reason: "EQ('title', 'Software
// Engineer')" (https://www.courier.com/docs/platform/workspaces/outbound-webhooks/ audience
// example).
std::string Describe(const Json& filter) {
  const std::string op = filter["operator"].get<std::string>();
  if (IsGroup(op)) {
    std::string out = op + "(";
    bool first = true;
    for (const Json& child : *ChildrenOf(filter)) {
      if (!first) out += ", ";
      out += Describe(child);
      first = false;
    }
    return out + ")";
  }
  std::string out = op + "('" + filter["path"].get<std::string>() + "'";
  if (filter.contains("value")) out += ", '" + Text(filter["value"]) + "'";
  return out + ")";
}

bool Matches(const Json& audience, const Json& profile) {
  if (!audience.contains("filter") || !audience["filter"].is_object()) return false;
  if (!ValidateFilter(audience["filter"], "filter").ok()) return false;
  return Eval(audience["filter"], profile);
}

std::string Reason(const Json& audience, bool matched) {
  if (!audience.contains("filter") || !audience["filter"].is_object()) return "";
  return Describe(audience["filter"]) + (matched ? " => true" : " => false");
}

int VersionOf(const Json& audience) { return audience.value("version", 1); }

void EmitMembership(WorkspaceState& ws, Services& svc, const std::string& audience_id,
                    const std::string& user_id, bool matched) {
  const Json& audience = ws.audiences[audience_id];
  Json properties = {{"audience_id", audience_id},
                     {"audience_version", VersionOf(audience)},
                     {"reason", Reason(audience, matched)},
                     {"user_id", user_id}};
  EmitWebhook(ws, svc, matched ? "audiences:user:matched" : "audiences:user:unmatched", properties);
  EmitOutbound(ws, svc, matched ? "Audience User Matched" : "Audience User Unmatched", user_id,
               std::move(properties));
}

// Members of an audience over every stored profile, except `skip_user`.
std::set<std::string> Evaluate(const WorkspaceState& ws, const Json& audience,
                               const std::string& skip_user = "") {
  std::set<std::string> members;
  for (const auto& [user, profile] : ws.profiles) {
    if (user != skip_user && Matches(audience, profile.get())) members.insert(user);
  }
  return members;
}

Status AudienceNotFound() { return Status::NotFound("Audience not found"); }

Json AudienceRecord(const std::string& id, const Json& stored) {
  Json record = stored;
  record["id"] = id;
  if (!record.contains("name")) record["name"] = id;
  if (!record.contains("description")) record["description"] = "";
  return record;
}

}  // namespace

Result<Reply> ListAudiencesReply(WorkspaceState& ws) {
  Json items = Json::array();
  for (const auto& [id, audience] : ws.audiences) items.push_back(AudienceRecord(id, audience));
  return Reply{200, {{"items", items}, {"paging", {{"cursor", nullptr}, {"more", false}}}}};
}

Result<Reply> GetAudienceReply(WorkspaceState& ws, const std::string& audience_id) {
  auto it = ws.audiences.find(audience_id);
  if (it == ws.audiences.end()) return AudienceNotFound();
  return Reply{200, AudienceRecord(audience_id, it->second)};
}

Result<Reply> PutAudienceReply(WorkspaceState& ws, Services& svc, const std::string& audience_id,
                               const Json& body) {
  if (!body.is_object()) return Status::BadRequest("Invalid Request. The body must be an object.");
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != "name" && it.key() != "description" && it.key() != "filter") {
      return Status::BadRequest("Invalid Request. '" + it.key() +
                                "' is not a valid property of the audience.");
    }
  }
  for (const char* key : {"name", "description"}) {
    if (body.contains(key) && !body[key].is_string()) {
      return Status::BadRequest(std::string("Invalid Request. '") + key +
                                "' must be of type string.");
    }
  }
  if (!body.contains("filter")) return Status::BadRequest("Invalid Request. 'filter' is required.");
  MC_RETURN_IF_ERROR(ValidateFilter(body["filter"], "filter"));

  const TimePoint now = svc.clock.Now();
  auto existing = ws.audiences.find(audience_id);
  Json audience = existing == ws.audiences.end() ? Json::object() : existing->second;
  int version = existing == ws.audiences.end() ? 1 : VersionOf(existing->second) + 1;
  if (!audience.contains("created_at")) audience["created_at"] = FormatIso8601(now);
  audience["id"] = audience_id;
  audience["name"] = body.value("name", audience.value("name", audience_id));
  audience["description"] = body.value("description", audience.value("description", ""));
  audience["filter"] = body["filter"];
  audience["updated_at"] = FormatIso8601(now);
  audience["version"] = version;
  ws.audiences[audience_id] = audience;

  // Re-evaluate every profile; changes in membership are emitted.
  std::set<std::string> before = ws.audience_members[audience_id];
  std::set<std::string> after = Evaluate(ws, audience);
  ws.audience_members[audience_id] = after;
  for (const std::string& user : after) {
    if (!before.count(user)) EmitMembership(ws, svc, audience_id, user, true);
  }
  for (const std::string& user : before) {
    if (!after.count(user)) EmitMembership(ws, svc, audience_id, user, false);
  }
  svc.version.fetch_add(1);
  return Reply{200, {{"audience", AudienceRecord(audience_id, audience)}}};
}

Result<Reply> DeleteAudienceReply(WorkspaceState& ws, Services& svc,
                                  const std::string& audience_id) {
  if (!ws.audiences.erase(audience_id)) return AudienceNotFound();
  ws.audience_members.erase(audience_id);
  svc.version.fetch_add(1);
  return Reply{204, nullptr};
}

Result<Reply> ListAudienceMembersReply(WorkspaceState& ws, const std::string& audience_id) {
  auto it = ws.audiences.find(audience_id);
  if (it == ws.audiences.end()) return AudienceNotFound();
  // Audiences from the workspace file are evaluated on first use.
  if (!ws.audience_members.count(audience_id)) {
    ws.audience_members[audience_id] = Evaluate(ws, it->second);
  }
  Json items = Json::array();
  for (const std::string& user : ws.audience_members[audience_id]) {
    items.push_back({{"audience_id", audience_id},
                     {"audience_version", VersionOf(it->second)},
                     {"member_id", user},
                     {"reason", Reason(it->second, true)}});
  }
  return Reply{200, {{"items", items}, {"paging", {{"cursor", nullptr}, {"more", false}}}}};
}

namespace {

void MatchAudiences(WorkspaceState& ws, Services& svc, const std::string& user_id) {
  auto profile = ws.profiles.find(user_id);
  for (const auto& [audience_id, audience] : ws.audiences) {
    auto members = ws.audience_members.find(audience_id);
    if (members == ws.audience_members.end()) {
      // First use of a file-defined audience: everyone else's membership is
      // taken as it stands, without events.
      members = ws.audience_members.emplace(audience_id, Evaluate(ws, audience, user_id)).first;
    }
    bool was = members->second.count(user_id) > 0;
    bool now = profile != ws.profiles.end() && Matches(audience, profile->second.get());
    if (was == now) continue;
    if (now) {
      members->second.insert(user_id);
    } else {
      members->second.erase(user_id);
    }
    EmitMembership(ws, svc, audience_id, user_id, now);
  }
}

}  // namespace

void OnProfileChanged(WorkspaceState& ws, Services& svc, const std::string& user_id) {
  // Nothing to match: no job (a profile load test schedules nothing).
  if (ws.audiences.empty()) return;
  ProcessAccepted(ws, svc, [user_id](WorkspaceState& w, Services& s) {
    MatchAudiences(w, s, user_id);
    s.version.fetch_add(1);
  });
}

}  // namespace mock_courier
