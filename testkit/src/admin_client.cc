#include "mock_courier/testing/admin_client.h"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <sstream>
#include <utility>

#include <httplib.h>

namespace mock_courier::testing {
namespace {

using nlohmann::json;

// The server's {"message"} when there is one, else the body itself.
std::string ErrorText(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()) {
    return parsed["message"].get<std::string>();
  }
  return body;
}

ClockReading ReadClock(const json& body) {
  ClockReading reading;
  reading.now = body.value("now", "");
  reading.now_ms = body.value("now_ms", std::int64_t{0});
  reading.fired = body.value("fired", 0);
  reading.processed = body.value("processed", 0);
  reading.pending = body.value("pending", 0);
  return reading;
}

template <typename Record>
std::vector<Record> Parse(const json& view) {
  std::vector<Record> records;
  if (!view.is_object() || !view.contains("results")) return records;
  for (const json& entry : view["results"]) records.push_back(Record::FromJson(entry));
  return records;
}

}  // namespace

struct AdminClient::Impl {
  std::string base_url;
  std::string api_key;
  std::string source_write_key;
  std::string admin_token;
  int port = 0;
  std::mutex mu;  // Guards client: httplib::Client is not meant for concurrent requests.
  std::unique_ptr<httplib::Client> client;

  void Connect() {
    client = std::make_unique<httplib::Client>(base_url);
    client->set_tcp_nodelay(true);
    client->set_keep_alive(true);
    // /_mock/wait holds a request for up to its own timeout (at most 30 s).
    client->set_read_timeout(std::chrono::seconds(35));
    auto colon = base_url.rfind(':');
    port = colon == std::string::npos ? 0 : std::atoi(base_url.c_str() + colon + 1);
  }

  httplib::Headers Headers() const {
    httplib::Headers headers;
    if (!admin_token.empty()) headers.emplace("Authorization", "Bearer " + admin_token);
    return headers;
  }

  // Sends one request; returns the status and body. Throws AdminError when
  // the server is unreachable, or answers outside `accepted`.
  std::pair<int, json> Call(const std::string& method, const std::string& path,
                            const httplib::Params& params, const std::string& body,
                            std::initializer_list<int> accepted = {200}) {
    std::lock_guard lock(mu);
    std::string target = path;
    if (!params.empty()) target += "?" + httplib::detail::params_to_query_str(params);
    httplib::Result result = method == "GET" ? client->Get(target, Headers())
                             : method == "POST"
                                 ? client->Post(target, Headers(), body, "application/json")
                                 : client->Put(target, Headers(), body, "application/json");
    if (!result) {
      throw AdminError(method + " " + path + " to " + base_url +
                           " failed: " + httplib::to_string(result.error()),
                       0);
    }
    if (std::find(accepted.begin(), accepted.end(), result->status) == accepted.end()) {
      throw AdminError(method + " " + path + ": " + std::to_string(result->status) + " " +
                           ErrorText(result->body),
                       result->status);
    }
    json parsed = json::parse(result->body, nullptr, /*allow_exceptions=*/false);
    return {result->status, parsed.is_discarded() ? json(nullptr) : std::move(parsed)};
  }
};

AdminClient::AdminClient() : impl_(std::make_unique<Impl>()) {}

AdminClient::AdminClient(std::string base_url, std::string api_key, std::string source_write_key,
                         std::string admin_token)
    : AdminClient() {
  Attach(std::move(base_url), std::move(api_key), std::move(source_write_key),
         std::move(admin_token));
}

AdminClient::~AdminClient() = default;

void AdminClient::Attach(std::string base_url, std::string api_key, std::string source_write_key,
                         std::string admin_token) {
  impl_->base_url = std::move(base_url);
  impl_->api_key = std::move(api_key);
  impl_->source_write_key = std::move(source_write_key);
  impl_->admin_token = std::move(admin_token);
  impl_->Connect();
}

const std::string& AdminClient::base_url() const { return impl_->base_url; }
int AdminClient::port() const { return impl_->port; }
const std::string& AdminClient::api_key() const { return impl_->api_key; }
const std::string& AdminClient::source_write_key() const { return impl_->source_write_key; }

ClockReading AdminClient::Advance(const std::string& by) {
  return ReadClock(impl_->Call("POST", "/_mock/clock/advance", {}, json{{"by", by}}.dump()).second);
}

ClockReading AdminClient::Advance(std::chrono::milliseconds by) {
  return ReadClock(
      impl_->Call("POST", "/_mock/clock/advance", {}, json{{"by", by.count()}}.dump()).second);
}

ClockReading AdminClient::Set(const std::string& iso_time) {
  return ReadClock(
      impl_->Call("POST", "/_mock/clock/set", {}, json{{"now", iso_time}}.dump()).second);
}

ClockReading AdminClient::Settle() {
  return ReadClock(impl_->Call("POST", "/_mock/settle", {}, "").second);
}

ClockReading AdminClient::Now() {
  return ReadClock(impl_->Call("GET", "/_mock/clock", {}, "").second);
}

void AdminClient::Reset() {
  impl_->Call("POST", "/_mock/reset", {{"workspace", impl_->api_key}}, "");
}

void AdminClient::Reset(std::uint64_t seed) {
  impl_->Call("POST", "/_mock/reset", {{"workspace", impl_->api_key}}, json{{"seed", seed}}.dump());
}

