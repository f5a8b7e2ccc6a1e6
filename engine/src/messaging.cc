// Sending: POST /send v1 and v2, automation and Segment-mapped sends, routing,
// rendering and the simulated providers (https://www.courier.com/docs/reference/send/message).
#include "messaging.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <set>
#include <span>
#include <utility>

#include "inline_vector.h"
#include "jobs.h"
#include "json_util.h"
#include "messaging_internal.h"
#include "mock_courier/time_format.h"
#include "profiles.h"

namespace mock_courier {
namespace {

void Touch(Services& svc) { svc.version.fetch_add(1); }

Status V2Error(std::string message) { return Status::BadRequest(std::move(message)); }

Status V1Error(int http_status, std::string message) {
  return Status::Error(http_status, std::move(message), ErrorShape::kLegacySend);
}

// ---- v2 validation (https://www.courier.com/docs/reference/send/message)
// --------------------------

// Keys of `message` accepted by Courier: the 2022 set plus context,
// preferences and expiry from the current spec
// (https://www.courier.com/docs/reference/send/message).
const std::set<std::string>& AllowedMessageKeys() {
  static const std::set<std::string> keys = {"brand_id", "brand",       "channels", "content",
                                             "data",     "delay",       "metadata", "providers",
                                             "routing",  "template",    "timeout",  "to",
                                             "context",  "preferences", "expiry"};
  return keys;
}

Status ValidateRecipient(const Json& to) {
  if (!to.is_object()) {
    return V2Error(
        "Invalid definition for property 'message.to'. 'message.to' must be of type object.");
  }
  if (to.contains("data") && !to["data"].is_object()) {
    return V2Error(
        "Invalid definition for property 'message.to.data'. 'message.to.data' must be of type "
        "object.");
  }
  for (const char* key :
       {"user_id", "email", "phone_number", "list_id", "list_pattern", "audience_id"}) {
    if (to.contains(key) && !to[key].is_string()) {
      return V2Error(std::string("Invalid definition for property 'message.to.") + key + "'. '" +
                     "message.to." + key + "' must be of type string.");
    }
  }
  return Status::Ok();
}

Status ValidateContent(const Json& content) {
  if (!content.is_object() ||
      (!content.contains("title") && !content.contains("body") && !content.contains("elements"))) {
    return V2Error(
        "Invalid Request. 'content' must contain one of the following properties: 'title', "
        "'body', or 'elements'");
  }
  if (!content.contains("body") && !content.contains("elements")) {
    return V2Error("Invalid Request. 'message.content' must contain either 'elements' or 'body'.");
  }
  if (content.contains("elements")) {
    if (!content["elements"].is_array()) {
      return V2Error("Invalid Request. 'message.content.elements' must be of type array.");
    }
    if (!content.contains("version")) {
      return V2Error(
          "Invalid Request. 'message.content' must contain a 'version' property when using "
          "`content.elements`.");
    }
  }
  for (const char* key : {"title", "body"}) {
    if (content.contains(key) && !content[key].is_string()) {
      return V2Error(std::string("Invalid Request. 'message.content.") + key +
                     "' must be of type string.");
    }
  }
  return Status::Ok();
}

Status ValidateRouting(const Json& routing) {
  if (!routing.is_object()) {
    return V2Error("Invalid Request. 'message.routing' must be of type object.");
  }
  if (!routing.contains("channels")) {
    return V2Error("Invalid Request. 'channels' is a required property of 'message.routing'.");
  }
  if (!routing.contains("method")) {
    return V2Error("Invalid Request. 'method' is a required property of 'message.routing'.");
  }
  const Json& method = routing["method"];
  if (!method.is_string() || (method != "all" && method != "single")) {
    std::string shown = method.is_string() ? method.get<std::string>() : method.dump();
    return V2Error("Invalid Request. " + shown +
                   " is not a valid 'routing.method' value. Either 'all' or 'single' are valid "
                   "values.");
  }
  if (!routing["channels"].is_array()) {
    return V2Error("Invalid Request. 'message.routing.channels' must be of type array.");
  }
  for (const Json& channel : routing["channels"]) {
    if (!channel.is_string() && !channel.is_object()) {
      return V2Error(
          "Invalid Request. Each of 'message.routing.channels' must be a channel name or a "
          "routing object.");
    }
  }
  return Status::Ok();
}

Status ValidateDelay(const Json& delay) {
  if (!delay.is_object())
    return V2Error("Invalid Request. 'message.delay' must be of type object.");
  for (auto it = delay.begin(); it != delay.end(); ++it) {
    if (it.key() != "duration" && it.key() != "until" && it.key() != "timezone") {
      return V2Error("Invalid Request. '" + it.key() +
                     "' is not a valid property of 'message.delay'.");
    }
  }
  if (delay.contains("duration")) {
    if (!delay["duration"].is_number()) {
      return V2Error("Invalid Request. 'duration' must be of type number.");
    }
    if (delay["duration"].get<double>() < 0) {
      return V2Error("Invalid Request. 'duration' must be greater than or equal to 0.");
    }
  }
  if (delay.contains("until")) {
    if (!delay["until"].is_string() || !ParseIso8601(delay["until"].get<std::string>())) {
      // Opening-hours windows ("Mo-Fr 08:00-16:30") are not simulated.
      return V2Error(
          "Invalid Request. 'until' must be an ISO-8601 timestamp (opening hours are not "
          "supported by mock-courier).");
    }
  }
  if (delay.contains("timezone") && !delay["timezone"].is_string()) {
    return V2Error("Invalid Request. 'timezone' must be of type string.");
  }
  return Status::Ok();
}

Status ValidateMetadata(const Json& metadata) {
  if (!metadata.is_object()) {
    return V2Error("Invalid Request. 'message.metadata' must be of type object.");
  }
  for (auto it = metadata.begin(); it != metadata.end(); ++it) {
    if (it.key() != "event" && it.key() != "tags" && it.key() != "trace_id" && it.key() != "utm") {
      return V2Error("Invalid Request. '" + it.key() +
                     "' is not a valid property of 'message.metadata'.");
    }
  }
  if (metadata.contains("tags")) {
    const Json& tags = metadata["tags"];
    if (!tags.is_array()) return V2Error("Invalid Request. 'metadata.tags' must be of type array.");
    if (tags.size() > 9) {
      return V2Error("Invalid Request. 'metadata.tags' must contain at most 9 tags.");
    }
    for (const Json& tag : tags) {
      if (!tag.is_string()) return V2Error("Invalid Request. 'metadata.tags' must be strings.");
      if (tag.get_ref<const std::string&>().size() > 30) {
        return V2Error("Invalid Request. Each of 'metadata.tags' must be at most 30 characters.");
      }
    }
  }
  if (metadata.contains("trace_id")) {
    if (!metadata["trace_id"].is_string()) {
      return V2Error("Invalid Request. 'metadata.trace_id' must be of type string.");
    }
    if (metadata["trace_id"].get_ref<const std::string&>().size() > 36) {
      return V2Error("Invalid Request. 'metadata.trace_id' must be at most 36 characters.");
    }
  }
  if (metadata.contains("utm")) {
    const Json& utm = metadata["utm"];
    if (!utm.is_object()) return V2Error("Invalid Request. 'metadata.utm' must be of type object.");
    static const std::set<std::string> utm_keys = {"source", "medium", "campaign", "term",
                                                   "content"};
    for (auto it = utm.begin(); it != utm.end(); ++it) {
      if (!utm_keys.count(it.key())) {
        return V2Error("Invalid Request. '" + it.key() +
                       "' is not a valid property of 'message.metadata.utm'.");
      }
    }
  }
  return Status::Ok();
}

Status ValidateTimeout(const Json& timeout) {
  if (!timeout.is_object()) {
    return V2Error("Invalid Request. 'message.timeout' must be of type object.");
  }
  if (timeout.contains("message")) {
    const Json& m = timeout["message"];
    if (!m.is_number() || m.get<double>() < 0 || m.get<double>() > 259200000.0) {
      return V2Error("Invalid Request. 'message' must be between 0 and 259200000");
    }
  }
  return Status::Ok();
}

// The v2 validator (https://www.courier.com/docs/reference/send/message), also run on automation
// send steps that carry a `message` (https://www.courier.com/docs/reference/automation/invoke).
Status ValidateV2Message(const Json& message) {
  if (!message.is_object()) {
    return V2Error("Invalid Request. Either 'message' or 'sequence' must be defined.");
  }
  for (auto it = message.begin(); it != message.end(); ++it) {
    if (!AllowedMessageKeys().count(it.key())) {
      return V2Error("Invalid Request. '" + it.key() + "' is not a valid property of 'message'.");
    }
  }
  bool has_content = message.contains("content");
  bool has_template = message.contains("template");
  if (has_content && has_template) {
    return V2Error("Invalid Request. Either 'content' or 'template' may be defined, but not both.");
  }
  if (!has_content && !has_template) {
    return V2Error("Invalid Request. Either 'content' or 'template' must be defined.");
  }
  if (!message.contains("to") || message["to"].is_null()) {
    return V2Error("Invalid Request. The 'to' property is required.");
  }
  if (message["to"].is_array()) {
    for (const Json& to : message["to"]) MC_RETURN_IF_ERROR(ValidateRecipient(to));
  } else {
    MC_RETURN_IF_ERROR(ValidateRecipient(message["to"]));
  }
  if (has_template && !message["template"].is_string()) {
    return V2Error("Invalid Request. 'message.template' must be of type string.");
  }
  if (message.contains("data") && !message["data"].is_object()) {
    return V2Error("Invalid definition for property 'data'. 'data' must be of type object.");
  }
  if (has_content) MC_RETURN_IF_ERROR(ValidateContent(message["content"]));
  if (message.contains("routing")) MC_RETURN_IF_ERROR(ValidateRouting(message["routing"]));
  if (message.contains("delay")) MC_RETURN_IF_ERROR(ValidateDelay(message["delay"]));
  if (message.contains("metadata")) MC_RETURN_IF_ERROR(ValidateMetadata(message["metadata"]));
  if (message.contains("timeout")) MC_RETURN_IF_ERROR(ValidateTimeout(message["timeout"]));
  if (message.contains("preferences")) {
    const Json& p = message["preferences"];
    if (!p.is_object() ||
        (p.contains("subscription_topic_id") && !p["subscription_topic_id"].is_string())) {
      return V2Error(
          "Invalid Request. 'message.preferences' must be an object with a string "
          "'subscription_topic_id'.");
    }
  }
  return Status::Ok();
}

// ---- Plans --------------------------------------------------------------------

// The notification an event or template id resolves to: the id itself when
// it names a notification, else the Events API mapping
// (https://www.courier.com/docs/1.0.0/reference/send/message/).
// Null when it resolves to none; else the definition's own id string.
const std::string* ResolveNotification(const WorkspaceState& ws, std::string_view event) {
  if (auto own = ws.def.notifications.find(event); own != ws.def.notifications.end()) {
    return &own->first;
  }
  auto mapped = ws.event_maps.find(event);
  if (mapped == ws.event_maps.end()) return nullptr;
  auto target = ws.def.notifications.find(mapped->second);
  return target != ws.def.notifications.end() ? &target->first : nullptr;
}

// `value` shared when it is a non-empty object; else the shared empty object.
SharedJson ShareObject(Json value) {
  if (!value.is_object() || value.empty()) return SharedEmptyObject();
  return Share(std::move(value));
}

// Member `key` of `object` shared (the shared empty object for {}), or null
// when it is absent or null.
SharedJson ShareMember(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  if (it->is_object() && it->empty()) return SharedEmptyObject();
  return Share(*it);
}

// A shared value as views show it: null for none.
const Json& ValueOf(const SharedJson& value) { return value ? *value : NullJson(); }

// A v1-style plan: `event` to user `recipient`, with nothing from a request
// body (no brand, override, preferences or list). `data` can be a whole
// Segment event, shared with the request that carried it.
SendPlan V1Plan(const WorkspaceState& ws, std::string_view event, const std::string& recipient,
                SharedJson profile, Payload data, SendOrigin origin) {
  const std::string* notification = ResolveNotification(ws, event);
  SendPlan plan;
  if (profile->is_object()) plan.received_profile = std::move(profile);
  if (data.is_object()) plan.data = std::move(data);
  plan.event = event;
  plan.mapped = notification != nullptr;
  if (notification != nullptr) plan.notification = *notification;
  plan.recipient = recipient;
  plan.origin = std::move(origin);
  return plan;
}

// The same with the fields a v1 body (or a send step) adds.
SendPlan V1Plan(const WorkspaceState& ws, std::string_view event, const std::string& recipient,
                SharedJson profile, Payload data, const Json& body, SendOrigin origin) {
  SendPlan plan =
      V1Plan(ws, event, recipient, std::move(profile), std::move(data), std::move(origin));
  if (body.is_object() && !body.empty()) {
    plan.brand = body.value("brand", Json());
    plan.override_providers = ShareMember(body, "override");
    plan.preferences = body.value("preferences", Json());
    plan.list_id = body.value("list_id", "");
    plan.list_pattern = body.value("list_pattern", "");
  }
  return plan;
}

// Courier records some recipient id for every message; without a user_id the
// mock uses the address the message goes to (see docs/fidelity.md).
std::string RecipientIdOf(const Json& to) {
  for (const char* key : {"user_id", "email", "phone_number"}) {
    if (to.contains(key) && to[key].is_string()) return to[key].get<std::string>();
  }
  return "";
}

// A v2 plan for one user recipient `to` (already validated).
SendPlan V2Plan(const WorkspaceState& ws, const Json& message, const Json& to,
                const SendOrigin& origin) {
  SendPlan plan;
  plan.v2 = true;
  std::string event;
  const Json metadata = message.value("metadata", Json::object());
  if (message.contains("template")) {
    event = message["template"].get<std::string>();
    const std::string* notification = ResolveNotification(ws, event);
    plan.mapped = notification != nullptr;
    if (notification != nullptr) plan.notification = *notification;
  } else {
    plan.mapped = true;
    plan.content = message["content"];
  }
  if (metadata.contains("event") && metadata["event"].is_string()) {
    event = metadata["event"].get<std::string>();
  }
  plan.event = event;
  plan.routing = message.value("routing", Json());
  Json data = message.value("data", Json::object());
  if (to.contains("data")) DeepMerge(data, to["data"]);
  Json received = to;
  for (const char* key : {"data", "filters", "list_id", "list_pattern", "audience_id"}) {
    received.erase(key);
  }
  plan.to = to;
  plan.recipient = RecipientIdOf(to);
  plan.received_profile = ShareObject(std::move(received));
  plan.data = ShareObject(std::move(data));
  plan.brand = message.value("brand_id", message.value("brand", Json()));
  plan.override_providers = ShareMember(message, "providers");
  plan.preferences = message.value("preferences", Json());
  plan.metadata = metadata;
  plan.context = message.value("context", Json::object());
  plan.list_id = to.value("list_id", "");
  plan.list_pattern = to.value("list_pattern", "");
  plan.audience_id = to.value("audience_id", "");
  plan.origin = origin;
  return plan;
}

// Expands one v2 `to` entry into user recipients (list, pattern and audience
// recipients become their members). Unknown lists fail
// (https://www.courier.com/docs/reference/send/message).
Status ExpandRecipient(const WorkspaceState& ws, const Json& to, std::vector<Json>& out) {
  if (to.contains("user_id") ||
      (!to.contains("list_id") && !to.contains("list_pattern") && !to.contains("audience_id"))) {
    out.push_back(to);
    return Status::Ok();
  }
  Json extra = Json::object();
  if (to.contains("data")) extra["data"] = to["data"];
  auto add_user = [&](const std::string& user_id, const std::string& list_key,
                      const std::string& list_value) {
    Json recipient = extra;
    recipient["user_id"] = user_id;
    recipient[list_key] = list_value;
    out.push_back(std::move(recipient));
  };
  if (to.contains("list_id")) {
    std::string list_id = to["list_id"].get<std::string>();
    auto list = ws.lists.find(list_id);
    if (list == ws.lists.end() || list->second.value("archived", false)) {
      return V2Error("Invalid Request. The list id '" + list_id + "', was not found.");
    }
    for (const std::string& user : ListSubscribers(ws, list_id)) add_user(user, "list_id", list_id);
  } else if (to.contains("list_pattern")) {
    std::string pattern = to["list_pattern"].get<std::string>();
    std::set<std::string> seen;
    for (const auto& [list_id, record] : ws.lists) {
      if (record.value("archived", false) || !ListPatternMatches(pattern, list_id)) continue;
      for (const std::string& user : ListSubscribers(ws, list_id)) {
        if (seen.insert(user).second) add_user(user, "list_pattern", pattern);
      }
    }
  } else {
    std::string audience_id = to["audience_id"].get<std::string>();
    if (!ws.audiences.count(audience_id)) {
      return V2Error("Invalid Request. The audience id '" + audience_id + "', was not found.");
    }
    auto members = ws.audience_members.find(audience_id);
    if (members != ws.audience_members.end()) {
      for (const std::string& user : members->second) add_user(user, "audience_id", audience_id);
    }
  }
  return Status::Ok();
}

// When a v2 message is due: `delay.duration` rounded up to the next minute,
// or `delay.until` (the later of the two when both are given)
// (https://www.courier.com/docs/reference/send/message).
std::optional<TimePoint> DeliverAt(const Json& message, TimePoint now) {
  if (!message.contains("delay")) return std::nullopt;
  const Json& delay = message["delay"];
  TimePoint due = now;
  if (delay.contains("duration")) {
    double ms = delay["duration"].get<double>();
    auto minutes = static_cast<Duration>(std::ceil(ms / static_cast<double>(kMinute)));
    due = std::max(due, now + minutes * kMinute);
  }
  if (delay.contains("until")) {
    if (auto until = ParseIso8601(delay["until"].get<std::string>())) due = std::max(due, *until);
  }
  if (due <= now) return std::nullopt;
  return due;
}

// A `delay.until` that is not an extended ISO 8601 date-time (the basic form
// 20261130T120000Z, a date alone) is accepted, since which forms /send takes is
// not public; the message says so, as an automation delay does
// (docs/fidelity.md D10). nullopt when there is nothing to say.
std::optional<std::string> UntilDiagnostic(const Json& message) {
  const Json* until = FindPath(message, "delay.until");
  if (until == nullptr || !until->is_string() || IsExtendedIsoDateTime(until->get<std::string>())) {
    return std::nullopt;
  }
  return "delay until '" + until->get<std::string>() +
         "': accepted here; Courier may reject: it is not an extended ISO 8601 date-time such "
         "as 2024-04-08T08:09:10.123Z (https://www.courier.com/docs/reference/send/message)";
}

// ---- Routing, rendering, providers ------------------------------------------

// Whether the merged profile holds the data a channel needs (docs/fidelity.md "Channel data": email
// -> email, sms -> phone_number, ...).
bool HasChannelData(const std::string& channel, const MergedProfileView& profile) {
  auto has = [&](std::string_view key) {
    const Json* value = profile.Member(key);
    return value != nullptr && !value->is_null() &&
           !(value->is_string() && value->get_ref<const std::string&>().empty());
  };
  if (channel == "email") return has("email");
  if (channel == "sms") return has("phone_number");
  if (channel == "push") return has("firebaseToken") || has("apn") || has("expo");
  if (channel == "chat") return has("slack") || has("ms_teams") || has("discord");
  if (channel == "inbox") return has("user_id");
  return has(channel);
}

// The variables a send renders with: the send's data, with `data` (the data
// itself unless it has its own `data` key), `profile` (merged) and
// `recipient` on top. Looked up in place rather than assembled into one
// object, which would copy the data (a whole Segment event) twice per send.
// Packed data (an automation's send) is read along the path, and only the
// value found is read out (a string's bytes are appended as they are).
struct RenderVariables {
  // A constructor, not aggregate initialisation: std::optional::emplace
  // needs one (clang does not build aggregates from parentheses).
  RenderVariables(const Payload& data, const MergedProfileView& merged, const std::string& to)
      : payload(data), profile(merged), recipient(to) {}

