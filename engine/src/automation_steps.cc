#include "automation_steps.h"

#include <initializer_list>
#include <set>
#include <string>
#include <utility>

#include "accessors.h"
#include "mock_courier/time_format.h"

namespace mock_courier {
namespace {

bool Present(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && !it->is_null();
}

bool Present(const RunContext& context, const char* key) {
  const Json* value = context.Find(key);
  return value != nullptr && !value->is_null();
}

// Courier's deepExtend(root, step): a deep copy of a truthy root extended by
// the step value, else the step value.
Json DeepExtend(const Json& root, const Json& step) {
  if (!Truthy(root)) return step;
  Json out = root.is_object() ? root : Json::object();
  if (step.is_object()) DeepMerge(out, step);
  return out;
}

// A reference, not a copy: `data` roots hold whole Segment events.
const Json& Get(const Json& object, const char* key) {
  static const Json kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

// What ValidateSteps extends the steps with: the context with stand-ins for
// everything StepIsValid cannot tell apart. It sees the `data` and `profile`
// roots only through ExtendStep's DeepExtend, whose result is an object
// whenever the root is truthy, whatever the root holds, so an empty object
// stands in for a truthy one (the run's data, a whole Segment event for
// triggered runs, is then not deep-copied per step). The string roots
// (brand, recipient, template) are checked for type and emptiness only, so
// "-" stands in for a non-empty string. Two contexts with the same
// validation context validate any steps alike (ValidationKey).
//
// The stand-in for `root` (nullptr: absent). Packed data (an inbound event
// packed from its text) is not unpacked for it: an object or array is truthy.
const Json& ObjectStandIn() {
  static const Json object = Json::object();
  return object;
}
const Json& StringStandIn() {
  static const Json dash = "-";
  return dash;
}

const Json* ValidationStandIn(const RunContext& context, std::string_view root) {
  const Json& kObject = ObjectStandIn();
  const Json& kDash = StringStandIn();
  if (root == "data") {
    const std::optional<Json::value_t> packed = context.PackedDataType();
    if (packed == Json::value_t::object || packed == Json::value_t::array) return &kObject;
  }
  const Json* value = context.Find(root);
  if (value == nullptr) return nullptr;
  if ((root == "data" || root == "profile") && Truthy(*value)) return &kObject;
  if (value->is_string() && !value->get_ref<const std::string&>().empty()) return &kDash;
  return value;
}

constexpr const char* kContextRoots[] = {"brand", "data", "profile", "recipient", "template"};

Json ValidationContext(const RunContext& context) {
  Json out = Json::object();
  for (const char* root : kContextRoots) {
    if (const Json* value = ValidationStandIn(context, root)) out[root] = *value;
  }
  return out;
}

// ---- Schema checks (Courier's automations/schemas.ts, additionalProperties false) ----

bool OnlyKeys(const Json& object, std::initializer_list<const char*> allowed) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool known = false;
    for (const char* key : allowed) {
      if (it.key() == key) {
        known = true;
        break;
      }
    }
    if (!known) return false;
  }
  return true;
}

// {type: string, minLength} or an accessor.
bool StringOrAccessor(const Json& value, std::size_t min_length = 0) {
  if (IsAccessor(value)) return value.size() == 1;
  return value.is_string() && value.get_ref<const std::string&>().size() >= min_length;
}

bool OptionalString(const Json& step, const char* key, std::size_t min_length = 0) {
  auto it = step.find(key);
  return it == step.end() || StringOrAccessor(*it, min_length);
}

bool RequiredString(const Json& step, const char* key, std::size_t min_length = 0) {
  auto it = step.find(key);
  return it != step.end() && StringOrAccessor(*it, min_length);
}

bool OptionalObject(const Json& step, const char* key) {
  auto it = step.find(key);
  return it == step.end() || it->is_object();
}

bool EnumOrAccessor(const Json& value, std::initializer_list<const char*> values) {
  if (IsAccessor(value)) return value.size() == 1;
  if (!value.is_string()) return false;
  for (const char* v : values) {
    if (value.get_ref<const std::string&>() == v) return true;
  }
  return false;
}

bool MergeStrategyValid(const Json& value) {
  return EnumOrAccessor(value, {"replace", "overwrite", "soft-merge", "none"});
}

bool WebhookValid(const Json& webhook) {
  if (IsAccessor(webhook)) return webhook.size() == 1;
  if (!webhook.is_object()) return false;
  if (!OnlyKeys(webhook, {"body", "headers", "params", "method", "url"})) return false;
  if (!RequiredString(webhook, "url", 1)) return false;
  if (webhook.contains("method") &&
      !EnumOrAccessor(webhook["method"], {"GET", "get", "POST", "post"}))
    return false;
  return OptionalObject(webhook, "body") && OptionalObject(webhook, "headers") &&
         OptionalObject(webhook, "params");
}

bool CommonValid(const Json& step) {
  return OptionalString(step, "if") && OptionalString(step, "ref");
}

bool SendValid(const Json& step) {
  if (step.contains("message")) {
    // v2 steps are validated by the /send v2 validator when they run.
    return step["message"].is_object();
  }
  return OnlyKeys(step,
                  {"action", "template", "recipient", "profile", "brand", "idempotency_expiry",
                   "idempotency_key", "data", "override", "if", "ref"}) &&
         RequiredString(step, "template", 1) && RequiredString(step, "recipient", 1) &&
         OptionalObject(step, "profile") && OptionalString(step, "brand") &&
         OptionalString(step, "idempotency_expiry") && OptionalString(step, "idempotency_key") &&
         OptionalObject(step, "data") && OptionalObject(step, "override");
}

bool SendListValid(const Json& step) {
  if (!OnlyKeys(step, {"action", "template", "list", "brand", "idempotency_expiry",
                       "idempotency_key", "data", "override", "if", "ref", "data_source"})) {
    return false;
  }
  if (step.contains("data_source")) {
    const Json& source = step["data_source"];
    if (IsAccessor(source)) {
      if (source.size() != 1) return false;
    } else if (!source.is_object() || !OnlyKeys(source, {"webhook", "merge_strategy"}) ||
               !source.contains("webhook") || !source.contains("merge_strategy") ||
               !WebhookValid(source["webhook"]) || !MergeStrategyValid(source["merge_strategy"])) {
      return false;
    }
  }
  return RequiredString(step, "template", 1) && RequiredString(step, "list", 1) &&
         OptionalString(step, "brand") && OptionalString(step, "idempotency_expiry") &&
         OptionalString(step, "idempotency_key") && OptionalObject(step, "data") &&
         OptionalObject(step, "override");
}

bool DelayValid(const Json& step) {
  // Exactly one of the four delay keys (Courier's anyOf of one-key schemas).
  const char* keys[] = {"duration", "until", "delayFor", "delayUntil"};
  const char* found = nullptr;
  for (const char* key : keys) {
    if (step.contains(key)) {
      if (found != nullptr) return false;
      found = key;
    }
  }
  if (found == nullptr) return false;
  if (!OnlyKeys(step, {"action", found, "if", "ref"})) return false;
  const Json& value = step[found];
  if (!StringOrAccessor(value, 1)) return false;
  if (!value.is_string()) return true;  // An accessor: checked when the step runs.
  const std::string& text = value.get_ref<const std::string&>();
  std::string key = found;
  if (key == "duration" || key == "delayFor") return ParseDelayDuration(text).has_value();
  return ParseIso8601(text).has_value();
}

bool InvokeValid(const Json& step) {
  if (!OnlyKeys(step, {"action", "context", "if", "ref", "template"})) return false;
  if (!RequiredString(step, "template", 1)) return false;
  if (step.contains("context")) {
    const Json& context = step["context"];
    if (IsAccessor(context)) return context.size() == 1;
    if (!context.is_object() ||
        !OnlyKeys(context, {"brand", "data", "profile", "template", "recipient"})) {
      return false;
    }
    return OptionalString(context, "brand") && OptionalObject(context, "data") &&
           OptionalObject(context, "profile") && OptionalString(context, "template") &&
           OptionalString(context, "recipient");
  }
  return true;
}

bool CancelValid(const Json& step) {
  for (const char* key : {"cancelation_token", "cancelationToken"}) {
    if (step.contains(key) && OnlyKeys(step, {"action", key, "if", "ref"}) &&
        StringOrAccessor(step[key], 1)) {
      return true;
    }
  }
  return false;
}

bool FetchDataValid(const Json& step) {
  return OnlyKeys(step, {"action", "webhook", "merge_strategy", "idempotency_expiry",
                         "idempotency_key", "if", "ref"}) &&
         step.contains("webhook") && WebhookValid(step["webhook"]) &&
         step.contains("merge_strategy") && MergeStrategyValid(step["merge_strategy"]) &&
         OptionalString(step, "idempotency_expiry") && OptionalString(step, "idempotency_key");
}

bool UpdateProfileValid(const Json& step) {
  return OnlyKeys(step, {"action", "merge", "recipient_id", "profile", "if", "ref"}) &&
         step.contains("merge") && MergeStrategyValid(step["merge"]) &&
         RequiredString(step, "recipient_id") && step.contains("profile") &&
         step["profile"].is_object();
}

bool SubscribeValid(const Json& step) {
  if (!OnlyKeys(step, {"action", "list_id", "recipient_id", "subscription", "if", "ref"}))
    return false;
  if (!RequiredString(step, "list_id", 1) || !RequiredString(step, "recipient_id", 1)) return false;
  if (step.contains("subscription")) {
    const Json& subscription = step["subscription"];
    if (IsAccessor(subscription)) return subscription.size() == 1;
    if (!subscription.is_object() || !OnlyKeys(subscription, {"preferences"}) ||
        !subscription.contains("preferences")) {
      return false;
    }
    const Json& preferences = subscription["preferences"];
    if (IsAccessor(preferences)) return preferences.size() == 1;
    return preferences.is_object() && OnlyKeys(preferences, {"notification", "categories"}) &&
           preferences.contains("notification") && preferences["notification"].is_object() &&
           OptionalObject(preferences, "categories");
  }
  return true;
}

}  // namespace

