// Endpoints the current Courier SDK calls beyond sends and runs: the rendered
// output of a message, archiving a request, and the automation template list.
// Shapes follow the types of @trycourier/courier (clients/node): messages.ts
// `MessageContentResponse`, requests.ts `archive`, automations.ts
// `AutomationTemplateListResponse`. Decisions where the SDK says nothing are
// rows of docs/fidelity.md ("Other Courier endpoints").
#include <string>

#include "automations.h"
#include "messaging.h"
#include "messaging_internal.h"

namespace mock_courier {
namespace {

// A string field of a channel's rendered content, "" when the template has none.
std::string Text(const Json& rendered, const char* key) {
  auto it = rendered.find(key);
  return it != rendered.end() && it->is_string() ? it->get<std::string>() : "";
}

// One result of GET /messages/{id}/output: every field of
// MessageContentResponse.Result.Content is required, so absent ones are "".
Json OutputOf(const std::string& channel, const Json& rendered) {
  Json blocks = Json::array();
  if (auto it = rendered.find("blocks"); it != rendered.end() && it->is_array()) blocks = *it;
  Json content = {{"blocks", std::move(blocks)},    {"body", Text(rendered, "body")},
                  {"html", Text(rendered, "html")}, {"subject", Text(rendered, "subject")},
                  {"text", Text(rendered, "text")}, {"title", Text(rendered, "title")}};
  // The mock has no channel ids: the channel key stands for it.
  return {{"channel", channel}, {"channel_id", channel}, {"content", std::move(content)}};
}

}  // namespace

Result<Reply> GetMessageOutputReply(WorkspaceState& ws, const std::string& message_id) {
  const Message* m = ws.messages.Find(message_id);
  if (m == nullptr) return Status::NotFound("Message not found");
  // One result per RENDERED history item, in the order the channels were
  // rendered; a message not rendered yet (delayed, unroutable) has none.
  Json results = Json::array();
  for (const HistoryItem& item : m->history) {
    if (item.type != "RENDERED") continue;
    const Json rendered = RenderedChannelJson(ws.def, *m, item.channel);
    results.push_back(OutputOf(item.channel, rendered.is_object() ? rendered : Json::object()));
  }
  return Reply{200, {{"results", std::move(results)}}};
}

Result<Reply> ArchiveRequestReply(WorkspaceState& ws, Services& svc,
                                  const std::string& request_id) {
  bool found = false;
  ws.messages.ForEachMutable([&](std::uint64_t, Message& m) {
    if (m.RequestId() != request_id) return;
    found = true;
    m.archived = true;
  });
  if (!found) return Status::NotFound("Request not found");
  svc.version.fetch_add(1);
  // https://www.courier.com/docs/reference/logs/archive-request-by-id: 202, no body.
  return Reply{202, nullptr};
}

Result<Reply> ListAutomationsReply(const WorkspaceState& ws, const Json& query) {
  // AutomationListParams: version is "published" (the default) or "draft";
  // the mock's templates are published and their draft is the same.
  std::string version = "published";
  if (auto it = query.find("version"); query.is_object() && it != query.end()) {
    const Json& v = it->is_array() && !it->empty() ? it->front() : *it;
    version = v.is_string() ? v.get<std::string>() : v.dump();
  }
  if (version != "published" && version != "draft") {
    return Status::BadRequest("Invalid version. Expected one of: published, draft");
  }
  // Every template fits on one page, so no cursor is ever handed out.
  if (query.is_object() && query.contains("cursor")) return Status::BadRequest("Invalid cursor");
  Json templates = Json::array();
  for (const AutomationDefinition& a : ws.def.automations) {
    templates.push_back(
        {{"id", a.id}, {"name", a.name.empty() ? a.id : a.name}, {"version", version}});
  }
  return Reply{200, {{"templates", std::move(templates)}}};
}

}  // namespace mock_courier
