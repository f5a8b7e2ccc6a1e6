#include "workspace_state.h"

#include <functional>

namespace mock_courier {

WorkspaceState::WorkspaceState(WorkspaceDefinition definition)
    : id(definition.api_keys.empty() ? definition.name : definition.api_keys.front()),
      def(std::move(definition)) {}

void WorkspaceState::ResetState(std::uint64_t seed) {
  // Each workspace draws ids from its own generator, seeded from the engine's
  // seed and the workspace id, so parallel suites on different keys do not
  // change each other's ids.
  ids = IdGenerator(seed ^ std::hash<std::string>{}(id));
  profiles = def.profiles;
  preferences.clear();
  lists.clear();
  subscriptions.clear();
  for (const Json& list : def.lists) {
    std::string list_id = list["id"].get<std::string>();
    lists[list_id] = {{"id", list_id}, {"name", list.value("name", list_id)}};
    auto& members = subscriptions[list_id];
    for (const Json& user : list.value("subscribers", Json::array())) {
      members[user.get<std::string>()] = Json::object();
    }
  }
  event_maps = def.event_maps;
  audiences = def.audiences;
  audience_members.clear();
  messages = MessageStore();
  runs = RunStore();
  journal.clear();
  catalogue.clear();
  outbox.clear();
  segment_replies.clear();
  courier_inbound_ids.clear();
  idempotency.clear();
}

}  // namespace mock_courier