Json NormalizeContext(const Json& brand, const Json& data, const Json& profile,
                      const Json& recipient, const Json& template_name) {
  // Null roots are left out: they cost memory on every waiting run.
  Json context = Json::object();
  if (!brand.is_null()) context["brand"] = brand;
  if (!data.is_null()) context["data"] = data;
  if (!profile.is_null()) context["profile"] = profile;
  if (!recipient.is_null()) context["recipient"] = recipient;
  if (!template_name.is_null()) context["template"] = template_name;
  return context;
}

Json ExtendStep(Json step, const RunContext& context, std::optional<Payload>* shared_data) {
  // Extended in place: each key is read before it is written, so reading
  // `step` as it goes is reading the step as given.
  if (!step.is_object()) return step;
  const bool send = Get(step, "action") == "send";
  const bool send_list = Get(step, "action") == "send-list";
  if (send && !step.contains("message")) {
    if (!Present(step, "brand") && Present(context, "brand")) step["brand"] = context.Get("brand");
    // DeepExtend(root, null) is the root itself when it is an object.
    if (shared_data != nullptr && Get(step, "data").is_null() &&
        (*shared_data = context.ObjectDataPayload())) {
      step.erase("data");
    } else {
      Json data = DeepExtend(context.Get("data"), Get(step, "data"));
      step["data"] = data.is_null() ? Json::object() : std::move(data);
    }
    if (!Present(step, "override")) step["override"] = Json::object();
    Json profile = DeepExtend(context.Get("profile"), Get(step, "profile"));
    step["profile"] = profile.is_null() ? Json::object() : std::move(profile);
    // `step.recipient ? step.recipient : context.recipient`.
    if (!Truthy(Get(step, "recipient"))) {
      if (Present(context, "recipient")) {
        step["recipient"] = context.Get("recipient");
      } else {
        step.erase("recipient");
      }
    }
    if (!Present(step, "template") && Present(context, "template")) {
      step["template"] = context.Get("template");
    }
    return step;
  }
  if (send) {
    if (!step["message"].is_object()) return step;
    Json message = std::move(step["message"]);
    Json to = Json::object();
    if (Present(context, "recipient")) to["user_id"] = context.Get("recipient");
    if (message.contains("to") && message["to"].is_object()) DeepMerge(to, message["to"]);
    to = DeepExtend(context.Get("profile"), to);
    if (Truthy(to)) message["to"] = std::move(to);
    if (!Truthy(Get(message, "brand_id")) && Truthy(context.Get("brand"))) {
      message["brand_id"] = context.Get("brand");
    }
    Json data = DeepExtend(context.Get("data"), Get(message, "data"));
    if (Truthy(data)) message["data"] = std::move(data);
    if (!Truthy(Get(message, "template")) && Truthy(context.Get("template"))) {
      message["template"] = context.Get("template");
    }
    step["message"] = std::move(message);
    return step;
  }
  if (send_list) {
    if (!Present(step, "brand") && Present(context, "brand")) step["brand"] = context.Get("brand");
    Json data = DeepExtend(context.Get("data"), Get(step, "data"));
    step["data"] = data.is_null() ? Json::object() : std::move(data);
    if (!Present(step, "override")) step["override"] = Json::object();
    if (!Present(step, "template") && Present(context, "template")) {
      step["template"] = context.Get("template");
    }
    return step;
  }
  return step;
}