  const Payload& payload;
  const MergedProfileView& profile;
  const std::string& recipient;
  // `recipient` as a value, made when a template reads it (most do not).
  mutable Json recipient_value = nullptr;
  // Packed data: where the last path read with a parent ("data.properties"
  // of "data.properties.item") found that parent. A template's variables
  // mostly share one, and reaching it steps over the event's other members
  // (its `context` and the rest) every time.
  mutable std::optional<PackedJson::Cursor> parent_cursor = std::nullopt;
  mutable char parent_path[64] = {};
  mutable std::size_t parent_length = 0;

  // Appends the value at `path` as RenderTemplate writes it.
  void Append(std::string_view path, std::string& out) const {
    if (payload.tree() == nullptr) {
      const std::size_t dot = path.find('.');
      const std::string_view root = path.substr(0, dot);
      if (!root.empty() && root != "profile" && root != "recipient") {
        AppendPacked(path, root, dot != std::string_view::npos, out);
        return;
      }
    }
    AppendTemplateValue(Find(path), out);
  }

  // The value at `path` (the data roots of tree data only).
  const Json* Find(std::string_view path) const {
    const std::size_t dot = path.find('.');
    const std::string_view root = path.substr(0, dot);
    if (root.empty()) return nullptr;
    if (root == "profile") {
      return dot == std::string_view::npos ? &profile.Whole() : profile.Find(path.substr(dot + 1));
    }
    const Json* node = nullptr;
    if (root == "recipient") {
      if (recipient_value.is_null()) recipient_value = recipient;
      node = &recipient_value;
    } else {
      if (payload.tree() == nullptr) return nullptr;  // Packed data: AppendPacked reads it.
      const Json& data = *payload.tree();
      if (root == "data") {
        auto own = data.is_object() ? data.find("data") : data.end();
        node = own != data.end() ? &*own : &data;
      } else if (data.is_object()) {
        auto it = data.find(std::string(root));
        if (it == data.end()) return nullptr;
        node = &*it;
      } else {
        return nullptr;
      }
    }
    if (dot == std::string_view::npos) return node;
    return FindPath(*node, path.substr(dot + 1));
  }

