#include "mock_courier/reports/timeline.h"

#include <map>
#include <sstream>

#include "html_escape.h"

namespace mock_courier::reports {
namespace {

int LaneIndex(std::string_view lane) {
  for (int i = 0; i < 4; ++i) {
    if (kLaneIds[i] == lane) return i;
  }
  return 0;
}

// Geometry, mirrored by mock_server/ui/app.js (drawSwimlanes).
constexpr int kLabelWidth = 110;
constexpr int kStep = 26;
constexpr int kTop = 22;
constexpr int kLaneHeight = 30;
constexpr int kLabelGap = 34;  // a "10:59" label is ~30 px wide

}  // namespace

std::string_view LaneOfKind(std::string_view kind) {
  if (kind == "run" || kind == "delay") return "courier";
  if (kind == "send" || kind == "status" || kind == "engage") return "providers";
  if (kind == "outbound") return "segment";
  return "app";
}

std::string TimelineCss() {
  return R"(
.k-segment,.k-inbound,.k-request,.k-advance{color:#6b3fa0}
.k-run,.k-delay{color:#0b5cad}
.k-send,.k-status,.k-engage{color:#1a7f37}
.k-outbound{color:#b35c00}
svg.swimlanes{display:block;background:#fff;border:1px solid #e3e6ea;border-radius:4px;margin:6px 0;max-width:100%}
svg.swimlanes .lane-title{font:11px system-ui,sans-serif;fill:#5b6473}
svg.swimlanes .lane{stroke:#e3e6ea}
svg.swimlanes .tick{stroke:#c9ced6;stroke-dasharray:2 3}
svg.swimlanes .tick-label{font:10px monospace;fill:#5b6473}
svg.swimlanes .flow{stroke:#9aa3b0;stroke-width:1.2;fill:none}
svg.swimlanes .node{fill:currentColor;stroke:#fff;stroke-width:1.5}
)";
}

std::string RenderSwimlaneSvg(const nlohmann::json& entries, std::size_t max_entries) {
  if (!entries.is_array() || entries.empty()) return "";
  const std::size_t n = std::min(entries.size(), max_entries);
  const int width = kLabelWidth + static_cast<int>(n) * kStep + 16;
  const int height = kTop + 4 * kLaneHeight + 4;
  auto x_of = [](std::size_t i) { return kLabelWidth + static_cast<int>(i) * kStep + kStep / 2; };
  auto y_of = [](int lane) { return kTop + lane * kLaneHeight + kLaneHeight / 2; };
  auto str = [](const nlohmann::json& e, const char* key) {
    auto it = e.find(key);
    return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
  };

  std::ostringstream s;
  s << "<svg class=\"swimlanes\" role=\"img\" aria-label=\"swim lanes along mock time\" width=\""
    << width << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << " " << height << "\">";
  for (int lane = 0; lane < 4; ++lane) {
    s << "<line class=\"lane\" x1=\"0\" x2=\"" << width << "\" y1=\"" << y_of(lane) << "\" y2=\""
      << y_of(lane) << "\"/><text class=\"lane-title\" x=\"4\" y=\"" << y_of(lane) + 4 << "\">"
      << kLaneTitles[lane] << "</text>";
  }
  std::map<std::string, std::size_t> index_of_id;
  std::string previous_at;
  int previous_label_x = -1000;
  int label_row = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string at = str(entries[i], "at");
    if (at != previous_at) {
      // "2026-01-05T09:00:00.000Z" -> "09:00"; a label too close to the
      // previous one goes on the other of two rows.
      const std::string hhmm = at.size() >= 16 ? at.substr(11, 5) : at;
      const int x = x_of(i) - kStep / 2;
      label_row = x - previous_label_x < kLabelGap ? 1 - label_row : 0;
      previous_label_x = x;
      s << "<line class=\"tick\" x1=\"" << x << "\" x2=\"" << x << "\" y1=\"12\" y2=\"" << height
        << "\"/><text class=\"tick-label\" x=\"" << x + 2 << "\" y=\"" << (label_row ? 20 : 10)
        << "\">" << EscapeHtml(hhmm) << "</text>";
      previous_at = at;
    }
    if (const std::string id = str(entries[i], "id"); !id.empty()) index_of_id[id] = i;
  }
  auto lane_of = [&](std::size_t i) { return LaneIndex(LaneOfKind(str(entries[i], "kind"))); };
  auto line = [&](std::size_t a, std::size_t b) {
    s << "<line class=\"flow\" x1=\"" << x_of(a) << "\" y1=\"" << y_of(lane_of(a)) << "\" x2=\""
      << x_of(b) << "\" y2=\"" << y_of(lane_of(b)) << "\"/>";
  };
  for (std::size_t i = 0; i < n; ++i) {
    const nlohmann::json& e = entries[i];
    auto links = e.find("links");
    if (links != e.end() && links->is_array()) {
      for (const auto& link : *links) {
        if (!link.is_string()) continue;
        auto it = index_of_id.find(link.get<std::string>());
        if (it != index_of_id.end()) line(i, it->second);
      }
    } else if (i > 0 && !entries[i - 1].contains("links")) {
      line(i - 1, i);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::string kind = str(entries[i], "kind");
    s << "<circle class=\"node k-" << EscapeHtml(kind) << "\" cx=\"" << x_of(i) << "\" cy=\""
      << y_of(lane_of(i)) << "\" r=\"7\"><title>" << EscapeHtml(str(entries[i], "at")) << " "
      << EscapeHtml(kind) << ": " << EscapeHtml(str(entries[i], "label")) << "</title></circle>";
  }
  s << "</svg>";
  return s.str();
}

}  // namespace mock_courier::reports
