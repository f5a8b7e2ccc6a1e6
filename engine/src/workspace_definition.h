// WorkspaceDefinition: a workspace file (fixtures/workspaces/*.json), parsed
// and validated. Internal to the engine; the file format is documented in
// docs/workspace-format.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "automation_steps.h"
#include "json_util.h"
#include "mock_courier/clock.h"
#include "mock_courier/engine.h"
#include "mock_courier/retention.h"
#include "mock_courier/status.h"

namespace mock_courier {

using Json = nlohmann::json;

// One channel's content as the message shows it rendered (the content as
// JSON, each string with its {{variables}} replaced), prepared when the
// workspace loads: JSON text that does not depend on the send, between the
// strings that hold variables.
class CompiledContent {
 public:
  explicit CompiledContent(const Json& content);
  // Appends the content as JSON: render(parts, out) appends one string with
  // variables, rendered and quoted as JSON.
  template <typename Render>
  void AppendTo(Render&& render, std::string& out) const {
    for (const Piece& piece : pieces_) {
      out += piece.json;
      if (piece.string.has_variables()) render(piece.string, out);
    }
  }

 private:
  void Compile(const Json& value);
  struct Piece {
    std::string json;      // Appended as is,
    TemplateParts string;  // then this string, when it has variables.
  };
  std::vector<Piece> pieces_;
};

struct NotificationDefinition {
  std::string id;
  std::vector<std::string> channels;  // In routing order: "email", "sms", "push", "chat", ...
  std::string routing = "single";     // "single" (first routable) or "all".
  // Per-channel content with {{variables}} ({"email":{"subject":..,"body":..},
  // "sms":{"body":..}} in the file), compiled when the workspace loads.
  std::map<std::string, CompiledContent, std::less<>> content;
  std::string subscription_topic;  // Preference topic that can opt users out ("" = none).
};

struct AutomationDefinition {
  std::string id;
  std::string alias;
  std::string name;  // GET /automations shows it ("" = the id).
  // Triggers: "track/<event>", "identify", "group", "identify/<x>" ...
  // (https://www.courier.com/docs/external-integrations/cdp/segment/).
  std::vector<std::string> triggers;
  // Raw token expression (refs./${}/literal), absent when the automation has none.
  std::optional<std::string> cancelation_token;
  // True when the file spelled the key `cancellation_token` (two Ls): Courier
  // ignores it; the run records a diagnostic
  // (https://www.courier.com/docs/reference/automation/invoke).
  bool misspelled_token = false;
  Json steps = Json::array();
  std::vector<StepShortcut> shortcuts;  // StepShortcutOf each step, in order.
};

// A simulated delivery failure: when `match` matches the recipient, the
// provider answers with `status` (UNDELIVERABLE) and `reason`/`error`.
struct FaultRule {
  // Keys: "email_suffix", "email", "phone_number", "user_id"; all must match.
  Json match = Json::object();
  std::string status = "UNDELIVERABLE";
  std::string reason = "BOUNCED";
  std::string error = "Simulated bounce";
};

struct ProviderDefinition {
  std::string channel;   // "email"
  std::string provider;  // "sendgrid"
  // Simulated latency between SENT and DELIVERED (0 = delivered at once).
  Duration delivery_delay = 0;
  bool auto_deliver = true;  // false: stays SENT until an engagement "delivered".
  std::vector<FaultRule> faults;
};

struct SegmentSettings {
  std::string write_key;                       // Outbound: Courier -> Segment.
  std::vector<std::string> source_write_keys;  // Inbound: relayed by the fake Segment API.
  std::string destination = "actions";         // "actions" or "classic".
  std::optional<SegmentDelivery> delivery;     // "delivery"; absent: the engine's default.
};

// Opt-in rate limits (`rate_limits`): requests per minute of mock time; 0 = no limit.
struct RateLimitSettings {
  int list_writes = 0;  // PUT /lists/{id}, PUT/DELETE /lists/{id}/subscriptions/{user}
  int events_put = 0;   // PUT /events/{id}
};

// An outbound webhook destination (Courier's "Outbound Webhooks" settings,
// https://www.courier.com/docs/platform/workspaces/outbound-webhooks/).
struct WebhookDefinition {
  std::string url;                  // http:// or https://
  std::string secret;               // Signing secret; "" = unsigned.
  std::vector<std::string> events;  // Event types it receives; empty = all.
};

struct WorkspaceDefinition {
  std::string name;
  std::string environment = "production";  // "production" or "test".
  std::string tenant_id;                   // Defaults from the name.
  std::vector<std::string> api_keys;
  SegmentSettings segment;
  // Both searched by views of composed ids ("Segment-TrackEvent:<event>") too.
  std::map<std::string, NotificationDefinition, std::less<>> notifications;
  std::map<std::string, std::string, std::less<>> event_maps;  // event id -> notification id.
  std::vector<AutomationDefinition> automations;
  std::vector<Json> lists;                              // {id, name}
  std::map<std::string, Json> profiles;                 // user id -> profile
  std::map<std::string, Json> audiences;                // id -> {id, name, description, filter}
  std::map<std::string, Json> brands;                   // id -> brand
  std::map<std::string, ProviderDefinition> providers;  // channel -> provider
  std::map<std::string, Json> preference_topics;        // topic id -> {id, name, default_status}
  RetentionOverrides retention;                         // "retention": caps over the engine's.
  // "processing_latency": when accepted work is processed; absent = the engine's.
  std::optional<Duration> processing_latency;
  RateLimitSettings rate_limits;            // "rate_limits"
  std::vector<WebhookDefinition> webhooks;  // "webhooks": outbound destinations.
  Json raw;                                 // The file as given.

  const AutomationDefinition* FindAutomation(std::string_view id_or_alias) const;
};

// Parses and validates a workspace definition. Errors are 400 with a message
// naming the JSON path: "workspace: /automations/0/steps: expected an array".
// Unknown keys are errors.
Result<WorkspaceDefinition> ParseWorkspaceDefinition(const Json& json);

// The provider used for a channel when the workspace file names none.
ProviderDefinition DefaultProvider(const std::string& channel);
// The same for a built-in channel ("email", "sms", "push", "chat", "inbox",
// "webhook"), held for the process's life; null for any other channel.
const ProviderDefinition* BuiltinProvider(std::string_view channel);

}  // namespace mock_courier