  // Find's rules for the data roots, on packed data (an object: Payload
  // holds only objects as send data).
  void AppendPacked(std::string_view path, std::string_view root, bool has_rest,
                    std::string& out) const {
    PackedJson::Cursor cursor = payload.Cursor();
    if (!has_rest) {
      if (!StepRoot(cursor, root)) return;
    } else {
      // The parent, then the last segment: the same steps as the whole path.
      const std::size_t last_dot = path.rfind('.');
      const std::string_view parent = path.substr(0, last_dot);
      if (parent_cursor && parent == std::string_view(parent_path, parent_length)) {
        cursor = *parent_cursor;
      } else {
        // A step that leads nowhere leaves the cursor invalid, and so every
        // step after it: a missing parent is remembered as that.
        if (StepRoot(cursor, root) && parent.size() > root.size()) {
          cursor.StepPath(parent.substr(root.size() + 1));
        }
        if (parent.size() <= sizeof parent_path) {
          std::memcpy(parent_path, parent.data(), parent.size());
          parent_length = parent.size();
          parent_cursor = cursor;
        }
      }
      if (!cursor.Step(path.substr(last_dot + 1))) return;
    }
    if (std::optional<std::string_view> text = cursor.String()) {
      out += *text;
      return;
    }
    const Json value = cursor.Unpack();
    AppendTemplateValue(&value, out);
  }

  // Steps `cursor` (at the data) to a data root: the data's own `data`
  // member or the data itself for "data", else the member named `root`.
  static bool StepRoot(PackedJson::Cursor& cursor, std::string_view root) {
    if (root == "data") {
      PackedJson::Cursor own = cursor;
      if (own.Step("data")) cursor = own;
      return true;
    }
    return cursor.Step(root);
  }

