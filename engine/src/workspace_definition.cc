#include "workspace_definition.h"

#include <array>
#include <cctype>
#include <set>
#include <string>
#include <utility>

#include "json_util.h"
#include "mock_courier/time_format.h"

namespace mock_courier {

CompiledContent::CompiledContent(const Json& content) {
  pieces_.emplace_back();
  Compile(content);
}

// `value` as a send renders it (AppendRenderedChannel, messaging.cc): JSON
// with objects in their (sorted) key order and each string rendered.
void CompiledContent::Compile(const Json& value) {
  // The text being written: the last piece's (a string with variables ends
  // a piece and starts the next).
  auto json = [this]() -> std::string& { return pieces_.back().json; };
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    TemplateParts parts(text);
    if (!parts.has_variables()) {
      AppendJsonString(json(), text);  // Renders as itself.
      return;
    }
    pieces_.back().string = std::move(parts);
    pieces_.emplace_back();
  } else if (value.is_object()) {
    json() += '{';
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (it != value.begin()) json() += ',';
      AppendJsonString(json(), it.key());
      json() += ':';
      Compile(it.value());
    }
    json() += '}';
  } else if (value.is_array()) {
    json() += '[';
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (it != value.begin()) json() += ',';
      Compile(*it);
    }
    json() += ']';
  } else {
    AppendJson(json(), value);
  }
}

namespace {

// Collects the first error with the JSON path where it happened.
class Checker {
 public:
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

  bool Fail(const std::string& path, const std::string& what) {
    if (error_.empty()) error_ = "workspace: " + (path.empty() ? "/" : path) + ": " + what;
    return false;
  }

  bool Keys(const Json& object, const std::string& path, const std::set<std::string>& allowed) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (!allowed.count(it.key())) {
        std::string list;
        for (const auto& key : allowed) list += (list.empty() ? "" : ", ") + key;
        return Fail(path + "/" + it.key(), "unknown key (expected one of: " + list + ")");
      }
    }
    return true;
  }

  bool Object(const Json& value, const std::string& path) {
    return value.is_object() || Fail(path, "expected an object, got " + JsonTypeName(value));
  }
  bool Array(const Json& value, const std::string& path) {
    return value.is_array() || Fail(path, "expected an array, got " + JsonTypeName(value));
  }
  bool String(const Json& value, const std::string& path, bool non_empty = true) {
    if (!value.is_string()) return Fail(path, "expected a string, got " + JsonTypeName(value));
    if (non_empty && value.get_ref<const std::string&>().empty()) {
      return Fail(path, "must not be empty");
    }
    return true;
  }
  bool Bool(const Json& value, const std::string& path) {
    return value.is_boolean() || Fail(path, "expected a boolean, got " + JsonTypeName(value));
  }
  bool StringArray(const Json& value, const std::string& path, std::vector<std::string>& out) {
    if (!Array(value, path)) return false;
    for (size_t i = 0; i < value.size(); ++i) {
      if (!String(value[i], path + "/" + std::to_string(i))) return false;
      out.push_back(value[i].get<std::string>());
    }
    return true;
  }
  // A duration as milliseconds (number) or text ("2 seconds", "PT1M").
  bool DurationValue(const Json& value, const std::string& path, Duration& out) {
    if (value.is_number_unsigned() || value.is_number_integer()) {
      out = value.get<Duration>();
      return out >= 0 || Fail(path, "must not be negative");
    }
    if (value.is_string()) {
      auto parsed = ParseDuration(value.get<std::string>());
      if (parsed) {
        out = *parsed;
        return true;
      }
    }
    return Fail(path,
                "expected a duration: milliseconds, \"<n> <unit>\" or ISO-8601 like \"PT2S\"");
  }

 private:
  std::string error_;
};

// Courier's documented limits (https://www.courier.com/docs/reference/get-started,
// https://help.courier.com/en/articles/4918496-courier-api-rate-limits): list
// writes and Events API PUT, 20 requests per minute each.
constexpr int kCourierListWritesPerMinute = 20;
constexpr int kCourierEventsPutPerMinute = 20;

