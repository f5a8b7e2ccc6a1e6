#include "html_escape.h"

namespace mock_courier::reports {

std::string EscapeHtml(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case ':':
        out += text.compare(i, 3, "://") == 0 ? "&#58;" : ":";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace mock_courier::reports
