// Bad input over HTTP: every malformed request gets a 4xx with a JSON error
// body, never a 5xx, never an exception text in a header, and changes no
// state. The mutation loop at the end is a fixed-seed regression net for
// what a fuzzer finds.
#include <cstdint>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "mock_courier/json_parse.h"
#include "server_fixture.h"

namespace mock_courier::server::testing {
namespace {

class BadInputTest : public ServerTest {
 protected:
  // What a request could have changed: messages, journal and profiles.
  json State() {
    auto admin = [&](const std::string& path) {
      auto r = Get(path + "?workspace=" + std::string(kKey), "");
      return r ? Body(r) : json();
    };
    return {admin("/_mock/messages"), admin("/_mock/inbound"), admin("/_mock/runs"),
            Body(Get("/profiles/ada"))};
  }

  static void ExpectNoExceptionHeader(const httplib::Result& r) {
    ASSERT_TRUE(r);
    for (const auto& [name, value] : r->headers) {
      EXPECT_EQ(name.find("EXCEPTION"), std::string::npos) << name << ": " << value;
    }
  }

  static std::string Nested(int depth) {
    return std::string(static_cast<std::size_t>(depth), '[') +
           std::string(static_cast<std::size_t>(depth), ']');
  }
};

TEST_F(BadInputTest, HundredThousandDeepNestingIs400AndTheServerLives) {
  const json before = State();
  const std::string segment =
      R"({"type":"track","event":"E","userId":"ada","properties":{"p":)" + Nested(100000) + "}}";
  auto r = Post("/inbound/segment", segment);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Body(r), json({{"message", "JSON nesting is deeper than the limit of 64 levels"}}));
  ExpectNoExceptionHeader(r);

  auto send =
      Post("/send", R"({"message":{"to":{"user_id":"ada"},"data":)" + Nested(100000) + "}}");
  ASSERT_TRUE(send);
  EXPECT_EQ(send->status, 400);
  EXPECT_EQ(Body(send), json({{"message", "JSON nesting is deeper than the limit of 64 levels"},
                              {"type", "invalid_request_error"}}));

  auto health = Get("/_mock/health", "");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(State(), before);
}

TEST_F(BadInputTest, NestingAtTheLimitIsAccepted) {
  // 64 levels in all: the body object, "data", then 62 arrays.
  auto r = Post("/send", R"({"message":{"to":{"user_id":"ada"},"template":"welcome","data":{"x":)" +
                             Nested(kMaxJsonDepth - 4) + "}}}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  auto deeper = Post("/send", R"({"message":{"to":{"user_id":"ada"},"data":{"x":)" +
                                  Nested(kMaxJsonDepth - 3) + "}}}");
  ASSERT_TRUE(deeper);
  EXPECT_EQ(deeper->status, 400);
}

TEST_F(BadInputTest, InvalidUtf8InAJsonStringIs400) {
  const json before = State();
  auto r = Post("/send", "{\"message\":{\"to\":{\"user_id\":\"a\xff\"},\"template\":\"welcome\"}}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Body(r), json({{"message",
                            "parse error at line 1, column 31: syntax error while parsing value - "
                            "invalid string: ill-formed UTF-8 byte"},
                           {"type", "invalid_request_error"}}));
  ExpectNoExceptionHeader(r);
  EXPECT_EQ(State(), before);
}

TEST_F(BadInputTest, InvalidUtf8InAFormBodyIs400) {
  const json before = State();
  auto r = client_->Post("/send", {{"Authorization", Bearer()}}, "event=welcome&recipient=a%FF",
                         "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Body(r), json({{"message", "Invalid UTF-8 in a form field of the body"},
                           {"type", "invalid_request_error"}}));
  ExpectNoExceptionHeader(r);
  EXPECT_EQ(State(), before);
}

TEST_F(BadInputTest, InvalidUtf8InThePathOrQueryIs400) {
  for (const std::string path : {"/profiles/a%FF", "/_mock/messages?workspace=%C0%AF"}) {
    auto r = Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 400) << path;
    EXPECT_EQ(Body(r), json({{"message", "Invalid UTF-8 in the request path or query"},
                             {"type", "invalid_request_error"}}))
        << path;
    ExpectNoExceptionHeader(r);
  }
}

TEST_F(BadInputTest, NumberOutOfRangeIs400) {
  const json before = State();
  auto r = Post("/send", R"({"message":{"to":{"user_id":"ada"},"data":{"n":1e400}}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Body(r), json({{"message", "number overflow parsing '1e400'"},
                           {"type", "invalid_request_error"}}));
  ExpectNoExceptionHeader(r);
  EXPECT_EQ(State(), before);
}

TEST_F(BadInputTest, DeepFormBracketsAre400) {
  // httplib refuses urlencoded bodies over 8 KB (413) before they get here.
  std::string key = "data";
  for (int i = 0; i < 100; ++i) key += "[]";
  auto r = client_->Post("/send", {{"Authorization", Bearer()}}, "event=welcome&" + key + "=1",
                         "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Body(r), json({{"message", "JSON nesting is deeper than the limit of 64 levels"},
                           {"type", "invalid_request_error"}}));
}