// "rate_limits": true (Courier's documented limits), false (none), or
// {"list_writes": N, "events_put": N} per minute (0 = no limit).
bool ParseRateLimits(Checker& c, const Json& value, RateLimitSettings& out) {
  if (value.is_boolean()) {
    if (value.get<bool>()) out = {kCourierListWritesPerMinute, kCourierEventsPutPerMinute};
    return true;
  }
  if (!value.is_object()) {
    return c.Fail("/rate_limits", "expected true, false or an object, got " + JsonTypeName(value));
  }
  if (!c.Keys(value, "/rate_limits", {"list_writes", "events_put"})) return false;
  for (auto [key, slot] :
       {std::pair{"list_writes", &out.list_writes}, std::pair{"events_put", &out.events_put}}) {
    if (!value.contains(key)) continue;
    const Json& n = value[key];
    if (!n.is_number_integer() || n.get<std::int64_t>() < 0 || n.get<std::int64_t>() > 1000000) {
      return c.Fail(std::string("/rate_limits/") + key,
                    "expected requests per minute from 0 (no limit) to 1000000, got " +
                        (n.is_number() ? n.dump() : JsonTypeName(n)));
    }
    *slot = n.get<int>();
  }
  return true;
}

// "segment": {"delivery": {"duplicate_rate": 0..1, "reorder_window": DURATION,
//                           "failure_rate": 0..1, "retry_window": DURATION}}.
bool ParseSegmentDelivery(Checker& c, const Json& value, SegmentDelivery& out) {
  const std::string path = "/segment/delivery";
  if (!c.Object(value, path) ||
      !c.Keys(value, path, {"duplicate_rate", "reorder_window", "failure_rate", "retry_window"})) {
    return false;
  }
  for (auto [key, slot] : {std::pair{"duplicate_rate", &out.duplicate_rate},
                           std::pair{"failure_rate", &out.failure_rate}}) {
    if (!value.contains(key)) continue;
    const Json& rate = value[key];
    if (!rate.is_number() || rate.get<double>() < 0 || rate.get<double>() > 1) {
      return c.Fail(path + "/" + key, "expected a probability from 0 to 1");
    }
    *slot = rate.get<double>();
  }
  if (value.contains("retry_window") &&
      !c.DurationValue(value["retry_window"], path + "/retry_window", out.retry_window)) {
    return false;
  }
  if (out.retry_window > kDay) {
    return c.Fail(path + "/retry_window", "must be at most a day");
  }
  if (value.contains("reorder_window") &&
      !c.DurationValue(value["reorder_window"], path + "/reorder_window", out.reorder_window)) {
    return false;
  }
  if (out.reorder_window > kDay) {
    return c.Fail(path + "/reorder_window", "must be at most a day");
  }
  return true;
}

const std::set<std::string> kChannels = {"email", "sms",     "push",          "chat",
                                         "inbox", "webhook", "direct_message"};