void AdminClient::ResetAll() { impl_->Call("POST", "/_mock/reset", {}, ""); }

void AdminClient::PutWorkspace(const json& definition) {
  const std::string key = FirstApiKey(definition);
  if (key.empty()) throw AdminError("PutWorkspace: the workspace has no api_keys", 0);
  impl_->Call("PUT", "/_mock/workspaces/" + httplib::detail::encode_query_param(key), {},
              definition.dump());
}

json AdminClient::View(const char* path, const std::string& workspace) {
  return impl_
      ->Call("GET", path, {{"workspace", workspace.empty() ? impl_->api_key : workspace}}, "")
      .second;
}

std::vector<Message> AdminClient::Messages(const std::string& workspace) {
  return Parse<Message>(View("/_mock/messages", workspace));
}
std::vector<AutomationRun> AdminClient::Runs(const std::string& workspace) {
  return Parse<AutomationRun>(View("/_mock/runs", workspace));
}
std::vector<Profile> AdminClient::Profiles(const std::string& workspace) {
  return Parse<Profile>(View("/_mock/profiles", workspace));
}
std::vector<SegmentCall> AdminClient::SegmentCalls(const std::string& workspace) {
  return Parse<SegmentCall>(View("/_mock/segment/outbox", workspace));
}
std::vector<JournalEntry> AdminClient::Journal(const std::string& workspace) {
  return Parse<JournalEntry>(View("/_mock/inbound", workspace));
}

json AdminClient::Get(const std::string& path_and_query) {
  return impl_->Call("GET", path_and_query, {}, "").second;
}

namespace {

// The admin view each kind of /_mock/wait reads.
const char* ViewPath(const std::string& kind) {
  if (kind == "messages") return "/_mock/messages";
  if (kind == "runs") return "/_mock/runs";
  if (kind == "outbox") return "/_mock/segment/outbox";
  if (kind == "inbound") return "/_mock/inbound";
  return "/_mock/profiles";
}

}  // namespace

template <typename Record>
::testing::AssertionResult AdminClient::WaitForRecord(
    const char* kind, const ::testing::Matcher<const Record&>& matcher,
    std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  while (true) {
    std::vector<Record> records = Parse<Record>(View(ViewPath(kind), ""));
    for (const Record& record : records) {
      if (matcher.Matches(record)) {
        return ::testing::AssertionSuccess() << ::testing::PrintToString(record);
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      std::ostringstream description;
      matcher.DescribeTo(&description);
      return ::testing::AssertionFailure()
             << "no " << kind << " entry " << description.str() << " within " << timeout.count()
             << " ms; there were: " << ::testing::PrintToString(records);
    }
    // Blocks until one more entry exists (any entry: the matcher is a C++
    // predicate the server cannot run) or 100 ms pass, whichever is first;
    // entries that change in place (a status) are seen on the re-read.
    impl_->Call("GET", "/_mock/wait",
                {{"workspace", impl_->api_key},
                 {"kind", kind},
                 {"count", std::to_string(records.size() + 1)},
                 {"timeout_ms", std::to_string(std::min<std::int64_t>(left.count(), 100))}},
                "", {200, 408});
  }
}

::testing::AssertionResult AdminClient::WaitFor(const ::testing::Matcher<const Message&>& matcher,
                                                std::chrono::milliseconds timeout) {
  return WaitForRecord<Message>("messages", matcher, timeout);
}
::testing::AssertionResult AdminClient::WaitFor(
    const ::testing::Matcher<const AutomationRun&>& matcher, std::chrono::milliseconds timeout) {
  return WaitForRecord<AutomationRun>("runs", matcher, timeout);
}
::testing::AssertionResult AdminClient::WaitFor(
    const ::testing::Matcher<const SegmentCall&>& matcher, std::chrono::milliseconds timeout) {
  return WaitForRecord<SegmentCall>("outbox", matcher, timeout);
}
::testing::AssertionResult AdminClient::WaitFor(
    const ::testing::Matcher<const JournalEntry&>& matcher, std::chrono::milliseconds timeout) {
  return WaitForRecord<JournalEntry>("inbound", matcher, timeout);
}
::testing::AssertionResult AdminClient::WaitFor(const ::testing::Matcher<const Profile&>& matcher,
                                                std::chrono::milliseconds timeout) {
  return WaitForRecord<Profile>("profiles", matcher, timeout);
}

std::string FirstApiKey(const json& workspace) {
  if (!workspace.is_object()) return "";
  auto it = workspace.find("api_keys");
  if (it == workspace.end() || !it->is_array() || it->empty() || !(*it)[0].is_string()) return "";
  return (*it)[0].get<std::string>();
}

std::string FirstSourceWriteKey(const json& workspace) {
  if (!workspace.is_object() || !workspace.contains("segment")) return "";
  const json& segment = workspace["segment"];
  if (!segment.is_object() || !segment.contains("source_write_keys")) return "";
  const json& keys = segment["source_write_keys"];
  return keys.is_array() && !keys.empty() && keys[0].is_string() ? keys[0].get<std::string>() : "";
}

json ReadWorkspaceFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read workspace file " + path);
  std::stringstream text;
  text << in.rdbuf();
  json parsed = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) throw std::runtime_error("workspace file " + path + " is not JSON");
  return parsed;
}

}  // namespace mock_courier::testing