namespace {

constexpr std::pair<StepKind, const char*> kStepKindNames[] = {
    {StepKind::kSend, "send"},
    {StepKind::kSendList, "send-list"},
    {StepKind::kDelay, "delay"},
    {StepKind::kInvoke, "invoke"},
    {StepKind::kCancel, "cancel"},
    {StepKind::kFetchData, "fetch-data"},
    {StepKind::kUpdateProfile, "update-profile"},
    {StepKind::kSubscribe, "subscribe"},
};

}  // namespace

std::optional<StepKind> ParseStepKind(std::string_view action) {
  for (const auto& [kind, name] : kStepKindNames) {
    if (action == name) return kind;
  }
  return std::nullopt;
}

StepShortcut StepShortcutOf(const Json& step) {
  if (!step.is_object()) return StepShortcut::kNone;
  auto action = step.find("action");
  if (action == step.end() || !action->is_string()) return StepShortcut::kNone;
  const std::optional<StepKind> kind = ParseStepKind(action->get_ref<const std::string&>());
  if (kind == StepKind::kDelay && !step.contains("if") && !HasAccessors(step)) {
    return StepShortcut::kPlainDelay;
  }
  auto non_empty_string = [&step](const char* key) {
    auto it = step.find(key);
    return it != step.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
  };
  if (kind == StepKind::kSend && step.size() == 3 && non_empty_string("template") &&
      non_empty_string("recipient")) {
    return StepShortcut::kPlainSend;
  }
  return StepShortcut::kNone;
}