bool ParseNotification(Checker& c, const Json& n, const std::string& path,
                       NotificationDefinition& out) {
  if (!c.Object(n, path) ||
      !c.Keys(n, path, {"id", "name", "channels", "routing", "content", "subscription_topic"})) {
    return false;
  }
  if (!n.contains("id")) return c.Fail(path + "/id", "required");
  if (!c.String(n["id"], path + "/id")) return false;
  out.id = n["id"].get<std::string>();
  if (n.contains("channels")) {
    if (!c.StringArray(n["channels"], path + "/channels", out.channels)) return false;
    for (size_t i = 0; i < out.channels.size(); ++i) {
      if (!kChannels.count(out.channels[i])) {
        return c.Fail(path + "/channels/" + std::to_string(i),
                      "unknown channel '" + out.channels[i] +
                          "' (expected email, sms, push, chat, inbox, webhook, direct_message)");
      }
    }
  }
  if (n.contains("routing")) {
    if (!c.String(n["routing"], path + "/routing")) return false;
    out.routing = n["routing"].get<std::string>();
    if (out.routing != "single" && out.routing != "all") {
      return c.Fail(path + "/routing", "expected \"single\" or \"all\"");
    }
  }
  if (n.contains("content")) {
    const Json& content = n["content"];
    if (!c.Object(content, path + "/content")) return false;
    for (auto it = content.begin(); it != content.end(); ++it) {
      std::string cpath = path + "/content/" + it.key();
      if (!c.Object(it.value(), cpath)) return false;
      if (!c.Keys(it.value(), cpath, {"title", "subject", "body", "html", "text"})) return false;
    }
    const bool channels_from_content = out.channels.empty();
    for (auto it = content.begin(); it != content.end(); ++it) {
      out.content.emplace(it.key(), CompiledContent(it.value()));
      if (channels_from_content) out.channels.push_back(it.key());
    }
  }
  if (out.channels.empty()) out.channels.push_back("email");
  if (n.contains("subscription_topic")) {
    if (!c.String(n["subscription_topic"], path + "/subscription_topic")) return false;
    out.subscription_topic = n["subscription_topic"].get<std::string>();
  }
  return true;
}

bool ParseAutomation(Checker& c, const Json& a, const std::string& path,
                     AutomationDefinition& out) {
  if (!c.Object(a, path) ||
      !c.Keys(a, path,
              {"id", "alias", "name", "trigger", "triggers", "cancelation_token",
               "cancelationToken", "cancellation_token", "steps"})) {
    return false;
  }
  if (!a.contains("id")) return c.Fail(path + "/id", "required");
  if (!c.String(a["id"], path + "/id")) return false;
  out.id = a["id"].get<std::string>();
  if (a.contains("alias")) {
    if (!c.String(a["alias"], path + "/alias")) return false;
    out.alias = a["alias"].get<std::string>();
  }
  if (a.contains("name")) {
    if (!c.String(a["name"], path + "/name")) return false;
    out.name = a["name"].get<std::string>();
  }
  if (a.contains("trigger")) {
    if (!c.String(a["trigger"], path + "/trigger")) return false;
    out.triggers.push_back(a["trigger"].get<std::string>());
  }
  if (a.contains("triggers") && !c.StringArray(a["triggers"], path + "/triggers", out.triggers)) {
    return false;
  }
  for (const char* key : {"cancelation_token", "cancelationToken"}) {
    if (a.contains(key)) {
      if (!c.String(a[key], path + "/" + key)) return false;
      out.cancelation_token = a[key].get<std::string>();
    }
  }
  // Courier ignores the two-L spelling on an automation
  // (https://www.courier.com/docs/platform/automations/steps); the file may say it so that
  // scenarios can reproduce the trap.
  if (a.contains("cancellation_token")) {
    if (!c.String(a["cancellation_token"], path + "/cancellation_token")) return false;
    out.misspelled_token = true;
  }
  if (!a.contains("steps")) return c.Fail(path + "/steps", "required");
  if (!c.Array(a["steps"], path + "/steps")) return false;
  for (size_t i = 0; i < a["steps"].size(); ++i) {
    std::string spath = path + "/steps/" + std::to_string(i);
    if (!c.Object(a["steps"][i], spath)) return false;
    if (!a["steps"][i].contains("action") || !a["steps"][i]["action"].is_string()) {
      return c.Fail(spath + "/action", "required string");
    }
  }
  out.steps = a["steps"];
  for (const Json& step : out.steps) out.shortcuts.push_back(StepShortcutOf(step));
  return true;
}