  // Appends `text` rendered, as a JSON string.
  void AppendRenderedString(std::string_view text, std::string& out) const {
    AppendQuoted(
        [&](std::string& scratch) {
          RenderTemplateTo(
              text, [this](std::string_view path, std::string& to) { Append(path, to); }, scratch);
        },
        out);
  }
  // The same for a template split beforehand (a notification's content).
  void AppendRendered(const TemplateParts& string, std::string& out) const {
    AppendQuoted(
        [&](std::string& scratch) {
          string.RenderTo([this](std::string_view path, std::string& to) { Append(path, to); },
                          scratch);
        },
        out);
  }
  // Appends what render(scratch) writes, as a JSON string.
  template <typename Render>
  static void AppendQuoted(Render&& render, std::string& out) {
    // Rendered whole first: the string is escaped as one. Templates do not
    // nest, so one scratch buffer per thread serves every call.
    thread_local std::string scratch;
    scratch.clear();
    render(scratch);
    AppendJsonString(out, scratch);
    if (scratch.capacity() > 64 * 1024) std::string().swap(scratch);
  }
};

// Appends what a channel shows, rendered, as a JSON object: the
// notification's per-channel content, or the inline `content` of a v2 send.
void AppendRenderedChannel(const WorkspaceDefinition& def, const SendPlan& plan,
                           const std::string& channel, const RenderVariables& variables,
                           std::string& out) {
  if (plan.content.is_object()) {
    const Json& content = plan.content;
    std::string title = content.value("title", "");
    std::string body = content.value("body", "");
    if (content.contains("elements")) {
      // Elemental: the meta title and the text/action contents, in order.
      std::string text;
      for (const Json& element : content["elements"]) {
        if (!element.is_object()) continue;
        std::string type = element.value("type", "");
        if (type == "meta" && element.contains("title")) {
          title = element.value("title", "");
        } else if (element.contains("content") && element["content"].is_string()) {
          if (!text.empty()) text += "\n";
          text += element["content"].get<std::string>();
        }
      }
      if (!text.empty()) body = text;
    }
    // Keys in a parsed object's (sorted) order.
    out += R"({"body":)";
    variables.AppendRenderedString(body, out);
    if (channel == "email") {
      out += R"(,"subject":)";
      variables.AppendRenderedString(title, out);
    }
    out += R"(,"title":)";
    variables.AppendRenderedString(title, out);
    out += '}';
    return;
  }
  auto notification = def.notifications.find(plan.notification);
  if (notification != def.notifications.end()) {
    const auto& content = notification->second.content;
    auto own = content.find(channel);
    if (own != content.end()) {
      own->second.AppendTo([&variables](const TemplateParts& string,
                                        std::string& to) { variables.AppendRendered(string, to); },
                           out);
      return;
    }
  }
  out += "{}";
}

bool FaultMatches(const FaultRule& rule, const MergedProfileView& profile) {
  auto text = [&](std::string_view key) {
    const Json* value = profile.Member(key);
    return value != nullptr && value->is_string()
               ? std::string_view(value->get_ref<const std::string&>())
               : std::string_view();
  };
  for (auto it = rule.match.begin(); it != rule.match.end(); ++it) {
    if (!it.value().is_string()) return false;
    const std::string& want = it.value().get_ref<const std::string&>();
    if (it.key() == "email_suffix") {
      const std::string_view email = text("email");
      if (email.size() < want.size() ||
          email.compare(email.size() - want.size(), want.size(), want) != 0) {
        return false;
      }
    } else if (it.key() == "email" || it.key() == "phone_number" || it.key() == "user_id") {
      if (text(it.key()) != want) return false;
    } else {
      return false;
    }
  }
  return true;
}

// The workspace's provider of `channel`, or the default one, built in
// `fallback` (no copy of a workspace's definition, fault rules and all).
const ProviderDefinition& ProviderFor(const WorkspaceState& ws, const std::string& channel,
                                      ProviderDefinition& fallback) {
  auto it = ws.def.providers.find(channel);
  if (it != ws.def.providers.end()) return it->second;
  // Held, not built: most workspaces configure no provider, and building
  // one per routed channel was 1 % of a fired run.
  if (const ProviderDefinition* builtin = BuiltinProvider(channel)) return *builtin;
  fallback = DefaultProvider(channel);
  return fallback;
}

// A providers[] entry of the message record, before its status.
ProviderAttempt ProviderEntry(const std::string& channel, const std::string& provider) {
  ProviderAttempt entry;
  entry.channel = channel;
  entry.provider = provider;
  return entry;
}

// Routes, renders and sends `m` (stored in ws.messages, where it stays put
// for the whole operation: stores drop records only when it ends).
void ProcessMessage(WorkspaceState& ws, Services& svc, Message& m);

void ScheduleDelivery(WorkspaceState& ws, Services& svc, Message& message,
                      const std::string& channel, TimePoint due) {
  Scheduler::Timer timer;
  timer.workspace = ws.serial;
  timer.kind = TimerKind::kDeliverMessage;
  timer.target = message.seq;
  timer.channel = channel;
  message.pending_timer = svc.scheduler.Schedule(due, std::move(timer));
}

}  // namespace

void RunDeliveryJob(WorkspaceState& ws, Services& svc, std::uint64_t message_seq,
                    const std::string& channel) {
  Message* m = ws.messages.FindBySeq(message_seq);
  if (m == nullptr) return;
  m->pending_timer = TimerId{};
  DeliverChannel(ws, svc, *m, channel);
}

void RunMessageJob(WorkspaceState& ws, Services& svc, std::uint64_t message_seq) {
  if (Message* m = ws.messages.FindBySeq(message_seq)) ProcessMessage(ws, svc, *m);
}

namespace {

void ProcessMessage(WorkspaceState& ws, Services& svc, Message& m) {
  if (m.canceled || m.record.status != MessageStatus::kEnqueued) return;
  m.pending_timer = TimerId{};
  const TimePoint now = svc.clock.Now();
  // References, not copies: the plan, data and profile are never modified
  // after creation, and `m` does not move (nothing here adds a message).
  const SendPlan& plan = m.plan;

  if (!plan.mapped) {
    // A v1 event mapped to no notification still yields a message
    // (https://www.courier.com/docs/1.0.0/reference/send/message/).
    PlainItem(m.history, "UNMAPPED", now);
    m.history.back().from_message = true;
    SetMessageStatus(ws, svc, m, MessageStatus::kUnmapped);
    return;
  }
  const std::string& notification_id = plan.notification;
  const NotificationDefinition* notification = nullptr;
  if (!notification_id.empty()) {
    notification = &ws.def.notifications.at(notification_id);
    PlainItem(m.history, "MAPPED", now);
    m.history.back().from_message = true;
  }

  // Profile: the stored profile of the user, merged with what the request
  // brought, for this send only (https://www.courier.com/docs/1.0.0/reference/send/message/).
  const std::string user_id = plan.UserId();
  if (!user_id.empty()) {
    auto it = ws.profiles.find(user_id);
    if (it != ws.profiles.end() && it->second.get().is_object() && !it->second.get().empty()) {
      m.stored_profile = it->second.Snapshot();
    }
  }
  const MergedProfileView merged(m);
  // Its profiles are put back by HistoryItemJson.
  PlainItem(m.history, "PROFILE_LOADED", now);

  // Channels and method: v2 routing wins over the notification's (read in
  // place; the others are listed in `listed`).
  static const std::vector<std::string> kDefaultChannels = {"email"};
  std::vector<std::string> listed;
  const std::vector<std::string>* channels = &kDefaultChannels;
  std::string method = "single";
  if (plan.routing.is_object()) {
    method = plan.routing.value("method", "single");
    for (const Json& c : plan.routing["channels"]) {
      if (c.is_string()) listed.push_back(c.get<std::string>());
      if (c.is_object() && c.contains("channel") && c["channel"].is_string()) {
        listed.push_back(c["channel"].get<std::string>());
      }
    }
    channels = &listed;
  } else if (notification != nullptr) {
    channels = &notification->channels;
    method = notification->routing;
  }

  // Preferences (https://www.courier.com/docs/platform/workspaces/outbound-webhooks/ UNDELIVERABLE
  // example).
  std::string topic;
  if (plan.preferences.is_object() && plan.preferences.contains("subscription_topic_id") &&
      plan.preferences["subscription_topic_id"].is_string()) {
    topic = plan.preferences["subscription_topic_id"].get<std::string>();
  }
  if (topic.empty() && notification != nullptr) topic = notification->subscription_topic;
  std::string blocked_reason;
  std::string blocked_error;
  if (!topic.empty() && !user_id.empty()) {
    bool stored_pref = false;
    Json pref = EffectivePreference(ws, user_id, topic, &stored_pref);
    std::string status = pref.value("status", "OPTED_IN");
    if (status == "OPTED_OUT" && stored_pref) {
      blocked_reason = "UNSUBSCRIBED";
      blocked_error = "Notification opted out by user";
    } else if (status == "OPTED_OUT") {
      blocked_reason = "OPT_IN_REQUIRED";
      blocked_error = "Notification requires the user to opt in";
    } else if (pref.value("has_custom_routing", false) && pref.contains("custom_routing") &&
               pref["custom_routing"].is_array() && !pref["custom_routing"].empty()) {
      listed.clear();
      for (const Json& c : pref["custom_routing"]) {
        if (c.is_string()) listed.push_back(c.get<std::string>());
      }
      channels = &listed;
    }
  }

  // Pointers into *channels, which does not change from here on.
  InlineVector<const std::string*, 4> routed;
  for (const std::string& channel : *channels) {
    if (!HasChannelData(channel, merged)) continue;
    if (std::find_if(routed.begin(), routed.end(),
                     [&](const std::string* r) { return *r == channel; }) != routed.end()) {
      continue;
    }
    routed.push_back(&channel);
    if (method == "single") break;
  }

  if (!blocked_reason.empty()) {
    for (const std::string* routed_channel : routed) {
      const std::string& channel = *routed_channel;
      ProviderDefinition fallback;
      const ProviderDefinition& provider = ProviderFor(ws, channel, fallback);
      ProviderAttempt entry = ProviderEntry(channel, provider.provider);
      entry.status = MessageStatus::kUndeliverable;
      entry.error = blocked_error;
      m.record.providers.push_back(std::move(entry));
      RoutedItem(m.history, "UNDELIVERABLE", now, channel, provider.provider,
                 {{"error_message", blocked_error}});
    }
    if (!routed.empty()) {
      m.channel = *routed.front();
      ProviderDefinition fallback;
      m.provider = ProviderFor(ws, *routed.front(), fallback).provider;
    }
    m.record.reason = blocked_reason;
    m.record.error = blocked_error;
    SetMessageStatus(ws, svc, m, MessageStatus::kUndeliverable);
    return;
  }

  if (routed.empty()) {
    // No channel has the recipient data it needs. Courier's reason list has
    // no closer match than NO_CHANNELS (https://www.courier.com/docs/reference/messages/get); the
    // error text is the mock's.
    static const std::vector<std::string> kNoChannel = {""};
    for (const std::string& channel : channels->empty() ? kNoChannel : *channels) {
      HistoryItem& item = PlainItem(m.history, "UNROUTABLE", now, {{"reason", "NO_CHANNELS"}});
      item.has_channel = true;
      item.channel = channel;
    }
    m.record.reason = "NO_CHANNELS";
    m.record.error = "No channels available for the recipient";
    SetMessageStatus(ws, svc, m, MessageStatus::kUnroutable);
    return;
  }

  m.channel = *routed.front();
  // What the delivery step needs of each channel sent on.
  struct Sent {
    const std::string* channel;
    bool auto_deliver;
    Duration delivery_delay;
  };
  InlineVector<Sent, 4> sent;
  const FaultRule* first_fault = nullptr;
  for (const std::string* routed_channel : routed) {
    const std::string& channel = *routed_channel;
    ProviderDefinition fallback;
    const ProviderDefinition& provider = ProviderFor(ws, channel, fallback);
    if (routed_channel == routed.front()) m.provider = provider.provider;
    // The content is rendered when a view asks for it (RenderedJson): what
    // it is rendered from does not change once the message is processed.
    RoutedItem(m.history, "RENDERED", now, channel, provider.provider);

    ProviderAttempt entry = ProviderEntry(channel, provider.provider);
    // Fault rules live on the workspace's provider definitions (pointers
    // into ws.def stay valid: the definition does not change here).
    const FaultRule* fault = nullptr;
    auto provider_def = ws.def.providers.find(channel);
    if (provider_def != ws.def.providers.end()) {
      for (const FaultRule& rule : provider_def->second.faults) {
        if (FaultMatches(rule, merged)) {
          fault = &rule;
          break;
        }
      }
    }
    if (fault != nullptr) {
      // Workspace files only name statuses ParseMessageStatus knows.
      entry.status = ParseMessageStatus(fault->status).value_or(MessageStatus::kUndeliverable);
      entry.error = fault->error;
      RoutedItem(m.history, "UNDELIVERABLE", now, channel, provider.provider,
                 {{"error_message", fault->error}});
      if (first_fault == nullptr) first_fault = fault;
    } else {
      entry.status = MessageStatus::kSent;
      entry.sent = now;
      RoutedItem(m.history, "SENT", now, channel, provider.provider);
      sent.push_back({&channel, provider.auto_deliver, provider.delivery_delay});
    }
    m.record.providers.push_back(std::move(entry));
  }
  if (sent.empty()) {
    m.record.reason = first_fault->reason;
    m.record.error = first_fault->error;
    // Workspace files only name statuses ParseMessageStatus knows.
    SetMessageStatus(
        ws, svc, m,
        ParseMessageStatus(first_fault->status).value_or(MessageStatus::kUndeliverable));
    return;
  }
  SetMessageStatus(ws, svc, m, MessageStatus::kSent, &MessageRecord::sent);
  for (const Sent& s : sent) {
    if (!s.auto_deliver) continue;  // Stays SENT until an engagement.
    if (s.delivery_delay <= 0) {
      DeliverChannel(ws, svc, m, *s.channel);
    } else {
      ScheduleDelivery(ws, svc, m, *s.channel, now + s.delivery_delay);
    }
  }
}

}  // namespace

std::string CreateMessage(WorkspaceState& ws, Services& svc, SendPlan&& plan,
                          const std::string& request_id, std::optional<TimePoint> deliver_at,
                          std::string message_id) {
  const TimePoint now = svc.clock.Now();
  // Built in place: moving a Message (a send plan, a history, a dozen
  // strings) into its node and destroying the husk was 2 % of a fired run.
  plan.deliver_at = deliver_at;
  Message& stored = ws.messages.AddBuilt(
      [&](Message& message) {
        message.seq = ws.messages.end_seq();
        if (message_id.empty()) {
          message.id = NextIdText(ws.ids, now);
        } else {
          message.id = message_id;
        }
        if (request_id != message.id) message.request_id = request_id;
        message.record.enqueued = now;
        // A delivered message's items, in one allocation (ENQUEUED, MAPPED,
        // PROFILE_LOADED, RENDERED, SENT, DELIVERED) instead of four as it grows.
        message.history.reserve(6);
        // Its fields (from the plan) are put back by HistoryItemJson.
        PlainItem(message.history, "ENQUEUED", now);
      },
      std::move(plan));
  // The stored message stays put for the whole operation (stores only drop
  // records when it ends, record_store.h), so its id is read in place; one
  // copy is returned.
  const std::string_view id = stored.id;
  Touch(svc);
  NotifyMessageUpdated(ws, svc, stored);
  // With a processing latency the message stays ENQUEUED until its job runs (jobs.h).
  if (std::optional<TimePoint> due = ProcessingDue(ws, svc, now, deliver_at)) {
    Scheduler::Timer timer;
    timer.workspace = ws.serial;
    timer.kind = deliver_at ? TimerKind::kDelayedSend : TimerKind::kProcessMessage;
    timer.target = stored.seq;
    stored.pending_timer = svc.scheduler.Schedule(*due, std::move(timer));
  } else {
    ProcessMessage(ws, svc, stored);
  }
  return std::string(id);
}

namespace {

// Validates and expands a v2 message into plans; changes nothing.
Status PlanV2(const WorkspaceState& ws, const Json& message, const SendOrigin& origin,
              std::vector<SendPlan>& plans, bool& single) {
  MC_RETURN_IF_ERROR(ValidateV2Message(message));
  std::vector<Json> recipients;
  const Json& to = message["to"];
  single = to.is_object() &&
           (to.contains("user_id") || (!to.contains("list_id") && !to.contains("list_pattern") &&
                                       !to.contains("audience_id")));
  if (to.is_array()) {
    for (const Json& entry : to) MC_RETURN_IF_ERROR(ExpandRecipient(ws, entry, recipients));
  } else {
    MC_RETURN_IF_ERROR(ExpandRecipient(ws, to, recipients));
  }
  for (const Json& recipient : recipients) plans.push_back(V2Plan(ws, message, recipient, origin));
  return Status::Ok();
}

// Creates the messages of a validated v2 request. Returns the message ids.
std::vector<std::string> SendV2(WorkspaceState& ws, Services& svc, const Json& message,
                                std::vector<SendPlan> plans, bool single,
                                const std::string& request_id) {
  std::optional<TimePoint> deliver_at = DeliverAt(message, svc.clock.Now());
  std::optional<std::string> until_diagnostic = UntilDiagnostic(message);
  std::vector<std::string> ids;
  for (SendPlan& plan : plans) {
    // A single recipient's message id is the request id
    // (https://www.courier.com/docs/reference/send/message).
    ids.push_back(
        CreateMessage(ws, svc, std::move(plan), request_id, deliver_at, single ? request_id : ""));
    if (Message* created = until_diagnostic ? ws.messages.Find(ids.back()) : nullptr) {
      created->diagnostics.push_back(*until_diagnostic);
    }
  }
  return ids;
}

// v1 body checks (https://www.courier.com/docs/platform/sending/create-map-events), errors in the
// {message,status} shape.
Status ValidateV1(const WorkspaceState& ws, const Json& body) {
  if (!body.is_object() || !body.contains("recipient") || body["recipient"].is_null()) {
    return V1Error(400, "The 'recipient' parameter is required.");
  }
  if (!body["recipient"].is_string()) {
    return V1Error(400, "The 'recipient' parameter must be a string.");
  }
  if (!body.contains("event") || body["event"].is_null()) {
    return V1Error(400, "The 'event' parameter is required.");
  }
  if (!body["event"].is_string()) return V1Error(400, "The 'event' parameter must be a string.");
  for (const char* key : {"profile", "data"}) {
    if (body.contains(key) && !body[key].is_null() && !body[key].is_object()) {
      return V1Error(400, std::string("The '") + key + "' parameter must be an object.");
    }
  }
  if (body.contains("brand") && !body["brand"].is_null()) {
    std::string brand =
        body["brand"].is_string() ? body["brand"].get<std::string>() : body["brand"].dump();
    if (!body["brand"].is_string() || !ws.def.brands.count(brand)) {
      return V1Error(422, "Invalid brand (" + brand + ")");
    }
  }
  return Status::Ok();
}

Result<Reply> HandleV1(WorkspaceState& ws, Services& svc, const Json& body) {
  MC_RETURN_IF_ERROR(ValidateV1(ws, body));
  SendOrigin origin{"api", "", ""};
  SendPlan plan = V1Plan(ws, body["event"].get<std::string>(), body["recipient"].get<std::string>(),
                         ShareObject(body.value("profile", Json::object())),
                         ShareObject(body.value("data", Json::object())), body, origin);
  std::string id = CreateMessage(ws, svc, std::move(plan), "", std::nullopt);
  return Reply{200, OneKey("messageId", id)};
}

std::string StringField(const Json& object, const char* key) {
  return object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : "";
}

}  // namespace

// ---- Public entry points ----------------------------------------------------

Result<Reply> HandleSend(WorkspaceState& ws, Services& svc, const Json& body) {
  try {
    if (!body.is_object()) return HandleV1(ws, svc, body);
    if (!body.contains("message") && !body.contains("sequence")) return HandleV1(ws, svc, body);
    if (!body.contains("message")) {
      return Status::Error(501, "Not implemented in mock-courier yet: 'sequence' sends");
    }
    std::vector<SendPlan> plans;
    bool single = false;
    MC_RETURN_IF_ERROR(PlanV2(ws, body["message"], SendOrigin{"api", "", ""}, plans, single));
    std::string request_id = ws.ids.Next(svc.clock.Now());
    (void)SendV2(ws, svc, body["message"], std::move(plans), single, request_id);
    return Reply{202, OneKey("requestId", request_id)};
  } catch (const Json::exception& e) {
    return Status::BadRequest(std::string("Invalid Request. ") + e.what());
  }
}

namespace {

// What a send step that fails on malformed JSON answers (its step's error).
Status InvalidSendStep(const Json::exception& e) {
  return Status::BadRequest(std::string("Invalid send step: ") + e.what());
}

}  // namespace

Result<std::vector<std::string>> SendFromAutomation(WorkspaceState& ws, Services& svc,
                                                    const Json& step, const SendOrigin& origin,
                                                    std::optional<Payload> data) {
  try {
    if (!step.is_object()) return Status::BadRequest("Invalid send step definition.");
    if (step.contains("message")) {
      std::vector<SendPlan> plans;
      bool single = false;
      MC_RETURN_IF_ERROR(PlanV2(ws, step["message"], origin, plans, single));
      std::string request_id = ws.ids.Next(svc.clock.Now());
      return SendV2(ws, svc, step["message"], std::move(plans), single, request_id);
    }
    // Legacy step: `template` plays v1's `event`. A non-object profile (the
    // docs' `{"$ref":"data.email"}` example) is tolerated and ignored
    // (https://www.courier.com/docs/platform/automations/steps).
    std::string event = StringField(step, "template");
    std::string recipient = StringField(step, "recipient");
    if (event.empty()) return Status::BadRequest("The 'template' parameter is required.");
    if (recipient.empty()) return Status::BadRequest("The 'recipient' parameter is required.");
    SendPlan plan = V1Plan(
        ws, event, recipient, ShareObject(step.value("profile", Json::object())),
        data ? std::move(*data) : ShareObject(step.value("data", Json::object())), step, origin);
    return std::vector<std::string>{CreateMessage(ws, svc, std::move(plan), "", std::nullopt)};
  } catch (const Json::exception& e) {
    return InvalidSendStep(e);
  }
}

Result<std::string> SendTemplateFromAutomation(WorkspaceState& ws, Services& svc,
                                               std::string_view template_id,
                                               const std::string& recipient, Payload data,
                                               SendOrigin origin) {
  try {
    // An extended plain step's fields: only its override, {} (what V1Plan
    // would read of the body {"override": {}}).
    SendPlan plan =
        V1Plan(ws, template_id, recipient, SharedEmptyObject(), std::move(data), std::move(origin));
    plan.override_providers = SharedEmptyObject();
    return CreateMessage(ws, svc, std::move(plan), "", std::nullopt);
  } catch (const Json::exception& e) {
    return InvalidSendStep(e);
  }
}

Result<std::vector<std::string>> SendListFromAutomation(WorkspaceState& ws, Services& svc,
                                                        const Json& step,
                                                        const SendOrigin& origin) {
  try {
    std::string event = StringField(step, "template");
    std::string list_id = StringField(step, "list");
    if (event.empty()) return Status::BadRequest("The 'template' parameter is required.");
    if (list_id.empty()) return Status::BadRequest("The 'list' parameter is required.");
    return SendMappedEventToList(ws, svc, event, list_id, "",
                                 ShareObject(step.value("data", Json::object())), origin);
  } catch (const Json::exception& e) {
    return Status::BadRequest(std::string("Invalid send-list step: ") + e.what());
  }
}

namespace {

// Event-map sends keep no idempotency record of their own: a repeated
// ordinary Segment messageId is answered from the stored /inbound/segment
// reply before anything runs, and an Event Tester id
// (https://www.courier.com/docs/external-integrations/cdp/segment) is not
// deduplicated at all, so each of its sends runs again (docs/fidelity.md).
std::optional<std::string> SendMappedEventUnguarded(WorkspaceState& ws, Services& svc,
                                                    std::string_view event_id,
                                                    const std::string& recipient,
                                                    const Payload& data, const SendOrigin& origin) {
  SendPlan plan =
      V1Plan(ws, event_id, recipient, SharedEmptyObject(), data, Json::object(), origin);
  return CreateMessage(ws, svc, std::move(plan), "", std::nullopt);
}

Result<std::vector<std::string>> SendMappedEventToListUnguarded(
    WorkspaceState& ws, Services& svc, std::string_view event_id, const std::string& list_id,
    const std::string& pattern, const Payload& data, const SendOrigin& origin) {
  // (list or pattern) -> subscribers, each once, in list then user order.
  std::vector<std::pair<std::string, std::string>> recipients;  // user, list
  if (!list_id.empty()) {
    auto list = ws.lists.find(list_id);
    if (list == ws.lists.end()) return Status::BadRequest("List " + list_id + " not found");
    if (list->second.value("archived", false)) {
      return Status::BadRequest("Cannot send to archived list (" + list_id + ")");
    }
    for (const std::string& user : ListSubscribers(ws, list_id))
      recipients.emplace_back(user, list_id);
  } else {
    std::set<std::string> seen;
    for (const auto& [id, record] : ws.lists) {
      if (record.value("archived", false) || !ListPatternMatches(pattern, id)) continue;
      for (const std::string& user : ListSubscribers(ws, id)) {
        if (seen.insert(user).second) recipients.emplace_back(user, id);
      }
    }
  }
  std::vector<std::string> ids;
  for (const auto& [user, list] : recipients) {
    Json body = {{"list_id", list}};
    if (!pattern.empty()) body["list_pattern"] = pattern;
    SendPlan plan = V1Plan(ws, event_id, user, SharedEmptyObject(), data, body, origin);
    ids.push_back(CreateMessage(ws, svc, std::move(plan), "", std::nullopt));
  }
  return ids;
}

}  // namespace

std::optional<std::string> SendMappedEvent(WorkspaceState& ws, Services& svc,
                                           std::string_view event_id, const std::string& recipient,
                                           const Payload& data, std::string_view source,
                                           std::string_view message_id) {
  // Nothing is created without a notification
  // (https://www.courier.com/docs/external-integrations/cdp/segment/); most tracks have none,
  // so the origin is made only for a send.
  if (!ResolveNotification(ws, event_id)) return std::nullopt;
  const SendOrigin origin{std::string(source), "", std::string(message_id)};
  try {
    return SendMappedEventUnguarded(ws, svc, event_id, recipient, data, origin);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Result<std::vector<std::string>> SendMappedEventToList(
    WorkspaceState& ws, Services& svc, std::string_view event_id, const std::string& list_id,
    const std::string& pattern, const Payload& data, const SendOrigin& origin) {
  return GuardInput([&]() -> Result<std::vector<std::string>> {
    return SendMappedEventToListUnguarded(ws, svc, event_id, list_id, pattern, data, origin);
  });
}

// ---- Shared lifecycle helpers (messaging_internal.h) --------------------------

Json OriginJson(const SendOrigin& origin) {
  return {{"source", origin.source},
          {"run_id", origin.run_id},
          {"idempotency_key", origin.idempotency_key}};
}

Json PlanJson(const SendPlan& plan) {
  Json out = {{"api", plan.v2 ? "v2" : "v1"},
              {"event", plan.event},
              {"mapped", plan.mapped},
              {"notification", plan.notification},
              {"content", plan.content},
              {"routing", plan.routing},
              {"to", plan.v2 ? plan.to : Json{{"user_id", plan.recipient}}},
              {"recipient", plan.recipient},
              {"received_profile", *plan.received_profile},
              {"data", plan.data.ToJson()},
              {"brand", plan.brand},
              {"override", ValueOf(plan.override_providers)},
              {"preferences", plan.preferences},
              {"metadata", plan.v2 ? plan.metadata : Json::object()},
              {"context", plan.v2 ? plan.context : Json::object()},
              {"list_id", plan.list_id},
              {"list_pattern", plan.list_pattern},
              {"audience_id", plan.audience_id},
              {"origin", OriginJson(plan.origin)}};
  if (plan.deliver_at) out["deliver_at"] = *plan.deliver_at;
  return out;
}

MergedProfileView::MergedProfileView(const Message& message) {
  if (!message.plan.received_profile->empty()) {
    merged_ = MergedProfile(message);
    base_ = &merged_;
    return;
  }
  base_ = message.stored_profile.get();
  std::string user_id = message.plan.UserId();
  if (!user_id.empty() && !base_->contains("user_id")) user_id_ = std::move(user_id);
}

const Json* MergedProfileView::Member(std::string_view key) const {
  if (!user_id_.empty() && key == "user_id") {
    if (user_id_json_.is_null()) user_id_json_ = user_id_;
    return &user_id_json_;
  }
  if (!base_->is_object()) return nullptr;
  auto it = base_->find(key);
  return it == base_->end() ? nullptr : &*it;
}

const Json* MergedProfileView::Find(std::string_view path) const {
  const std::size_t dot = path.find('.');
  if (dot == 0 || path.empty()) return nullptr;  // An empty segment, as FindPath.
  const Json* member = Member(path.substr(0, dot));
  if (member == nullptr || dot == std::string_view::npos) return member;
  return FindPath(*member, path.substr(dot + 1));
}

const Json& MergedProfileView::Whole() const {
  if (user_id_.empty() || base_ == &merged_) return *base_;
  merged_ = *base_;
  merged_["user_id"] = user_id_;
  base_ = &merged_;
  return merged_;
}

Json MergedProfile(const Message& message) {
  Json merged = *message.stored_profile;
  DeepMerge(merged, *message.plan.received_profile);
  const std::string user_id = message.plan.UserId();
  if (!user_id.empty() && !merged.contains("user_id")) merged["user_id"] = user_id;
  return merged;
}

HistoryItem& PlainItem(std::vector<HistoryItem>& history, std::string_view type, TimePoint now,
                       Json extra) {
  HistoryItem& item = history.emplace_back();
  item.type = type;
  item.ts = now;
  item.extra = std::move(extra);
  return item;
}

HistoryItem& RoutedItem(std::vector<HistoryItem>& history, std::string_view type, TimePoint now,
                        const std::string& channel, const std::string& provider, Json extra) {
  HistoryItem& item = PlainItem(history, type, now, std::move(extra));
  item.has_channel = true;
  item.has_integration = true;
  item.channel = channel;
  item.provider = provider;
  return item;
}

Json HistoryItemJson(const WorkspaceDefinition& def, const Message& message,
                     const HistoryItem& item, bool with_request) {
  Json out = item.extra.is_object() ? item.extra : Json::object();
  out["type"] = item.type;
  out["ts"] = item.ts;
  if (item.has_channel) out["channel"] = {{"id", item.channel}};
  if (item.has_integration) {
    out["integration"] = {{"id", item.provider}, {"provider", item.provider}};
  }
  const std::string_view type = item.type;
  if (item.from_message) {
    if (type == "MAPPED" || type == "UNMAPPED") out["event_id"] = message.plan.event;
    if (type == "MAPPED") out["notification_id"] = message.plan.notification;
    if (type == "DELIVERED") out["reference"] = OneKey("id", message.id + "/" + item.channel);
  }
  if (type == "ENQUEUED") {
    const SendPlan& plan = message.plan;
    out["event"] = plan.event;
    out["recipient"] = plan.recipient;
    out["override"] = ValueOf(plan.override_providers);
    out["data"] = plan.data.ToJson();
    out["profile"] = *plan.received_profile;
    if (with_request) out["request"] = PlanJson(plan);
  } else if (type == "PROFILE_LOADED") {
    out["merged_profile"] = MergedProfile(message);
    out["received_profile"] = *message.plan.received_profile;
    out["stored_profile"] = *message.stored_profile;
  } else if (type == "RENDERED") {
    out["output"] = RenderedChannelJson(def, message, item.channel);
  }
  return out;
}

ProviderAttempt* ProviderEntryOf(Message& message, const std::string& channel) {
  for (ProviderAttempt& entry : message.record.providers) {
    if (entry.channel == channel) return &entry;
  }
  return nullptr;
}

Json ProvidersJson(const Message& message) {
  Json out = Json::array();
  for (const ProviderAttempt& p : message.record.providers) {
    Json entry = Json::object();
    Json& channel = entry["channel"];
    channel["key"] = p.channel;
    channel["name"] = p.channel;
    channel["template"] = message.plan.notification;
    if (p.clicked) entry["clicked"] = *p.clicked;
    if (p.delivered) entry["delivered"] = *p.delivered;
    if (p.error) entry["error"] = *p.error;
    if (p.opened) entry["opened"] = *p.opened;
    entry["provider"] = p.provider;
    if (p.referenced) entry["reference"] = OneKey("id", message.id + "/" + p.channel);
    if (p.sent) entry["sent"] = *p.sent;
    entry["status"] = MessageStatusName(p.status);
    out.push_back(std::move(entry));
  }
  return out;
}

namespace {

// The decimal digits of `value`, as std::to_string writes them, without the
// string.
void AppendInteger(std::string& out, std::int64_t value) {
  char digits[24];
  const std::to_chars_result written = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, written.ptr);
}

// The record's `providers` as JSON text, byte for byte what JsonText writes of
// ProvidersJson for a message with this id and notification.
void AppendProvidersText(std::string& out, std::span<const ProviderAttempt> providers,
                         std::string_view message_id, std::string_view notification) {
  using namespace std::string_view_literals;
  // Keys in the order nlohmann sorts them, as ProvidersJson's dump.
  out += '[';
  bool first = true;
  for (const ProviderAttempt& p : providers) {
    if (!first) out += ',';
    first = false;
    out += R"({"channel":{"key":)"sv;
    AppendJsonString(out, p.channel);
    out += R"(,"name":)"sv;
    AppendJsonString(out, p.channel);
    out += R"(,"template":)"sv;
    AppendJsonString(out, notification);
    out += '}';
    auto time_field = [&out](std::string_view key, const std::optional<TimePoint>& value) {
      if (!value) return;
      out += R"(,")"sv;
      out += key;
      out += R"(":)"sv;
      AppendInteger(out, *value);
    };
    time_field("clicked"sv, p.clicked);
    time_field("delivered"sv, p.delivered);
    if (p.error) {
      out += R"(,"error":)"sv;
      AppendJsonString(out, *p.error);
    }
    time_field("opened"sv, p.opened);
    out += R"(,"provider":)"sv;
    AppendJsonString(out, p.provider);
    if (p.referenced) {
      out += R"(,"reference":{"id":)"sv;
      const JoinedText id_slash(message_id, "/");
      AppendJsonString(out, JoinedText(id_slash, p.channel).view());
      out += '}';
    }
    time_field("sent"sv, p.sent);
    out += R"(,"status":")"sv;
    out += std::string_view(MessageStatusName(p.status));
    out += R"("})"sv;
  }
  out += ']';
}

}  // namespace

