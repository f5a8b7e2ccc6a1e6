// Profiles and lists (https://www.courier.com/docs/reference/profiles/by-id). Internal to the
// engine; every function runs with the workspace lock held.
#pragma once

#include <string>

#include "workspace_state.h"

namespace mock_courier {

// Deep-merges `profile` into the stored profile of `user_id` (creating it).
void MergeProfileData(WorkspaceState& ws, Services& svc, const std::string& user_id,
                      const Json& profile);
// Writes `profile` with a merge strategy (https://www.courier.com/docs/platform/automations/steps):
// replace, overwrite, soft-merge or none. REQUIRES: a valid strategy name.
void WriteProfileWithStrategy(WorkspaceState& ws, Services& svc, const std::string& user_id,
                              const Json& profile, const std::string& strategy);
// The stored profile, or an empty object.
Json ProfileOf(const WorkspaceState& ws, const std::string& user_id);

Result<Reply> GetProfileReply(WorkspaceState& ws, const std::string& user_id);
Result<Reply> MergeProfileReply(WorkspaceState& ws, Services& svc, const std::string& user_id,
                                const Json& body);
Result<Reply> ReplaceProfileReply(WorkspaceState& ws, Services& svc, const std::string& user_id,
                                  const Json& body);
Result<Reply> PatchProfileReply(WorkspaceState& ws, Services& svc, const std::string& user_id,
                                const Json& body);
Result<Reply> DeleteProfileReply(WorkspaceState& ws, Services& svc, const std::string& user_id);
Result<Reply> GetProfileListsReply(WorkspaceState& ws, const std::string& user_id);

// Subscribes `user_id` to `list_id`, creating the list if missing.
Status SubscribeUser(WorkspaceState& ws, Services& svc, const std::string& list_id,
                     const std::string& user_id, const Json& preferences);
// Removes a subscription (no-op when there is none).
void UnsubscribeUser(WorkspaceState& ws, Services& svc, const std::string& list_id,
                     const std::string& user_id);
// Subscribers of a list, in user id order.
std::vector<std::string> ListSubscribers(const WorkspaceState& ws, const std::string& list_id);
// Whether a list pattern ("orders.*", "*.eu") matches a list id.
bool ListPatternMatches(const std::string& pattern, const std::string& list_id);

Result<Reply> ListListsReply(WorkspaceState& ws, const Json& query);
Result<Reply> GetListReply(WorkspaceState& ws, const std::string& list_id);
Result<Reply> PutListReply(WorkspaceState& ws, Services& svc, const std::string& list_id,
                           const Json& body);
Result<Reply> DeleteListReply(WorkspaceState& ws, Services& svc, const std::string& list_id);
Result<Reply> GetListSubscriptionsReply(WorkspaceState& ws, const std::string& list_id);
Result<Reply> SubscribeReply(WorkspaceState& ws, Services& svc, const std::string& list_id,
                             const std::string& user_id, const Json& body);
Result<Reply> UnsubscribeReply(WorkspaceState& ws, Services& svc, const std::string& list_id,
                               const std::string& user_id);

}  // namespace mock_courier
