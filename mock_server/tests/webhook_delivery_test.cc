// Outbound webhooks over HTTP: a loopback receiver on an ephemeral port gets
// `message:updated` calls, verifies their courier-signature with HMAC-SHA256
// as Courier documents it
// (https://www.courier.com/docs/platform/workspaces/outbound-webhooks/), and
// the worker retries 5xx and gives up on 4xx.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mock_courier/hmac_sha256.h"
#include "server_fixture.h"

namespace mock_courier::server::testing {
namespace {

constexpr const char* kSecret = "whsec-test";

// A webhook endpoint on 127.0.0.1:<ephemeral>: records each call and answers
// the next status of `statuses` (then 200).
class Receiver {
 public:
  struct Call {
    std::string body;
    std::string signature;
    std::string path;
  };

  explicit Receiver(std::vector<int> statuses = {}) : statuses_(std::move(statuses)) {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      calls_.push_back({req.body, req.get_header_value("courier-signature"), req.path});
      res.status = next_ < statuses_.size() ? statuses_[next_++] : 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/courier"; }
  std::vector<Call> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  httplib::Server server_;
  std::mutex mutex_;
  std::vector<Call> calls_;
  std::vector<int> statuses_;
  std::size_t next_ = 0;
  int port_ = 0;
  std::thread thread_;
};

// What a user's handler does: split "t=<ms>,signature=<hex>" and compare
// HMAC-SHA256(secret, "<t>.<raw body>").
bool SignatureValid(const std::string& header, const std::string& body, const std::string& secret) {
  std::string t;
  std::string signature;
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t comma = header.find(',', start);
    std::string part = header.substr(start, comma == std::string::npos ? comma : comma - start);
    std::size_t eq = part.find('=');
    if (eq != std::string::npos) {
      if (part.substr(0, eq) == "t") t = part.substr(eq + 1);
      if (part.substr(0, eq) == "signature") signature = part.substr(eq + 1);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return !t.empty() && signature == HexDigest(HmacSha256(secret, t + "." + body));
}

json WorkspaceWithWebhook(const std::string& url, const std::string& secret = kSecret) {
  json ws = TestWorkspace();
  json hook = {{"url", url}, {"events", json::array({"message:updated"})}};
  if (!secret.empty()) hook["secret"] = secret;
  ws["webhooks"] = json::array({hook});
  return ws;
}

ServerOptions FastRetries() {
  ServerOptions options;
  options.segment_backoff_ms = 5;
  options.segment_max_attempts = 3;
  return options;
}

class WebhookDeliveryTest : public ServerTest {
 protected:
  WebhookDeliveryTest() : ServerTest(FastRetries()) {}

  // Polls the admin view until every webhook call is in a final state
  // (delivery runs on the server's worker thread, in real time).
  json SettledWebhooks(std::size_t expected) {
    json results;
    for (int i = 0; i < 500; ++i) {
      auto view = t_.engine.Webhooks(kKey);
      results = view.ok() ? (*view)["results"] : json::array();
      bool settled = results.size() >= expected;
      for (const json& entry : results) {
        if (entry["state"] != "delivered" && entry["state"] != "failed") settled = false;
      }
      if (settled) return results;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return results;
  }

  void SendToAda() {
    auto res = Post("/send", R"({"message":{"to":{"user_id":"ada"},"template":"welcome"}})");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 202);
  }
};

TEST_F(WebhookDeliveryTest, ReceiverGetsSignedMessageUpdatedForEveryStatus) {
  Receiver receiver;
  ASSERT_TRUE(t_.engine.PutWorkspace(WorkspaceWithWebhook(receiver.url())).ok());
  SendToAda();
  // ENQUEUED, SENT, DELIVERED (the default provider delivers at once).
  json hooks = SettledWebhooks(3);
  ASSERT_EQ(hooks.size(), 3u) << hooks.dump();
  for (const json& entry : hooks) EXPECT_EQ(entry["state"], "delivered") << entry.dump();

  std::vector<Receiver::Call> calls = receiver.calls();
  ASSERT_EQ(calls.size(), 3u);
  std::vector<std::string> statuses;
  for (const Receiver::Call& call : calls) {
    EXPECT_EQ(call.path, "/hooks/courier");
    EXPECT_TRUE(SignatureValid(call.signature, call.body, kSecret)) << call.signature;
    EXPECT_FALSE(SignatureValid(call.signature, call.body, "another-secret"));
    EXPECT_FALSE(SignatureValid(call.signature, call.body + " ", kSecret));
    json body = json::parse(call.body);
    EXPECT_EQ(body["type"], "message:updated");
    EXPECT_EQ(body["data"]["recipientId"], "ada");
    statuses.push_back(body["data"]["status"]);
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"ENQUEUED", "SENT", "DELIVERED"}));
  // The data is the GET /messages/{id} record plus recipientId.
  json last = json::parse(calls.back().body)["data"];
  json record = Body(Get("/messages/" + last["id"].get<std::string>()));
  last.erase("recipientId");
  EXPECT_EQ(last, record);
}

TEST_F(WebhookDeliveryTest, WithoutSecretTheCallIsUnsigned) {
  Receiver receiver;
  ASSERT_TRUE(t_.engine.PutWorkspace(WorkspaceWithWebhook(receiver.url(), "")).ok());
  SendToAda();
  SettledWebhooks(3);
  std::vector<Receiver::Call> calls = receiver.calls();
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.front().signature, "");
}

TEST_F(WebhookDeliveryTest, ServerErrorsAreRetriedUntilDelivered) {
  Receiver receiver({500, 503});  // The first two requests fail, then 200.
  ASSERT_TRUE(t_.engine.PutWorkspace(WorkspaceWithWebhook(receiver.url())).ok());
  SendToAda();
  json hooks = SettledWebhooks(3);
  ASSERT_EQ(hooks.size(), 3u);
  int attempts = 0;
  for (const json& entry : hooks) {
    EXPECT_EQ(entry["state"], "delivered") << entry.dump();
    attempts += entry["attempts"].get<int>();
  }
  EXPECT_EQ(attempts, 5);
  std::vector<Receiver::Call> calls = receiver.calls();
  ASSERT_EQ(calls.size(), 5u);
  // Every try of the same call carries the same body and signature.
  std::map<std::string, Receiver::Call> first_try;
  for (const Receiver::Call& call : calls) {
    const std::string status = json::parse(call.body)["data"]["status"];
    auto [it, added] = first_try.emplace(status, call);
    if (!added) {
      EXPECT_EQ(call.body, it->second.body);
      EXPECT_EQ(call.signature, it->second.signature);
    }
  }
  EXPECT_EQ(first_try.size(), 3u);
}

class WebhookDeliveryBadInputTest : public WebhookDeliveryTest {};

TEST_F(WebhookDeliveryBadInputTest, ClientErrorsFailAtOnce) {
  Receiver receiver({400});
  ASSERT_TRUE(t_.engine.PutWorkspace(WorkspaceWithWebhook(receiver.url())).ok());
  SendToAda();
  json hooks = SettledWebhooks(3);
  ASSERT_EQ(hooks.size(), 3u);
  EXPECT_EQ(hooks[0]["state"], "failed");
  EXPECT_EQ(hooks[0]["attempts"], 1);
  EXPECT_EQ(hooks[0]["last_error"], "HTTP 400");
  EXPECT_EQ(hooks[1]["state"], "delivered");
}

TEST_F(WebhookDeliveryBadInputTest, UnreachableReceiverFailsAfterItsAttempts) {
  std::string url;
  {
    Receiver gone;  // Bound then closed: nothing listens on its port now.
    url = gone.url();
  }
  ASSERT_TRUE(t_.engine.PutWorkspace(WorkspaceWithWebhook(url)).ok());
  SendToAda();
  json hooks = SettledWebhooks(3);
  ASSERT_EQ(hooks.size(), 3u);
  for (const json& entry : hooks) {
    EXPECT_EQ(entry["state"], "failed");
    EXPECT_EQ(entry["attempts"], 3);
    EXPECT_NE(entry["last_error"].get<std::string>().find("connection error"), std::string::npos);
  }
}

TEST_F(WebhookDeliveryTest, AdminViewListsTheCalls) {
  Receiver receiver;
  ASSERT_TRUE(t_.engine.PutWorkspace(WorkspaceWithWebhook(receiver.url())).ok());
  SendToAda();
  SettledWebhooks(3);
  auto res = Get("/_mock/webhooks?workspace=test-key", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  json view = Body(res);
  ASSERT_EQ(view["results"].size(), 3u);
  EXPECT_EQ(view["results"][0]["type"], "message:updated");
  EXPECT_EQ(view["results"][0]["url"], receiver.url());
  EXPECT_EQ(view["results"][0]["body"]["data"]["status"], "ENQUEUED");
}

}  // namespace
}  // namespace mock_courier::server::testing