MessageCallIdentity::MessageCallIdentity(const Message& message) {
  const std::string_view parts[] = {message.id, message.plan.event, message.plan.notification,
                                    message.plan.recipient};
  std::size_t size = 0;
  for (std::string_view part : parts) size += part.size();
  text_.reserve(size);
  for (std::size_t i = 0; i < std::size(parts); ++i) {
    text_ += parts[i];
    bounds_[i + 1] = text_.size();
  }
}

namespace {

// A message's outbound Segment call, as SetMessageStatus makes it: a copy of
// what the message was when its status changed, written as the call's text
// only when it is read (call_text.h). The properties are the record's fields
// plus channel, messageId, provider and recipientId
// (https://www.courier.com/docs/external-integrations/cdp/segment, UNCONFIRMED names; see
// docs/fidelity.md).
class MessageCall final : public CallText::Source {
 public:
  MessageCall(std::string_view call_id, TimePoint at, std::string_view event_name,
              std::shared_ptr<const MessageCallIdentity> identity, const Message& message)
      : at_(at),
        event_name_(event_name),
        identity_(std::move(identity)),
        channel_(message.channel),
        provider_(message.provider),
        record_(message.record) {
    call_id.copy(call_id_.data(), call_id_.size());
    // A message tries one channel but for a failover: that one is kept
    // inline (a vector was an allocation per call).
    if (message.record.providers.size() == 1) {
      single_provider_ = message.record.providers.front();
    } else {
      providers_ = message.record.providers;
    }
  }