bool ParseFault(Checker& c, const Json& f, const std::string& path, FaultRule& out) {
  if (!c.Object(f, path) || !c.Keys(f, path, {"match", "status", "reason", "error"})) return false;
  if (!f.contains("match")) return c.Fail(path + "/match", "required");
  if (!c.Object(f["match"], path + "/match")) return false;
  if (!c.Keys(f["match"], path + "/match", {"email_suffix", "email", "phone_number", "user_id"})) {
    return false;
  }
  for (auto it = f["match"].begin(); it != f["match"].end(); ++it) {
    if (!c.String(it.value(), path + "/match/" + it.key())) return false;
  }
  out.match = f["match"];
  if (f.contains("status")) {
    if (!c.String(f["status"], path + "/status")) return false;
    out.status = f["status"].get<std::string>();
    if (out.status != "UNDELIVERABLE") {
      return c.Fail(path + "/status", "expected \"UNDELIVERABLE\"");
    }
  }
  for (const char* key : {"reason", "error"}) {
    if (f.contains(key)) {
      if (!c.String(f[key], path + "/" + key)) return false;
      (std::string(key) == "reason" ? out.reason : out.error) = f[key].get<std::string>();
    }
  }
  return true;
}

bool ParseProvider(Checker& c, const std::string& channel, const Json& p, const std::string& path,
                   ProviderDefinition& out) {
  out = DefaultProvider(channel);
  if (!c.Object(p, path) ||
      !c.Keys(p, path, {"provider", "delivery_delay", "auto_deliver", "faults"})) {
    return false;
  }
  if (p.contains("provider")) {
    if (!c.String(p["provider"], path + "/provider")) return false;
    out.provider = p["provider"].get<std::string>();
  }
  if (p.contains("delivery_delay") &&
      !c.DurationValue(p["delivery_delay"], path + "/delivery_delay", out.delivery_delay)) {
    return false;
  }
  if (p.contains("auto_deliver")) {
    if (!c.Bool(p["auto_deliver"], path + "/auto_deliver")) return false;
    out.auto_deliver = p["auto_deliver"].get<bool>();
  }
  if (p.contains("faults")) {
    if (!c.Array(p["faults"], path + "/faults")) return false;
    for (size_t i = 0; i < p["faults"].size(); ++i) {
      FaultRule rule;
      if (!ParseFault(c, p["faults"][i], path + "/faults/" + std::to_string(i), rule)) return false;
      out.faults.push_back(std::move(rule));
    }
  }
  return true;
}

bool ParseIdArray(Checker& c, const Json& value, const std::string& path,
                  const std::set<std::string>& keys, std::map<std::string, Json>& out) {
  if (!c.Array(value, path)) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    std::string ipath = path + "/" + std::to_string(i);
    if (!c.Object(value[i], ipath) || !c.Keys(value[i], ipath, keys)) return false;
    if (!value[i].contains("id")) return c.Fail(ipath + "/id", "required");
    if (!c.String(value[i]["id"], ipath + "/id")) return false;
    std::string id = value[i]["id"].get<std::string>();
    if (out.count(id)) return c.Fail(ipath + "/id", "duplicate id '" + id + "'");
    out[id] = value[i];
  }
  return true;
}

}  // namespace

namespace {

// The built-in channels, each with the provider it uses when the workspace
// names none; made once (a send routes through one for most workspaces).
constexpr std::size_t kBuiltinChannels = 6;
const std::array<ProviderDefinition, kBuiltinChannels>& BuiltinProviders() {
  static const std::array<ProviderDefinition, kBuiltinChannels> kProviders = [] {
    constexpr std::pair<const char*, const char*> kPairs[kBuiltinChannels] = {
        {"email", "sendgrid"}, {"sms", "twilio"},    {"push", "firebase-fcm"},
        {"chat", "slack"},     {"inbox", "courier"}, {"webhook", "webhook"}};
    std::array<ProviderDefinition, kBuiltinChannels> providers;
    for (std::size_t i = 0; i < kBuiltinChannels; ++i) {
      providers[i].channel = kPairs[i].first;
      providers[i].provider = kPairs[i].second;
    }
    return providers;
  }();
  return kProviders;
}

}  // namespace

const ProviderDefinition* BuiltinProvider(std::string_view channel) {
  for (const ProviderDefinition& builtin : BuiltinProviders()) {
    if (builtin.channel == channel) return &builtin;
  }
  return nullptr;
}

