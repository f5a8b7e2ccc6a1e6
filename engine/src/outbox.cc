// Outbound Segment: Courier as a Segment source
// (https://www.courier.com/docs/external-integrations/cdp/segment). Status changes and audience
// matches become Segment track calls in the workspace's outbox.
#include "messaging.h"
#include "mock_courier/time_format.h"

namespace mock_courier {

void EmitOutbound(WorkspaceState& ws, Services& svc, const std::string& event_name,
                  const std::string& user_id, Json properties) {
  if (!EmitsOutbound(ws)) return;
  EmitOutboundText(ws, svc, event_name, user_id, JsonText(properties));
}

void EmitOutboundText(WorkspaceState& ws, Services& svc, const std::string& event_name,
                      const std::string& user_id, const std::string& properties_json) {
  if (!EmitsOutbound(ws)) return;  // No Segment source configured in Courier.
  const std::string& write_key = ws.def.segment.write_key;
  const TimePoint now = svc.clock.Now();
  OutboxEntry entry;
  entry.id = ws.ids.Next(now);
  entry.created_at = now;
  // Property names are undocumented: the call mirrors the message record
  // (or the audience webhook data) and uses the recipient as userId (§10.1).
  // Written as text directly (keys in the order nlohmann would dump them):
  // a tree of nodes per call was most of a message's allocations.
  std::string text = R"({"context":{"library":{"name":"mock-courier"}},"event":)";
  AppendJsonString(text, event_name);
  text += R"(,"messageId":)";
  AppendJsonString(text, entry.id);
  text += R"(,"properties":)";
  text += properties_json;
  text += R"(,"timestamp":")";
  text += FormatIso8601(now);
  text += R"(","type":"track","userId":)";
  AppendJsonString(text, user_id);
  text += '}';
  entry.event_text = std::make_shared<const std::string>(std::move(text));
  const std::string id = entry.id;
  if (svc.options.deliver_outbound_to_fake_segment) {
    svc.fake_segment.Record(write_key, entry.event_text, "/v1/batch", "courier-outbound", now);
    entry.state = "delivered";
    entry.attempts = 1;
    ws.outbox.Add(id, std::move(entry));
    ws.outbox.MarkFinished(id);
  } else {
    ws.outbox.Add(id, std::move(entry));
    ws.outbox_pending.push_back(id);
  }
  svc.version.fetch_add(1);
}

Json OutboxForAdmin(const WorkspaceState& ws) {
  Json results = Json::array();
  ws.outbox.ForEach([&](std::uint64_t, const OutboxEntry& entry) {
    results.push_back({{"id", entry.id},
                       {"state", entry.state},
                       {"attempts", entry.attempts},
                       {"last_error", entry.last_error},
                       {"created_at", FormatIso8601(entry.created_at)},
                       {"event", Json::parse(*entry.event_text)}});
  });
  return {{"results", std::move(results)}, {"evicted", ws.outbox.evicted()}};
}

}  // namespace mock_courier