  void Write(std::string& out) const override {
    AppendOutboundCall(out, event_name_, CallId(), at_, identity_->recipient(),
                       [this](std::string& text) { WriteProperties(text); });
  }
  std::string_view CallId() const override { return {call_id_.data(), call_id_.size()}; }
  std::string_view EventName() const override { return event_name_; }
  std::string_view UserId() const override { return identity_->recipient(); }
  std::string_view MessageId() const override { return identity_->id(); }
  void PrefetchBlocks() const override {
    PrefetchLines(this, sizeof(*this));
    PrefetchSharedBlock(identity_);
  }

 private:
  // The record's providers as they were.
  std::span<const ProviderAttempt> Providers() const {
    if (single_provider_) return {&*single_provider_, 1};
    return providers_;
  }

  void WriteProperties(std::string& text) const {
    using namespace std::string_view_literals;
    const MessageRecordFields& r = record_;
    const MessageCallIdentity& m = *identity_;
    text += '{';
    const std::size_t start = text.size();
    auto key = [&text, start](std::string_view name) {
      if (text.size() > start) text += ',';
      text += '"';
      text += name;
      text += R"(":)"sv;
    };
    auto string_field = [&](std::string_view name, std::string_view value) {
      key(name);
      AppendJsonString(text, value);
    };
    auto time_field = [&](std::string_view name, const std::optional<TimePoint>& value) {
      if (!value) return;
      key(name);
      AppendInteger(text, *value);
    };
    // In key order.
    time_field("canceledAt"sv, r.canceled_at);
    string_field("channel"sv, channel_);
    time_field("clicked"sv, r.clicked);
    time_field("delivered"sv, r.delivered);
    time_field("enqueued"sv, r.enqueued);
    if (r.error) string_field("error"sv, *r.error);
    string_field("event"sv, m.event());
    string_field("id"sv, m.id());
    string_field("messageId"sv, m.id());
    if (!m.notification().empty()) string_field("notification"sv, m.notification());
    time_field("opened"sv, r.opened);
    string_field("provider"sv, provider_);
    key("providers"sv);
    AppendProvidersText(text, Providers(), m.id(), m.notification());
    if (r.reason) string_field("reason"sv, *r.reason);
    string_field("recipient"sv, m.recipient());
    string_field("recipientId"sv, m.recipient());
    time_field("sent"sv, r.sent);
    string_field("status"sv, MessageStatusName(r.status));
    text += '}';
  }

