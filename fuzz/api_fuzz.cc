// The transport-free API layer (mock_courier/server/api.h) on raw bytes:
//   METHOD /path?query\n
//   Header: value\n ...
//   \n
//   body
// Contract checked: no exception escapes Api::Handle, no 5xx but 501
// (Segment's unsupported type), every error body is a JSON object with a
// message, every body is valid JSON.
#include <string>

#include "fuzz_input.h"
#include "mock_courier/clock.h"
#include "mock_courier/engine.h"
#include "mock_courier/json_parse.h"
#include "mock_courier/server/api.h"
#include "request_body.h"

namespace {

using mock_courier::Json;
using namespace mock_courier::server;

constexpr const char* kWorkspace = R"({
  "name": "Fuzz", "api_keys": ["test-key"],
  "segment": {"write_key": "out-write-key", "source_write_keys": ["src-write-key"]},
  "notifications": [{"id": "welcome", "channels": ["email"],
                     "content": {"email": {"subject": "Hi {{data.name}}", "body": "Hello {{profile.email}}"}}}],
  "event_maps": {"Segment-TrackEvent:Order Placed": "welcome"},
  "automations": [{"id": "onboarding", "trigger": "track/Signed Up", "cancelation_token": "refs.data.userId",
                   "steps": [{"action": "delay", "duration": "1 hour"},
                             {"action": "send", "template": "welcome", "recipient": {"$ref": "data.userId"}}]}],
  "lists": [{"id": "news", "name": "News"}],
  "profiles": {"ada": {"email": "ada@example.com"}}
})";

struct World {
  World() : clock(1767603600000), engine(clock) {
    auto definition = mock_courier::ParseJson(kWorkspace);
    if (!definition.ok()) mock_courier::fuzz::Violated("fuzz workspace is not JSON");
    mock_courier::Status status = engine.PutWorkspace(*definition);
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", status.ToString().c_str());
      mock_courier::fuzz::Violated("fuzz workspace does not load");
    }
  }
  mock_courier::ManualClock clock;
  mock_courier::Engine engine;
  Api api{engine};
  int runs = 0;
};

ApiRequest Decode(std::string_view text) {
  ApiRequest request;
  auto line_end = text.find('\n');
  std::string_view line = text.substr(0, line_end);
  text = line_end == std::string_view::npos ? std::string_view() : text.substr(line_end + 1);
  auto space = line.find(' ');
  request.method = std::string(line.substr(0, space));
  std::string_view target = space == std::string_view::npos ? "/" : line.substr(space + 1);
  auto mark = target.find('?');
  request.path = std::string(target.substr(0, mark));
  // /_mock/wait would sleep up to its timeout; the first value wins.
  request.query.emplace_back("timeout_ms", "0");
  if (mark != std::string_view::npos) {
    for (auto& pair : ParseQueryString(target.substr(mark + 1))) request.query.push_back(pair);
  }
  while (!text.empty()) {
    line_end = text.find('\n');
    line = text.substr(0, line_end);
    text = line_end == std::string_view::npos ? std::string_view() : text.substr(line_end + 1);
    if (line.empty()) break;
    auto colon = line.find(": ");
    if (colon == std::string_view::npos) continue;
    request.headers[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 2));
  }
  request.body = std::string(text);
  return request;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = new World();
  // A fresh state now and then, so accumulated records do not slow runs.
  if (++world->runs % 100 == 0) (void)world->engine.Reset();
  ApiResponse response;
  try {
    response = world->api.Handle(Decode(mock_courier::fuzz::AsText(data, size)));
  } catch (...) {
    mock_courier::fuzz::Violated("an exception escaped Api::Handle");
  }
  if (response.status >= 500 && response.status != 501) {
    mock_courier::fuzz::Violated("a 5xx answer");
  }
  if (!response.body.empty()) {
    auto body = mock_courier::ParseJson(response.body, 1000);
    if (!body.ok()) mock_courier::fuzz::Violated("a response body that is not JSON");
    if (response.status >= 400 && (!body->is_object() || !body->contains("message"))) {
      mock_courier::fuzz::Violated("an error body without a message");
    }
  }
  return 0;
}
