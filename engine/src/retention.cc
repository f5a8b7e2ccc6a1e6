#include "mock_courier/retention.h"

#include <charconv>

namespace mock_courier {
namespace {

std::optional<std::size_t> ParseCount(std::string_view text) {
  std::size_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

Status BadRetention(std::string_view detail) {
  return Status::BadRequest(
      "retention: " + std::string(detail) +
      " (expected a count for every kind, or KIND=N pairs separated by commas; kinds: "
      "messages, runs, journal, outbox, received; 0 = unlimited)");
}

}  // namespace

Retention RetentionOverrides::Apply(Retention base) const {
  if (messages) base.messages = *messages;
  if (runs) base.runs = *runs;
  if (journal) base.journal = *journal;
  if (outbox) base.outbox = *outbox;
  return base;
}

Result<Retention> ParseRetention(std::string_view text, Retention base) {
  if (std::optional<std::size_t> all = ParseCount(text)) {
    return Retention{*all, *all, *all, *all, *all};
  }
  if (text.empty()) return BadRetention("an empty value");
  Retention out = base;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view pair = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) {
      return BadRetention("'" + std::string(pair) + "' is not KIND=N");
    }
    std::string_view kind = pair.substr(0, equals);
    std::optional<std::size_t> count = ParseCount(pair.substr(equals + 1));
    if (!count) {
      return BadRetention("'" + std::string(pair.substr(equals + 1)) + "' is not a count");
    }
    if (kind == "messages") {
      out.messages = *count;
    } else if (kind == "runs") {
      out.runs = *count;
    } else if (kind == "journal") {
      out.journal = *count;
    } else if (kind == "outbox") {
      out.outbox = *count;
    } else if (kind == "received") {
      out.received = *count;
    } else {
      return BadRetention("unknown kind '" + std::string(kind) + "'");
    }
    if (comma == std::string_view::npos) break;
    if (text.empty()) return BadRetention("a trailing comma");
  }
  return out;
}

}  // namespace mock_courier
