// The admin API under /_mock/ (docs/server.md#the-admin-api): a contract
// that clients and the conformance suite depend on.
#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api_internal.h"
#include "mock_courier/json_parse.h"
#include "mock_courier/time_format.h"
#include "request_body.h"

namespace mock_courier::server {
namespace {

constexpr std::int64_t kDefaultWaitMs = 5000;
constexpr std::int64_t kMaxWaitMs = 30000;

Status AdminError(int http_status, std::string message) {
  return Status::Error(http_status, std::move(message));
}

ApiResponse Ok(const Json& body) { return JsonResponse(200, body); }

// The `workspace` query parameter, which must name an API key the engine
// knows; 404 otherwise.
Result<std::string> WorkspaceParam(Engine& engine, const ApiRequest& request) {
  auto key = QueryValue(request.query, "workspace");
  if (!key || key->empty()) {
    return AdminError(404,
                      "The workspace query parameter is required: ?workspace=<an API key of the "
                      "workspace>");
  }
  if (!engine.HasApiKey(*key)) {
    return AdminError(
        404, "No workspace has the API key '" + *key + "' (GET /_mock/workspaces lists them)");
  }
  return *key;
}

ApiResponse JsonResult(const Result<Json>& result) {
  if (!result.ok()) return StatusResponse(result.status());
  return Ok(*result);
}

Json ClockReply(const AdvanceResult& advanced) {
  return {{"now", FormatIso8601(advanced.now)},
          {"now_ms", advanced.now},
          {"fired", advanced.fired},
          {"processed", advanced.processed}};
}

constexpr std::string_view kDurationForms =
    "\"by\" must be a duration such as \"2 hours\", \"30 minutes\", \"1 day\", \"30 seconds\", "
    "\"PT2H\", or a number of milliseconds";

// The optional body of POST /_mock/reset: {"seed": N}, N a whole number from
// 0 to 2^64-1, reseeds the reset workspaces' generators (as --seed N would).
Result<std::optional<std::uint64_t>> ResetSeed(std::string_view text) {
  if (IsBlank(text)) return std::optional<std::uint64_t>();
  Result<Json> body = ParseJsonBody(text);
  if (!body.ok()) return body.status();
  constexpr const char* kForm =
      "The reset body is optional; when given it is {\"seed\": N}, N a whole number from 0 to "
      "18446744073709551615";
  if (!body->is_object()) return AdminError(400, kForm);
  for (const auto& [field, value] : body->items()) {
    if (field != "seed") return AdminError(400, "Unknown field '" + field + "'. " + kForm);
  }
  if (!body->contains("seed")) return std::optional<std::uint64_t>();
  const Json& seed = (*body)["seed"];
  if (seed.is_number_unsigned()) return std::optional<std::uint64_t>(seed.get<std::uint64_t>());
  if (seed.is_number_integer() && seed.get<std::int64_t>() >= 0) {
    return std::optional<std::uint64_t>(static_cast<std::uint64_t>(seed.get<std::int64_t>()));
  }
  return AdminError(400, "Invalid seed " + seed.dump() + ". " + kForm);
}

ApiResponse AdvanceClock(Engine& engine, const ApiRequest& request) {
  Result<Json> body = ParseJsonBody(request.body);
  if (!body.ok()) return StatusResponse(body.status());
  const Json* by = body->is_object() && body->contains("by") ? &(*body)["by"] : nullptr;
  std::optional<Duration> duration;
  // Ten thousand years at most, so that the clock cannot overflow (and a
  // double is in range before it is cast).
  constexpr Duration kMaxAdvance = 10000 * 365 * kDay;
  if (by != nullptr && by->is_number_unsigned()) {
    if (by->get<std::uint64_t>() <= static_cast<std::uint64_t>(kMaxAdvance)) {
      duration = by->get<Duration>();
    }
  } else if (by != nullptr && by->is_number_integer()) {
    duration = by->get<Duration>();
  } else if (by != nullptr && by->is_number()) {
    const double ms = by->get<double>();
    if (ms >= 0 && ms <= static_cast<double>(kMaxAdvance)) duration = static_cast<Duration>(ms);
  } else if (by != nullptr && by->is_string()) {
    duration = ParseDuration(by->get_ref<const std::string&>());
  }
  if (!duration || *duration < 0 || *duration > kMaxAdvance)
    return StatusResponse(AdminError(400, std::string(kDurationForms)));
  return Ok(ClockReply(engine.AdvanceClock(*duration)));
}

ApiResponse SetClock(Engine& engine, const ApiRequest& request) {
  Result<Json> body = ParseJsonBody(request.body);
  if (!body.ok()) return StatusResponse(body.status());
  auto* manual = dynamic_cast<ManualClock*>(&engine.clock());
  if (manual == nullptr) {
    return StatusResponse(AdminError(
        409, "The clock is real; /_mock/clock/set needs the virtual clock (--clock virtual)"));
  }
  std::optional<TimePoint> at;
  if (body->is_object() && body->contains("now")) {
    const Json& now = (*body)["now"];
    if (now.is_number_integer()) at = now.get<TimePoint>();
    if (now.is_string()) at = ParseIso8601(now.get_ref<const std::string&>());
  }
  if (!at) {
    return StatusResponse(AdminError(400,
                                     "\"now\" must be an ISO-8601 time such as "
                                     "\"2026-11-23T08:00:00.000Z\" or epoch milliseconds"));
  }
  // The virtual clock may be set anywhere (a scenario sets its start time);
  // timers now due run at once.
  manual->Set(*at);
  return Ok(ClockReply(engine.RunDue()));
}

// Optional ?offset=&limit= on the inspection views: {offset, limit}, or
// nullopt when neither is given (the whole view, as before).
Result<std::optional<std::pair<std::size_t, std::size_t>>> PageParams(const ApiRequest& request) {
  auto offset_text = QueryValue(request.query, "offset");
  auto limit_text = QueryValue(request.query, "limit");
  if (!offset_text && !limit_text) return std::optional<std::pair<std::size_t, std::size_t>>();
  std::int64_t offset = 0;
  std::int64_t limit = std::numeric_limits<std::int64_t>::max();
  try {
    std::size_t used = 0;
    if (offset_text) offset = std::stoll(*offset_text, &used);
    if (offset_text && used != offset_text->size()) throw std::invalid_argument("offset");
    if (limit_text) limit = std::stoll(*limit_text, &used);
    if (limit_text && used != limit_text->size()) throw std::invalid_argument("limit");
  } catch (const std::exception&) {
    return AdminError(400, "offset and limit must be integers");
  }
  if (offset < 0 || limit < 1) return AdminError(400, "offset must be >= 0 and limit >= 1");
  return std::optional(
      std::pair{static_cast<std::size_t>(offset), static_cast<std::size_t>(limit)});
}

// Keeps results[offset, offset + limit) of a view and says how many there were.
void Slice(Json& view, std::pair<std::size_t, std::size_t> page) {
  if (!view.is_object() || !view.contains("results") || !view["results"].is_array()) return;
  Json& all = view["results"];
  const std::size_t total = all.size();
  const std::size_t begin = std::min(page.first, total);
  const std::size_t end = begin + std::min(page.second, total - begin);
  Json kept = Json::array();
  for (std::size_t i = begin; i < end; ++i) kept.push_back(std::move(all[i]));
  all = std::move(kept);
  view["total"] = total;
  view["offset"] = page.first;
  view["limit"] = page.second;
}

// One collection a test can wait on.
using Fetch = std::function<Result<Json>()>;

ApiResponse Wait(Engine& engine, const ApiRequest& request) {
  auto kind = QueryValue(request.query, "kind").value_or("");
  Fetch fetch;
  if (kind == "received") {
    std::string write_key = QueryValue(request.query, "write_key").value_or("");
    fetch = [&engine, write_key]() -> Result<Json> { return engine.SegmentReceived(write_key); };
  } else {
    Result<std::string> key = WorkspaceParam(engine, request);
    if (!key.ok()) return StatusResponse(key.status());
    std::string k = *key;
    if (kind == "messages") {
      fetch = [&engine, k] { return engine.Messages(k); };
    } else if (kind == "runs") {
      fetch = [&engine, k] { return engine.Runs(k); };
    } else if (kind == "inbound") {
      fetch = [&engine, k] { return engine.Journal(k); };
    } else if (kind == "outbox") {
      fetch = [&engine, k] { return engine.Outbox(k); };
    } else if (kind == "profiles") {
      fetch = [&engine, k] { return engine.Profiles(k); };
    } else {
      return StatusResponse(AdminError(
          400, "kind must be one of messages, runs, inbound, outbox, profiles, received"));
    }
  }
  Json match = Json::object();
  if (auto text = QueryValue(request.query, "match"); text && !text->empty()) {
    Result<Json> parsed = ParseJson(*text);
    if (!parsed.ok() || !parsed->is_object()) {
      return StatusResponse(AdminError(400, "match must be a URL-encoded JSON object"));
    }
    match = std::move(parsed).value();
  }
  std::int64_t count = 1;
  std::int64_t timeout_ms = kDefaultWaitMs;
  try {
    if (auto c = QueryValue(request.query, "count")) count = std::stoll(*c);
    if (auto t = QueryValue(request.query, "timeout_ms")) timeout_ms = std::stoll(*t);
  } catch (const std::exception&) {
    return StatusResponse(AdminError(400, "count and timeout_ms must be integers"));
  }
  if (count < 1 || timeout_ms < 0) {
    return StatusResponse(AdminError(400, "count must be >= 1 and timeout_ms >= 0"));
  }
  timeout_ms = std::min(timeout_ms, kMaxWaitMs);

  // Waits for state changes (Engine::Version) rather than re-reading in a
  // busy loop; the deadline is wall time, since the mock clock may be virtual.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const std::uint64_t version = engine.Version();
    Result<Json> all = fetch();
    if (!all.ok()) return StatusResponse(all.status());
    Json seen = all->is_object() && all->contains("results") ? (*all)["results"] : Json::array();
    Json matches = Json::array();
    for (const Json& entry : seen) {
      if (PartialMatch(match, entry)) matches.push_back(entry);
    }
    if (static_cast<std::int64_t>(matches.size()) >= count) {
      return Ok({{"results", matches}, {"count", matches.size()}});
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      Json body = {{"message", "Timed out after " + std::to_string(timeout_ms) +
                                   " ms: " + std::to_string(matches.size()) + " of " +
                                   std::to_string(count) + " " + kind + " entries matched"},
                   {"type", "timeout"},
                   {"results", matches},
                   {"count", matches.size()},
                   {"seen", seen}};
      return JsonResponse(408, body);
    }
    // Sleep in short slices until the version moves (or, at most every 100
    // ms, look again: the fake Segment store is outside the version counter).
    auto recheck = std::min(deadline, now + std::chrono::milliseconds(100));
    while (engine.Version() == version && std::chrono::steady_clock::now() < recheck) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
}

}  // namespace

bool AdminAuthorized(const ApiOptions& options, const ApiRequest& request) {
  if (options.admin_token.empty()) return true;
  auto token = request.headers.find("X-Mock-Admin-Token");
  if (token != request.headers.end() && token->second == options.admin_token) return true;
  auto auth = request.headers.find("Authorization");
  return auth != request.headers.end() && auth->second == "Bearer " + options.admin_token;
}

ApiResponse HandleAdmin(Engine& engine, const ApiOptions& options, const ApiRequest& request) {
  const std::vector<std::string_view> parts = PathSegments(request.path);  // parts[0] == "_mock"
  const std::string& method = request.method;
  auto is = [&](std::string_view m, std::initializer_list<std::string_view> path) {
    if (parts.size() != path.size() + 1) return false;
    std::size_t i = 1;
    for (std::string_view p : path) {
      if (p != "{}" && parts[i] != p) return false;
      if (p == "{}" && parts[i].empty()) return false;
      ++i;
    }
    return method == m;
  };

  if (is("GET", {"health"})) {
    return Ok({{"status", "ok"}, {"version", options.version}});
  }
  if (!AdminAuthorized(options, request)) return StatusResponse(Status::Unauthorized());

  if (is("POST", {"reset"})) {
    std::string key;
    if (auto param = QueryValue(request.query, "workspace")) {
      Result<std::string> checked = WorkspaceParam(engine, request);
      if (!checked.ok()) return StatusResponse(checked.status());
      key = *checked;
    }
    Result<std::optional<std::uint64_t>> seed = ResetSeed(request.body);
    if (!seed.ok()) return StatusResponse(seed.status());
    Status status = engine.Reset(key, *seed);
    if (!status.ok()) return StatusResponse(status);
    return Ok({{"status", "ok"}});
  }
  if (is("GET", {"clock"})) return Ok(engine.ClockState());
  if (is("POST", {"clock", "advance"})) return AdvanceClock(engine, request);
  if (is("POST", {"clock", "set"})) return SetClock(engine, request);
  if (is("POST", {"settle"})) {
    // Runs what is due now; work due later (processing latency, delays)
    // stays pending and is reported, so a test knows to advance the clock.
    Json reply = ClockReply(engine.Settle());
    Json clock = engine.ClockState();
    reply["next_due"] = clock["next_due"];
    reply["pending"] = clock["pending_timers"];
    return Ok(reply);
  }
  if (is("GET", {"workspaces"})) return Ok(engine.ListWorkspaces());
  if (is("PUT", {"workspaces", "{}"})) {
    Result<Json> body = ParseJsonBody(request.body);
    if (!body.ok()) return StatusResponse(body.status());
    Status status = engine.PutWorkspace(*body, std::string(parts[2]));
    if (!status.ok()) return StatusResponse(status);
    return Ok({{"status", "ok"}, {"api_key", std::string(parts[2])}});
  }
  using Inspect = Result<Json> (Engine::*)(const std::string&) const;
  using InspectPage = Result<Json> (Engine::*)(const std::string&, ViewPage) const;
  // `paged` renders only the page in the engine; without it the whole view
  // is read and sliced here.
  auto inspect = [&](Inspect fn, InspectPage paged) {
    Result<std::string> key = WorkspaceParam(engine, request);
    if (!key.ok()) return StatusResponse(key.status());
    Result<std::optional<std::pair<std::size_t, std::size_t>>> page = PageParams(request);
    if (!page.ok()) return StatusResponse(page.status());
    if (page->has_value() && paged != nullptr) {
      return JsonResult((engine.*paged)(*key, ViewPage{(*page)->first, (*page)->second}));
    }
    Result<Json> view = (engine.*fn)(*key);
    if (view.ok() && page->has_value()) Slice(*view, **page);
    return JsonResult(view);
  };
  if (is("GET", {"inbound"})) return inspect(&Engine::Journal, &Engine::Journal);
  if (is("GET", {"runs"})) return inspect(&Engine::Runs, &Engine::Runs);
  if (is("GET", {"messages"})) return inspect(&Engine::Messages, &Engine::Messages);
  if (is("GET", {"profiles"})) return inspect(&Engine::Profiles, nullptr);
  if (is("GET", {"segment", "outbox"})) return inspect(&Engine::Outbox, &Engine::Outbox);
  if (is("GET", {"webhooks"})) return inspect(&Engine::Webhooks, nullptr);
  if (is("GET", {"segment", "received"})) {
    return Ok(engine.SegmentReceived(QueryValue(request.query, "write_key").value_or("")));
  }
  if (is("POST", {"messages", "{}", "engagement"})) {
    Result<Json> body = ParseJsonBody(request.body);
    if (!body.ok()) return StatusResponse(body.status());
    return ReplyResponse(engine.Engage(std::string(parts[2]), *body));
  }
  if (is("GET", {"wait"})) return Wait(engine, request);
  return StatusResponse(AdminError(
      404, "Unknown admin endpoint: " + method + " " + request.path + " (see docs/server.md)"));
}

}  // namespace mock_courier::server