TEST_F(BadInputTest, DeepWaitMatchIs400) {
  // httplib refuses request lines over 8 KB (414) before they get here.
  auto r = Get("/_mock/wait?kind=messages&timeout_ms=0&workspace=test-key&match=" +
                   std::string(100, '[') + std::string(100, ']'),
               "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Body(r)["message"], "match must be a URL-encoded JSON object");
}

TEST_F(BadInputTest, DeepWorkspaceDefinitionIs400) {
  auto r =
      Put("/_mock/workspaces/deep", R"({"name":"x","profiles":{"p":)" + Nested(100000) + "}}", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Body(r)["message"], "JSON nesting is deeper than the limit of 64 levels");
  auto list = Get("/_mock/workspaces", "");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->body.find("deep"), std::string::npos);
}

// Found by time_format_fuzz: "P." made std::stod throw inside the engine,
// which the server answered with a 500.
TEST_F(BadInputTest, MalformedOrHugeDurationsAre400) {
  const json before = State();
  for (const std::string by :
       {R"("P.")", R"("P99999999999999999999D")", "1e300", "-1", "18446744073709551615"}) {
    auto r = Post("/_mock/clock/advance", R"({"by":)" + by + "}", "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << by;
    EXPECT_EQ(Body(r)["type"], "invalid_request_error") << by;
  }
  auto invoke = Post("/automations/invoke",
                     R"({"automation":{"steps":[{"action":"delay","duration":"P."}]}})");
  ASSERT_TRUE(invoke);
  EXPECT_EQ(invoke->status, 400);
  EXPECT_EQ(Body(invoke)["message"],
            "Invalid Steps Definition: one or more steps are incorrectly defined.");
  EXPECT_EQ(State(), before);
}

// Found by json_patch_fuzz: a missing parent at index 22222222222 made the
// engine allocate a 22-billion-element array.
TEST_F(BadInputTest, PatchCreatingAParentFarPastAnArrayEndIs400) {
  const json before = State();
  auto r =
      Patch("/profiles/ada", R"({"patch":[{"op":"add","path":"/x/22222222222/b","value":1}]})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Body(r)["message"],
            "Invalid patch operation at index 0 (add /x/22222222222/b): array index out of range");
  EXPECT_EQ(State(), before);
}

// A fetcher that throws: the one way a test can make a handler raise, to
// check what the server does with an exception it did not expect.
class ThrowingFetcher : public DataFetcher {
 public:
  Result<Json> Fetch(const Json&) override { throw std::runtime_error("fetcher exploded"); }
};

ThrowingFetcher throwing_fetcher;

// The server's log; one file for the process, since the server is built
// (by the fixture's base) before any member of the fixture could hold it.
std::FILE* TempLog() {
  static std::FILE* log = std::tmpfile();
  return log;
}

ServerOptions LogToTempFile() {
  ServerOptions options;
  options.log_stream = TempLog();
  return options;
}

EngineOptions WithThrowingFetcher() {
  EngineOptions options;
  options.fetcher = &throwing_fetcher;
  return options;
}

class ExceptionHandlerTest : public ServerTest {
 protected:
  ExceptionHandlerTest() : ServerTest(LogToTempFile(), WithThrowingFetcher()) {}

  static std::string LogText() {
    std::FILE* log = TempLog();
    std::fflush(log);
    std::rewind(log);
    std::string text;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, log) != nullptr) text += buffer;
    return text;
  }
};

