#include "workspace_state.h"

#include <string_view>

namespace mock_courier {
namespace {

// FNV-1a, 64 bit: a hash fixed by its definition, unlike std::hash, so the same
// seed gives the same ids whatever standard library the mock was built with.
std::uint64_t StableHash(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

}  // namespace

WorkspaceState::WorkspaceState(WorkspaceDefinition definition)
    : id(definition.api_keys.empty() ? definition.name : definition.api_keys.front()),
      def(std::move(definition)) {}

void WorkspaceState::ResetState(std::uint64_t seed) {
  // Each workspace draws ids from its own generator, seeded from the engine's
  // seed and the workspace id, so parallel suites on different keys do not
  // change each other's ids.
  ids = IdGenerator(seed ^ StableHash(id));
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
  trigger_validation.clear();
}

}  // namespace mock_courier
