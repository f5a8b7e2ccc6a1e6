// Outbound webhooks (https://www.courier.com/docs/platform/workspaces/outbound-webhooks/):
// every message status change is a `message:updated` event whose data is the
// GET /messages/{id} record plus `recipientId`; audience membership changes
// are `audiences:user:matched` / `unmatched` with {audience_id,
// audience_version, reason, user_id}. Each destination of the workspace that
// subscribes to the type gets one call, queued here and delivered by the
// server's outbound worker. With a secret, the call carries
// `courier-signature: t=<ms>,signature=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
// Decisions: docs/fidelity.md "Outbound webhooks".
#include <algorithm>

#include "messaging.h"
#include "messaging_internal.h"
#include "mock_courier/hmac_sha256.h"
#include "mock_courier/time_format.h"

namespace mock_courier {

std::string WebhookSignature(const std::string& secret, TimePoint t, const std::string& body) {
  const std::string stamp = std::to_string(t);
  return "t=" + stamp + ",signature=" + HexDigest(HmacSha256(secret, stamp + "." + body));
}

void EmitWebhook(WorkspaceState& ws, Services& svc, const std::string& type, const Json& data) {
  if (ws.def.webhooks.empty()) return;
  const TimePoint now = svc.clock.Now();
  std::shared_ptr<const std::string> body;  // Built once, shared by every destination.
  for (const WebhookDefinition& hook : ws.def.webhooks) {
    if (!hook.events.empty() &&
        std::find(hook.events.begin(), hook.events.end(), type) == hook.events.end()) {
      continue;
    }
    if (!body) {
      std::string text = R"({"type":)";
      AppendJsonString(text, type);
      text += R"(,"data":)";
      text += JsonText(data);
      text += '}';
      body = std::make_shared<const std::string>(std::move(text));
    }
    WebhookEntry entry;
    entry.id = ws.ids.Next(now);
    entry.url = hook.url;
    entry.type = type;
    entry.body = body;
    if (!hook.secret.empty()) entry.signature = WebhookSignature(hook.secret, now, *body);
    entry.created_at = now;
    const std::string id = entry.id;
    ws.webhooks.Add(std::move(entry));
    ws.webhooks_pending.push_back(id);
  }
  svc.version.fetch_add(1);
}

void NotifyMessageUpdated(WorkspaceState& ws, Services& svc, const Message& message) {
  if (ws.def.webhooks.empty()) return;
  Json data = MessageRecordJson(message);
  const std::string user = message.plan.UserId();
  data["recipientId"] = user.empty() ? message.plan.recipient : user;
  EmitWebhook(ws, svc, "message:updated", data);
}

Json WebhooksForAdmin(const WorkspaceState& ws) {
  Json results = Json::array();
  ws.webhooks.ForEach([&](std::uint64_t, const WebhookEntry& entry) {
    results.push_back({{"id", entry.id},
                       {"url", entry.url},
                       {"type", entry.type},
                       {"state", DeliveryStateName(entry.state)},
                       {"attempts", entry.attempts},
                       {"last_error", entry.last_error},
                       {"created_at", FormatIso8601(entry.created_at)},
                       {"signature", entry.signature.empty() ? Json() : Json(entry.signature)},
                       {"body", Json::parse(*entry.body)}});
  });
  return {{"results", std::move(results)}, {"evicted", ws.webhooks.evicted()}};
}

}  // namespace mock_courier
