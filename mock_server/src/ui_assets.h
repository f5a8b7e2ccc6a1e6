// The inspector page's files (mock_server/ui/), compiled into the binary by
// cmake/EmbedFiles.cmake so that /_mock/ui/ works offline and from any
// directory.
#pragma once

#include <span>
#include <string_view>

namespace mock_courier::server {

struct UiAsset {
  std::string_view name;          // Path under mock_server/ui/: "index.html".
  std::string_view content_type;  // From the extension.
  std::string_view body;
};

std::span<const UiAsset> UiAssets();

}  // namespace mock_courier::server