bool StepIsValid(const Json& step) {
  if (!step.is_object()) return false;
  auto action = step.find("action");
  if (action == step.end() || !action->is_string()) return false;
  if (!CommonValid(step)) return false;
  const std::optional<StepKind> kind = ParseStepKind(action->get_ref<const std::string&>());
  if (!kind) return false;
  switch (*kind) {
    case StepKind::kSend:
      return SendValid(step);
    case StepKind::kSendList:
      return SendListValid(step);
    case StepKind::kDelay:
      return DelayValid(step);
    case StepKind::kInvoke:
      return InvokeValid(step);
    case StepKind::kCancel:
      return CancelValid(step);
    case StepKind::kFetchData:
      return FetchDataValid(step);
    case StepKind::kUpdateProfile:
      return UpdateProfileValid(step);
    case StepKind::kSubscribe:
      return SubscribeValid(step);
  }
  return false;
}

void AppendValidationKey(const RunContext& context, std::string& key) {
  // The validation context, compact (this runs for every event that
  // triggers an automation): per root in kContextRoots order, 'a' when
  // absent, 'o' for the {} stand-in, 's' for the "-" one, else '=' and the
  // value's JSON text (which ends where its value does); then ';'.
  for (const char* root : kContextRoots) {
    const Json* value = ValidationStandIn(context, root);
    if (value == nullptr) {
      key += 'a';
    } else if (value == &ObjectStandIn()) {
      key += 'o';
    } else if (value == &StringStandIn()) {
      key += 's';
    } else {
      key += '=';
      key += JsonText(*value);
    }
    key += ';';
  }
}

Status ValidateSteps(const Json& steps, const RunContext& context) {
  if (!steps.is_array() || steps.empty()) {
    return Status::BadRequest(
        "Invalid automation definition. An array of valid steps is required.");
  }
  const RunContext shape(ValidationContext(context));
  for (const Json& step : steps) {
    if (!StepIsValid(ExtendStep(step, shape))) {
      return Status::BadRequest(
          "Invalid Steps Definition: one or more steps are incorrectly defined.");
    }
  }
  return Status::Ok();
}

}  // namespace mock_courier