ProviderDefinition DefaultProvider(const std::string& channel) {
  if (const ProviderDefinition* builtin = BuiltinProvider(channel)) return *builtin;
  ProviderDefinition p;
  p.channel = channel;
  p.provider = channel;
  return p;
}

const AutomationDefinition* WorkspaceDefinition::FindAutomation(
    std::string_view id_or_alias) const {
  for (const auto& a : automations) {
    if (a.id == id_or_alias) return &a;
  }
  for (const auto& a : automations) {
    if (!a.alias.empty() && a.alias == id_or_alias) return &a;
  }
  return nullptr;
}

namespace {

// "webhooks": [{"url", "secret"?, "events"?}]. Event types are the ones
// Courier documents (outbound-webhooks page); the mock emits message:updated
// and audiences:user:matched / unmatched.
bool ParseWebhooks(Checker& c, const Json& list, std::vector<WebhookDefinition>& out) {
  static const std::set<std::string> kTypes = {
      "message:updated",          "notification:submitted", "notification:submission_canceled",
      "notification:published",   "audiences:updated",      "audiences:user:matched",
      "audiences:user:unmatched", "audiences:calculated"};
  if (!c.Array(list, "/webhooks")) return false;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = "/webhooks/" + std::to_string(i);
    const Json& w = list[i];
    if (!c.Object(w, path) || !c.Keys(w, path, {"url", "secret", "events"})) return false;
    if (!w.contains("url")) return c.Fail(path + "/url", "required");
    if (!c.String(w["url"], path + "/url")) return false;
    WebhookDefinition hook;
    hook.url = w["url"].get<std::string>();
    if (hook.url.rfind("http://", 0) != 0 && hook.url.rfind("https://", 0) != 0) {
      return c.Fail(path + "/url", "expected an http:// or https:// URL");
    }
    if (w.contains("secret")) {
      if (!c.String(w["secret"], path + "/secret")) return false;
      hook.secret = w["secret"].get<std::string>();
    }
    if (w.contains("events")) {
      if (!c.StringArray(w["events"], path + "/events", hook.events)) return false;
      for (std::size_t j = 0; j < hook.events.size(); ++j) {
        if (!kTypes.count(hook.events[j])) {
          return c.Fail(path + "/events/" + std::to_string(j),
                        "unknown event type '" + hook.events[j] +
                            "' (expected message:updated, audiences:user:matched, "
                            "audiences:user:unmatched or another documented type)");
        }
      }
    }
    out.push_back(std::move(hook));
  }
  return true;
}

}  // namespace