TEST_F(ExceptionHandlerTest, AnExceptionIsAJson500WithNoExceptionTextInHeaders) {
  auto r = Post(
      "/automations/invoke",
      R"({"automation":{"steps":[{"action":"fetch-data","webhook":{"url":"https://x.test","method":"GET"},"merge_strategy":"replace"}]}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(Body(r), json({{"message", "Internal error"}, {"type", "internal_error"}}));
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  for (const auto& [name, value] : r->headers) {
    EXPECT_EQ(value.find("exploded"), std::string::npos) << name;
    EXPECT_EQ(name.find("EXCEPTION"), std::string::npos) << name;
  }
  EXPECT_NE(LogText().find("internal error in \"POST /automations/invoke\""), std::string::npos)
      << LogText();
  EXPECT_NE(LogText().find("fetcher exploded"), std::string::npos);
  auto health = Get("/_mock/health", "");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

// Valid requests for each body-taking endpoint; the loop mutates them.
struct Seed {
  const char* method;
  const char* path;
  const char* auth;  // "courier", "segment-basic", "" (admin)
  const char* body;
};

const Seed kSeeds[] = {
    {"POST", "/send", "courier",
     R"({"message":{"to":{"user_id":"ada","email":"ada@example.com"},"template":"welcome","data":{"name":"Ada","n":[1,2.5,true,null]}}})"},
    {"POST", "/send", "courier",
     R"({"event":"welcome","recipient":"ada","profile":{"email":"a@b.c"}})"},
    {"POST", "/inbound/segment", "courier",
     R"({"type":"track","event":"Order Placed","userId":"ada","messageId":"m1","properties":{"total":10,"items":[{"sku":"a"}]}})"},
    {"POST", "/inbound/segment", "courier",
     R"({"type":"identify","userId":"ada","traits":{"email":"ada@example.com","plan":"pro"}})"},
    {"POST", "/profiles/ada", "courier",
     R"({"profile":{"email":"ada@example.com","custom":{"a":1}}})"},
    {"PUT", "/profiles/ada", "courier", R"({"profile":{"email":"ada@example.com"}})"},
    {"PATCH", "/profiles/ada", "courier",
     R"({"patch":[{"op":"replace","path":"/email","value":"b@example.com"},{"op":"add","path":"/a/b","value":1}]})"},
    {"PUT", "/profiles/ada/lists", "courier", R"({"lists":[{"listId":"news"}]})"},
    {"POST", "/automations/invoke", "courier",
     R"({"automation":{"steps":[{"action":"delay","duration":"2 hours"},{"action":"send","template":"welcome","recipient":"ada"}]},"data":{"x":1},"recipient":"ada"})"},
    {"PUT", "/lists/news/subscriptions/ada", "courier", R"({"recipient_preferences":{}})"},
    {"POST", "/v1/track", "segment-basic",
     R"({"event":"Order Placed","userId":"ada","properties":{"total":10},"timestamp":"2026-01-05T09:00:00Z"})"},
    {"POST", "/v1/batch", "segment-basic",
     R"({"batch":[{"type":"identify","userId":"ada","traits":{"email":"a@b.c"}},{"type":"track","event":"E","userId":"ada"}]})"},
    {"POST", "/_mock/clock/advance", "", R"({"by":"2 hours"})"},
};

std::string Mutate(std::string text, std::mt19937& rng) {
  static const std::vector<std::string> kTokens = {"1e400",
                                                   "-1e999",
                                                   "\xff",
                                                   "\xc0\xaf",
                                                   "\xed\xa0\x80",
                                                   "\"",
                                                   "{",
                                                   "}",
                                                   "[",
                                                   "]",
                                                   ":",
                                                   ",",
                                                   "null",
                                                   "true",
                                                   "[]",
                                                   "{}",
                                                   "\\u0000",
                                                   "\\ud800",
                                                   "18446744073709551616",
                                                   "-0",
                                                   "\"\"",
                                                   std::string(300, '['),
                                                   "1.5",
                                                   "\"PT2H\"",
                                                   "\"9999-99-99T99:99:99Z\"",
                                                   "\"{{\"",
                                                   "\"$ref\"",
                                                   "\"/a/~2\"",
                                                   "\"2 fortnights\"",
                                                   "\xe2\x80\x9c"};
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    const std::size_t at = rng() % (text.size() + 1);
    switch (rng() % 5) {
      case 0:  // Truncate.
        text.resize(at);
        break;
      case 1:  // Flip a byte.
        if (at < text.size()) text[at] = static_cast<char>(rng() % 256);
        break;
      case 2:  // Insert a token.
        text.insert(at, kTokens[rng() % kTokens.size()]);
        break;
      case 3:  // Delete a span.
        text.erase(at, rng() % 8);
        break;
      default:  // Replace a span with a token.
        text.replace(at, rng() % 6, kTokens[rng() % kTokens.size()]);
        break;
    }
  }
  return text;
}

TEST_F(BadInputTest, MutatedBodiesNeverGetA5xx) {
  std::mt19937 rng(12);  // Fixed: a failure reproduces.
  int checked = 0;
  for (const Seed& seed : kSeeds) {
    for (int i = 0; i < 60; ++i) {
      const std::string body = Mutate(seed.body, rng);
      httplib::Headers headers;
      if (std::string(seed.auth) == "courier") headers.emplace("Authorization", Bearer());
      if (std::string(seed.auth) == "segment-basic") {
        headers.emplace("Authorization", Basic("src-write-key:"));
      }
      const std::string method = seed.method;
      httplib::Result r =
          method == "POST"  ? client_->Post(seed.path, headers, body, "application/json")
          : method == "PUT" ? client_->Put(seed.path, headers, body, "application/json")
                            : client_->Patch(seed.path, headers, body, "application/json");
      ASSERT_TRUE(r) << seed.method << " " << seed.path << " " << body;
      EXPECT_TRUE(r->status < 500 || r->status == 501)
          << r->status << " " << seed.method << " " << seed.path << "\nbody: " << body
          << "\nresponse: " << r->body;
      ExpectNoExceptionHeader(r);
      if (r->status >= 400) {
        json error = json::parse(r->body, nullptr, false);
        EXPECT_TRUE(error.is_object() && error.contains("message"))
            << seed.path << " " << body << " -> " << r->body;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 60 * static_cast<int>(std::size(kSeeds)));
  auto health = Get("/_mock/health", "");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace mock_courier::server::testing