  std::array<char, IdGenerator::kIdLength> call_id_{};
  TimePoint at_;
  std::string_view event_name_;  // A literal.
  std::shared_ptr<const MessageCallIdentity> identity_;
  std::string channel_;
  std::string provider_;
  MessageRecordFields record_;
  std::optional<ProviderAttempt> single_provider_;
  std::vector<ProviderAttempt> providers_;  // When there is not one.
};

// The identity `message`'s calls share, made by its first call.
std::shared_ptr<const MessageCallIdentity> CallIdentityOf(Message& message) {
  if (message.call_identity == nullptr) {
    message.call_identity = std::make_shared<const MessageCallIdentity>(message);
  }
  return message.call_identity;
}

}  // namespace

void KeepFinalDataAsText(WorkspaceState& ws, const std::string& message_id, const Payload& data,
                         const std::shared_ptr<const std::string>& text) {
  if (!text || text->empty()) return;
  Message* m = ws.messages.Find(message_id);
  if (m == nullptr || !IsFinalMessageStatus(m->record.status)) return;
  // The message holds `data`: the same tree, or a copy of the same packed
  // bytes (packed payloads are copied, not shared).
  const Payload& held = m->plan.data;
  const bool same = data.tree() != nullptr ? held.tree() == data.tree()
                                           : data.packed() && held.packed() &&
                                                 held.packed().bytes() == data.packed().bytes() &&
                                                 &held.keys() == &data.keys();
  if (same) m->plan.data = Payload::Text(text);
}

