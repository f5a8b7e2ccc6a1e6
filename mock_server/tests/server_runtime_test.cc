// The Server's own machinery: outbound Segment delivery over HTTP with
// retries, the redacted access log, and shutdown.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "server_fixture.h"

namespace mock_courier::server::testing {
namespace {

// A stand-in for a remote Segment Tracking API on port 0: answers each
// /v1/batch with the next status of `script` (the last one repeats).
class ScriptedSegment {
 public:
  explicit ScriptedSegment(std::vector<int> script) : script_(std::move(script)) {
    http_.set_tcp_nodelay(true);
    http_.Post("/v1/batch", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      requests_.push_back({req.get_header_value("Authorization"), json::parse(req.body)});
      std::size_t i = std::min(requests_.size() - 1, script_.size() - 1);
      res.status = script_[i];
      res.set_content(R"({"success":true})", "application/json");
    });
    port_ = http_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~ScriptedSegment() {
    http_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  struct Request {
    std::string authorization;
    json body;
  };
  std::vector<Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  std::vector<int> script_;
  httplib::Server http_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Request> requests_;
};

ServerOptions DeliveryOptions(const std::string& url, int max_attempts) {
  ServerOptions options;
  options.segment_url = url;
  options.segment_max_attempts = max_attempts;
  options.segment_backoff_ms = 1;  // Real backoff is 500 ms; tests keep it tiny.
  return options;
}

EngineOptions ServerDelivers() {
  EngineOptions options;
  options.deliver_outbound_to_fake_segment = false;
  return options;
}

class FlakySegmentDeliveryTest : public ServerTest {
 protected:
  static inline ScriptedSegment* segment_ = nullptr;
  static ServerOptions Options() {
    segment_ = new ScriptedSegment({500, 200});
    return DeliveryOptions(segment_->url(), 5);
  }
  FlakySegmentDeliveryTest() : ServerTest(Options(), ServerDelivers()), owned_(segment_) {}
  std::unique_ptr<ScriptedSegment> owned_;
};

TEST_F(FlakySegmentDeliveryTest, RetriesA500AndMarksTheCallDelivered) {
  auto sent = Post("/send", R"({"message":{"to":{"user_id":"ada"},"template":"welcome"}})");
  ASSERT_EQ(sent->status, 202) << sent->body;
  std::string match = "%7B%22state%22%3A%22delivered%22%7D";  // {"state":"delivered"}
  auto waited =
      Get("/_mock/wait?workspace=test-key&kind=outbox&timeout_ms=20000&match=" + match, "");
  ASSERT_TRUE(waited);
  ASSERT_EQ(waited->status, 200) << waited->body;
  json entry = Body(waited)["results"][0];
  EXPECT_EQ(entry["attempts"], 2);
  auto requests = owned_->requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[0].authorization, "Basic " + Base64Encode("out-write-key:"));
  EXPECT_EQ(requests[0].body["writeKey"], "out-write-key");
  EXPECT_EQ(requests[1].body["batch"], requests[0].body["batch"]);
  EXPECT_EQ(requests[0].body["batch"][0]["type"], "track");
  // Nothing reached the built-in fake: the worker delivered over HTTP.
  EXPECT_EQ(Body(Get("/_mock/segment/received?write_key=out-write-key", ""))["results"].size(), 0u);
}

class ThrottledSegmentDeliveryTest : public ServerTest {
 protected:
  static inline ScriptedSegment* segment_ = nullptr;
  static ServerOptions Options() {
    segment_ = new ScriptedSegment({429});
    return DeliveryOptions(segment_->url(), 3);
  }
  ThrottledSegmentDeliveryTest() : ServerTest(Options(), ServerDelivers()), owned_(segment_) {}
  std::unique_ptr<ScriptedSegment> owned_;
};

TEST_F(ThrottledSegmentDeliveryTest, GivesUpAfterMaxAttemptsAndMarksTheCallFailed) {
  ASSERT_EQ(Post("/send", R"({"message":{"to":{"user_id":"ada"},"template":"welcome"}})")->status,
            202);
  std::string match = "%7B%22state%22%3A%22failed%22%7D";  // {"state":"failed"}
  auto waited =
      Get("/_mock/wait?workspace=test-key&kind=outbox&timeout_ms=20000&match=" + match, "");
  ASSERT_TRUE(waited);
  ASSERT_EQ(waited->status, 200) << waited->body;
  json entry = Body(waited)["results"][0];
  EXPECT_EQ(entry["attempts"], 3);
  EXPECT_EQ(entry["last_error"], "HTTP 429");
}

class RejectingSegmentDeliveryTest : public ServerTest {
 protected:
  static inline ScriptedSegment* segment_ = nullptr;
  static ServerOptions Options() {
    segment_ = new ScriptedSegment({400});
    return DeliveryOptions(segment_->url(), 5);
  }
  RejectingSegmentDeliveryTest() : ServerTest(Options(), ServerDelivers()), owned_(segment_) {}
  std::unique_ptr<ScriptedSegment> owned_;
};

TEST_F(RejectingSegmentDeliveryTest, A400IsFinalAfterOneTry) {
  ASSERT_EQ(Post("/send", R"({"message":{"to":{"user_id":"ada"},"template":"welcome"}})")->status,
            202);
  std::string match = "%7B%22state%22%3A%22failed%22%7D";
  auto waited =
      Get("/_mock/wait?workspace=test-key&kind=outbox&timeout_ms=20000&match=" + match, "");
  ASSERT_EQ(waited->status, 200) << waited->body;
  EXPECT_EQ(Body(waited)["results"][0]["attempts"], 1);
}

TEST(SegmentDeliveryShutdownTest, StopDrainsWhatIsQueued) {
  ScriptedSegment segment({200});
  mock_courier::testing::TestEngine t(TestWorkspace(), ServerDelivers());
  Server server(t.engine, DeliveryOptions(segment.url(), 3));
  ASSERT_TRUE(server.Start());
  Api api(t.engine);
  ApiRequest send{
      "POST", "/send", {}, {}, R"({"message":{"to":{"user_id":"ada"},"template":"welcome"}})"};
  send.headers["Authorization"] = Bearer();
  ASSERT_EQ(api.Handle(send).status, 202);
  server.Stop();
  json outbox = t.Outbox()["results"];
  ASSERT_FALSE(outbox.empty());
  for (const json& entry : outbox) EXPECT_EQ(entry["state"], "delivered") << entry;
}

// Regression: Stop() waited out the 5 s keep-alive timeout whenever a client
// (Node's fetch, the Courier SDK) kept its connection open after a request,
// so every SIGTERM in a client test suite took seconds. The client here is a
// bare socket that sends one HTTP/1.1 request and leaves the connection open.
// A bare loopback socket that sends raw HTTP/1.1 and reads until a marker
// arrives (bounded by a 5 s receive timeout), keeping the connection open.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 &&
                 ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  bool Send(const std::string& request) {
    return ::send(fd_, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size());
  }
  // Everything read until `marker` appears, or what arrived before EOF/timeout.
  std::string ReadUntil(const std::string& marker) {
    std::string response;
    char buffer[1024];
    while (response.find(marker) == std::string::npos) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      response.append(buffer, static_cast<std::size_t>(n));
    }
    return response;
  }
  ssize_t Recv() {
    char buffer[64];
    return ::recv(fd_, buffer, sizeof buffer, 0);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

TEST(ServerShutdownTest, StopDoesNotWaitForAnIdleKeepAliveConnection) {
  mock_courier::testing::TestEngine t(TestWorkspace());
  Server server(t.engine, ServerOptions{});
  ASSERT_TRUE(server.Start());
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send("GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  std::string response = connection.ReadUntil("\"ok\"");
  EXPECT_TRUE(response.starts_with("HTTP/1.1 200")) << response;

  auto started = std::chrono::steady_clock::now();
  server.Stop();
  // Far below the keep-alive timeout the old shutdown waited for.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  // The server closed its end: the idle client reads EOF.
  EXPECT_EQ(connection.Recv(), 0);
}

// Regression: `curl -X POST URL` sends neither Content-Length nor a body.
// httplib waited for the connection to close (10 s read timeout), then
// answered an empty 400; such a request has no body (RFC 9112 §6.3).
TEST(BodilessRequestTest, PostWithoutContentLengthIsAnsweredAtOnce) {
  mock_courier::testing::TestEngine t(TestWorkspace());
  Server server(t.engine, ServerOptions{});
  ASSERT_TRUE(server.Start());
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(
      connection.Send("POST /_mock/reset?workspace=test-key HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  std::string response = connection.ReadUntil("}");
  EXPECT_TRUE(response.starts_with("HTTP/1.1 200")) << response;
  EXPECT_NE(response.find(R"({"status":"ok"})"), std::string::npos) << response;

  // The Courier API sees an empty body and answers as Courier does.
  ASSERT_TRUE(connection.Send(
      "POST /send HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + Bearer() + "\r\n\r\n"));
  response = connection.ReadUntil("}");
  EXPECT_TRUE(response.starts_with("HTTP/1.1 400")) << response;
  EXPECT_NE(response.find("No Body Provided"), std::string::npos) << response;
  server.Stop();
}

class AccessLogTest : public ::testing::Test {
 protected:
  void Run(const std::string& format) {
    std::FILE* log = std::tmpfile();
    ASSERT_NE(log, nullptr);
    mock_courier::testing::TestEngine t(TestWorkspace());
    ServerOptions options;
    options.log_format = format;
    options.log_stream = log;
    Server server(t.engine, options);
    ASSERT_TRUE(server.Start());
    httplib::Client client("127.0.0.1", server.port());
    client.Get("/profiles/ada", {{"Authorization", Bearer()}});
    client.Post("/v1/track", {{"Authorization", Basic("secret-write-key:")}},
                R"({"event":"E","userId":"u"})", "application/json");
    client.Get("/_mock/messages?workspace=test-key");
    server.Stop();
    std::rewind(log);
    char buffer[8192];
    std::size_t n = std::fread(buffer, 1, sizeof buffer, log);
    text_.assign(buffer, n);
    std::fclose(log);
  }
  std::string text_;
};

TEST_F(AccessLogTest, TextLogRedactsApiKeysAndWriteKeys) {
  Run("text");
  EXPECT_NE(text_.find("\"GET /profiles/ada\" 200"), std::string::npos) << text_;
  EXPECT_NE(text_.find("workspace=<redacted>"), std::string::npos) << text_;
  EXPECT_EQ(text_.find("test-key"), std::string::npos) << text_;
  EXPECT_EQ(text_.find(Base64Encode("secret-write-key:")), std::string::npos) << text_;
  EXPECT_EQ(text_.find(Base64Encode("test-key")), std::string::npos) << text_;
}

TEST_F(AccessLogTest, JsonLogIsOneObjectPerLine) {
  Run("json");
  std::size_t lines = 0;
  std::size_t start = 0;
  while (start < text_.size()) {
    std::size_t end = text_.find('\n', start);
    json entry = json::parse(text_.substr(start, end - start));
    EXPECT_TRUE(entry.contains("status"));
    ++lines;
    start = end + 1;
  }
  EXPECT_EQ(lines, 3u);
  EXPECT_EQ(text_.find("test-key"), std::string::npos) << text_;
}

}  // namespace
}  // namespace mock_courier::server::testing

namespace mock_courier::server::testing {
namespace {

// With a clock that moves by itself, the server's ticker runs due timers
// without any admin advance. The clock runs a million times faster than
// wall time, so the 1-hour delay falls due within milliseconds.
TEST(RealClockTickerTest, DueTimersRunWithoutAnAdvance) {
  ScaledSystemClock clock(mock_courier::testing::kTestStart, 1e6);
  Engine engine(clock);
  ASSERT_TRUE(engine.PutWorkspace(TestWorkspace()).ok());
  Server server(engine, ServerOptions{});
  ASSERT_TRUE(server.Start());
  httplib::Client client("127.0.0.1", server.port());
  auto invoked = client.Post(
      "/automations/invoke", {{"Authorization", Bearer()}},
      R"({"recipient":"ada","automation":{"steps":[{"action":"delay","duration":"1 hour"},
          {"action":"send","template":"welcome"}]}})",
      "application/json");
  ASSERT_TRUE(invoked);
  ASSERT_EQ(invoked->status, 200) << invoked->body;
  auto waited = client.Get("/_mock/wait?workspace=test-key&kind=messages&timeout_ms=20000");
  ASSERT_TRUE(waited);
  EXPECT_EQ(waited->status, 200) << waited->body;
  server.Stop();
}

}  // namespace
}  // namespace mock_courier::server::testing