Result<WorkspaceDefinition> ParseWorkspaceDefinition(const Json& json) {
  Checker c;
  WorkspaceDefinition def;
  def.raw = json;
  auto fail = [&]() -> Result<WorkspaceDefinition> { return Status::BadRequest(c.error()); };
  if (!c.Object(json, "") ||
      !c.Keys(json, "",
              {"$schema",     "name",      "description",        "environment", "tenant_id",
               "api_keys",    "segment",   "notifications",      "event_maps",  "automations",
               "lists",       "profiles",  "audiences",          "brands",      "providers",
               "preferences", "retention", "processing_latency", "rate_limits", "webhooks"})) {
    return fail();
  }
  if (json.contains("name")) {
    if (!c.String(json["name"], "/name")) return fail();
    def.name = json["name"].get<std::string>();
  }
  if (json.contains("environment")) {
    if (!c.String(json["environment"], "/environment")) return fail();
    def.environment = json["environment"].get<std::string>();
    if (def.environment != "production" && def.environment != "test") {
      c.Fail("/environment", "expected \"production\" or \"test\"");
      return fail();
    }
  }
  if (json.contains("tenant_id")) {
    if (!c.String(json["tenant_id"], "/tenant_id")) return fail();
    def.tenant_id = json["tenant_id"].get<std::string>();
  }
  if (json.contains("api_keys") && !c.StringArray(json["api_keys"], "/api_keys", def.api_keys)) {
    return fail();
  }
  if (json.contains("segment")) {
    const Json& s = json["segment"];
    if (!c.Object(s, "/segment") ||
        !c.Keys(s, "/segment", {"write_key", "source_write_keys", "destination", "delivery"})) {
      return fail();
    }
    if (s.contains("write_key")) {
      if (!c.String(s["write_key"], "/segment/write_key")) return fail();
      def.segment.write_key = s["write_key"].get<std::string>();
    }
    if (s.contains("source_write_keys") &&
        !c.StringArray(s["source_write_keys"], "/segment/source_write_keys",
                       def.segment.source_write_keys)) {
      return fail();
    }
    // A workspace whose outbound key is also one of its sources would relay its
    // own "Message ..." calls back into itself, forever.
    const auto& sources = def.segment.source_write_keys;
    for (size_t i = 0; i < sources.size(); ++i) {
      if (!def.segment.write_key.empty() && sources[i] == def.segment.write_key) {
        c.Fail(
            "/segment/source_write_keys/" + std::to_string(i),
            "expected a write key other than /segment/write_key (Courier's outbound calls would be "
            "relayed back into this workspace)");
        return fail();
      }
    }
    if (s.contains("destination")) {
      if (!c.String(s["destination"], "/segment/destination")) return fail();
      def.segment.destination = s["destination"].get<std::string>();
      if (def.segment.destination != "actions" && def.segment.destination != "classic") {
        c.Fail("/segment/destination", "expected \"actions\" or \"classic\"");
        return fail();
      }
    }
  }
  if (json.contains("segment") && json["segment"].contains("delivery")) {
    SegmentDelivery delivery;
    if (!ParseSegmentDelivery(c, json["segment"]["delivery"], delivery)) return fail();
    def.segment.delivery = delivery;
  }
  if (json.contains("notifications")) {
    if (!c.Array(json["notifications"], "/notifications")) return fail();
    for (size_t i = 0; i < json["notifications"].size(); ++i) {
      std::string path = "/notifications/" + std::to_string(i);
      NotificationDefinition n;
      if (!ParseNotification(c, json["notifications"][i], path, n)) return fail();
      if (def.notifications.count(n.id)) {
        c.Fail(path + "/id", "duplicate id '" + n.id + "'");
        return fail();
      }
      def.notifications[n.id] = std::move(n);
    }
  }
  if (json.contains("event_maps")) {
    if (!c.Object(json["event_maps"], "/event_maps")) return fail();
    for (auto it = json["event_maps"].begin(); it != json["event_maps"].end(); ++it) {
      if (!c.String(it.value(), "/event_maps/" + it.key())) return fail();
      def.event_maps[it.key()] = it.value().get<std::string>();
    }
  }
  if (json.contains("automations")) {
    if (!c.Array(json["automations"], "/automations")) return fail();
    std::set<std::string> ids;
    for (size_t i = 0; i < json["automations"].size(); ++i) {
      std::string path = "/automations/" + std::to_string(i);
      AutomationDefinition a;
      if (!ParseAutomation(c, json["automations"][i], path, a)) return fail();
      if (!ids.insert(a.id).second) {
        c.Fail(path + "/id", "duplicate id '" + a.id + "'");
        return fail();
      }
      def.automations.push_back(std::move(a));
    }
  }
  if (json.contains("lists")) {
    std::map<std::string, Json> lists;
    if (!ParseIdArray(c, json["lists"], "/lists", {"id", "name", "subscribers"}, lists)) {
      return fail();
    }
    for (auto& [id, list] : lists) {
      if (list.contains("subscribers")) {
        std::vector<std::string> ignored;
        if (!c.StringArray(list["subscribers"], "/lists/" + id + "/subscribers", ignored)) {
          return fail();
        }
      }
      def.lists.push_back(list);
    }
  }
  if (json.contains("profiles")) {
    if (!c.Object(json["profiles"], "/profiles")) return fail();
    for (auto it = json["profiles"].begin(); it != json["profiles"].end(); ++it) {
      if (!c.Object(it.value(), "/profiles/" + it.key())) return fail();
      def.profiles[it.key()] = it.value();
    }
  }
  if (json.contains("audiences") &&
      !ParseIdArray(c, json["audiences"], "/audiences", {"id", "name", "description", "filter"},
                    def.audiences)) {
    return fail();
  }
  if (json.contains("brands")) {
    if (!c.Array(json["brands"], "/brands")) return fail();
    for (size_t i = 0; i < json["brands"].size(); ++i) {
      std::string path = "/brands/" + std::to_string(i);
      const Json& b = json["brands"][i];
      if (!c.Object(b, path)) return fail();
      if (!b.contains("id") || !c.String(b["id"], path + "/id")) {
        if (!c.failed()) c.Fail(path + "/id", "required");
        return fail();
      }
      def.brands[b["id"].get<std::string>()] = b;
    }
  }
  if (json.contains("providers")) {
    if (!c.Object(json["providers"], "/providers")) return fail();
    for (auto it = json["providers"].begin(); it != json["providers"].end(); ++it) {
      std::string path = "/providers/" + it.key();
      if (!kChannels.count(it.key())) {
        c.Fail(path,
               "unknown channel (expected email, sms, push, chat, inbox, webhook, direct_message)");
        return fail();
      }
      ProviderDefinition p;
      if (!ParseProvider(c, it.key(), it.value(), path, p)) return fail();
      def.providers[it.key()] = std::move(p);
    }
  }
  if (json.contains("preferences")) {
    const Json& p = json["preferences"];
    if (!c.Object(p, "/preferences") || !c.Keys(p, "/preferences", {"topics"})) return fail();
    if (p.contains("topics") &&
        !ParseIdArray(c, p["topics"], "/preferences/topics", {"id", "name", "default_status"},
                      def.preference_topics)) {
      return fail();
    }
  }
  if (json.contains("retention")) {
    const Json& r = json["retention"];
    if (!c.Object(r, "/retention") ||
        !c.Keys(r, "/retention", {"messages", "runs", "journal", "outbox"})) {
      return fail();
    }
    for (auto [key, slot] :
         {std::pair{"messages", &def.retention.messages}, std::pair{"runs", &def.retention.runs},
          std::pair{"journal", &def.retention.journal},
          std::pair{"outbox", &def.retention.outbox}}) {
      if (!r.contains(key)) continue;
      if (!r[key].is_number_integer() || r[key].get<std::int64_t>() < 0) {
        c.Fail(std::string("/retention/") + key,
               "expected a count (0 = unlimited), got " + JsonTypeName(r[key]));
        return fail();
      }
      *slot = r[key].get<std::size_t>();
    }
  }
  if (json.contains("processing_latency")) {
    Duration latency = 0;
    if (!c.DurationValue(json["processing_latency"], "/processing_latency", latency)) return fail();
    def.processing_latency = latency;
  }
  if (json.contains("rate_limits") && !ParseRateLimits(c, json["rate_limits"], def.rate_limits)) {
    return fail();
  }
  if (json.contains("webhooks") && !ParseWebhooks(c, json["webhooks"], def.webhooks)) return fail();
  // Cross references: event maps and notifications' topics must point at something.
  for (const auto& [event, notification] : def.event_maps) {
    if (!def.notifications.count(notification)) {
      c.Fail("/event_maps/" + event, "unknown notification '" + notification + "'");
      return fail();
    }
  }
  if (def.name.empty()) def.name = def.api_keys.empty() ? "Workspace" : def.api_keys.front();
  if (def.tenant_id.empty()) {
    for (char ch : def.name) {
      def.tenant_id += std::isalnum(static_cast<unsigned char>(ch))
                           ? static_cast<char>(std::tolower(static_cast<unsigned char>(ch)))
                           : '-';
    }
  }
  return def;
}

}  // namespace mock_courier