namespace {

// {"<channel>":<content>,...} for the channels of `message`'s RENDERED items
// that `want` accepts, in their order; {} for none.
template <typename Want>
Json RenderContent(const WorkspaceDefinition& def, const Message& message, Want&& want) {
  std::string text;
  std::optional<MergedProfileView> merged;
  // Data kept as text is a final message's (KeepFinalDataAsText): it is
  // read as the tree it stands for.
  std::optional<Payload> parsed;
  std::optional<RenderVariables> variables;
  for (const HistoryItem& item : message.history) {
    if (item.type != "RENDERED" || !want(item.channel)) continue;
    if (!variables) {
      merged.emplace(message);
      const SendPlan& plan = message.plan;
      if (plan.data.text() != nullptr) parsed.emplace(Share(plan.data.ToJson()));
      variables.emplace(parsed ? *parsed : plan.data, *merged, plan.recipient);
    }
    text += text.empty() ? '{' : ',';
    AppendJsonString(text, item.channel);
    text += ':';
    AppendRenderedChannel(def, message.plan, item.channel, *variables, text);
  }
  if (text.empty()) return Json::object();
  text += '}';
  Json rendered = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return rendered.is_object() ? rendered : Json::object();
}

}  // namespace

Json RenderedJson(const WorkspaceDefinition& def, const Message& message) {
  return RenderContent(def, message, [](const std::string&) { return true; });
}

Json RenderedChannelJson(const WorkspaceDefinition& def, const Message& message,
                         const std::string& channel) {
  Json rendered =
      RenderContent(def, message, [&](const std::string& other) { return other == channel; });
  auto it = rendered.find(channel);
  return it != rendered.end() ? std::move(*it) : Json::object();
}

bool IsFinalMessageStatus(MessageStatus status) {
  return status != MessageStatus::kEnqueued && status != MessageStatus::kSent;
}

Json MessageRecordJson(const Message& message) {
  const MessageRecord& r = message.record;
  // Key by key: nlohmann's initializer-list form makes a temporary array per pair.
  Json out = Json::object();
  out["id"] = message.id;
  out["status"] = MessageStatusName(r.status);
  out["enqueued"] = r.enqueued;
  if (r.sent) out["sent"] = *r.sent;
  if (r.delivered) out["delivered"] = *r.delivered;
  if (r.opened) out["opened"] = *r.opened;
  if (r.clicked) out["clicked"] = *r.clicked;
  if (r.canceled_at) out["canceledAt"] = *r.canceled_at;
  out["recipient"] = message.plan.recipient;
  out["event"] = message.plan.event;
  if (!message.plan.notification.empty()) out["notification"] = message.plan.notification;
  if (r.reason) out["reason"] = *r.reason;
  if (r.error) out["error"] = *r.error;
  out["providers"] = ProvidersJson(message);
  return out;
}

void SetMessageStatus(WorkspaceState& ws, Services& svc, Message& message, MessageStatus status,
                      RecordTimestamp stamp) {
  message.record.status = status;
  if (stamp != nullptr && !(message.record.*stamp)) message.record.*stamp = svc.clock.Now();
  if (IsFinalMessageStatus(status)) ws.messages.MarkFinishedAt(message.seq);
  Touch(svc);
  NotifyMessageUpdated(ws, svc, message);
  std::string_view event;
  switch (status) {
    case MessageStatus::kSent:
      event = "Message Sent";
      break;
    case MessageStatus::kDelivered:
      event = "Message Delivered";
      break;
    case MessageStatus::kOpened:
      event = "Message Opened";
      break;
    case MessageStatus::kClicked:
      event = "Message Clicked";
      break;
    case MessageStatus::kUndeliverable:
      event = "Message Undeliverable";
      break;
    case MessageStatus::kUnroutable:
      event = "Message Unroutable";
      break;
    default:
      return;
  }
  if (!EmitsOutbound(ws)) return;
  EmitOutboundCall(ws, svc, [&](std::string_view call_id, TimePoint at) {
    return std::make_shared<const MessageCall>(call_id, at, event, CallIdentityOf(message),
                                               message);
  });
}

bool DeliverChannel(WorkspaceState& ws, Services& svc, Message& message,
                    const std::string& channel) {
  ProviderAttempt* entry = ProviderEntryOf(message, channel);
  if (entry == nullptr || entry->status != MessageStatus::kSent) return false;
  const TimePoint now = svc.clock.Now();
  entry->status = MessageStatus::kDelivered;
  entry->delivered = now;
  entry->referenced = true;
  // Its "reference" is the entry's.
  RoutedItem(message.history, "DELIVERED", now, channel, entry->provider).from_message = true;
  if (message.record.status == MessageStatus::kSent) {
    SetMessageStatus(ws, svc, message, MessageStatus::kDelivered, &MessageRecord::delivered);
  } else {
    Touch(svc);
  }
  return true;
}

}  // namespace mock_courier
