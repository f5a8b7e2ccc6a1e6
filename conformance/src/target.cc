#include "mock_courier/conformance/target.h"

#include <cctype>
#include <chrono>

#include <httplib.h>

#include "mock_courier/engine.h"
#include "mock_courier/server/api.h"
#include "mock_courier/server/server.h"
#include "mock_courier/time_format.h"

namespace mock_courier::conformance {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(const std::string& text, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else if (plus_is_space && text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

// Encodes characters a URL path or query cannot carry as-is; '%' is kept so
// that already-encoded input passes through unchanged.
std::string PercentEncode(const std::string& text, bool in_query) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool keep = std::isalnum(c) ||
                std::string("-._~%!$'()*,;:@/").find(static_cast<char>(c)) != std::string::npos;
    // '&', '=' and '?' delimit the query; in a path they are ordinary characters.
    if (c == '&' || c == '=' || c == '?' || (!in_query && c == '+')) keep = true;
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A fresh engine on a manual clock at the scenario's start time and seed.
void StartEngine(const Scenario& scenario, std::unique_ptr<ManualClock>& clock,
                 std::unique_ptr<Engine>& engine) {
  clock = std::make_unique<ManualClock>(scenario.start);
  EngineOptions options;
  options.seed = scenario.seed;
  engine = std::make_unique<Engine>(*clock, options);
}

// ---- In-process ----------------------------------------------------------------

class InProcessTarget final : public Target {
 public:
  std::string name() const override { return "in-process"; }
  std::string base_url() const override { return "http://in-process"; }

  std::string Begin(const Scenario& scenario) override {
    End();
    StartEngine(scenario, clock_, engine_);
    api_ = std::make_unique<server::Api>(*engine_);
    HttpResponse put =
        Send({"PUT", "/_mock/workspaces/" + scenario.api_key, {}, scenario.workspace.dump()});
    if (put.status / 100 != 2) {
      return "PUT /_mock/workspaces/" + scenario.api_key + " answered " +
             std::to_string(put.status) + ": " + put.body;
    }
    return "";
  }

  HttpResponse Send(const HttpRequest& request) override {
    server::ApiRequest api_request;
    api_request.method = request.method;
    std::string path = request.path;
    std::string query;
    if (auto q = path.find('?'); q != std::string::npos) {
      query = path.substr(q + 1);
      path.resize(q);
    }
    api_request.path = PercentDecode(path, false);
    std::size_t pos = 0;
    while (!query.empty() && pos <= query.size()) {
      std::size_t amp = query.find('&', pos);
      std::string part =
          query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
      if (!part.empty()) {
        std::size_t eq = part.find('=');
        api_request.query.emplace_back(
            PercentDecode(part.substr(0, eq), true),
            eq == std::string::npos ? "" : PercentDecode(part.substr(eq + 1), true));
      }
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
    for (const auto& [k, v] : request.headers) api_request.headers[k] = v;
    api_request.body = request.body;
    server::ApiResponse api_response = api_->Handle(api_request);
    HttpResponse response;
    response.status = api_response.status;
    for (const auto& [k, v] : api_response.headers) response.headers[Lower(k)] = v;
    response.body = api_response.body;
    return response;
  }

  void End() override {
    api_.reset();
    engine_.reset();
    clock_.reset();
  }

 private:
  std::unique_ptr<ManualClock> clock_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<server::Api> api_;
};

// ---- HTTP --------------------------------------------------------------------------

class HttpTarget final : public Target {
 public:
  explicit HttpTarget(std::string base_url) : base_url_(std::move(base_url)) {
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  }
  std::string name() const override { return "http"; }
  std::string base_url() const override { return base_url_; }

  std::string Begin(const Scenario& scenario) override {
    client_ = std::make_unique<httplib::Client>(base_url_);
    client_->set_tcp_nodelay(true);  // Without it every keep-alive request stalls ~40 ms.
    client_->set_keep_alive(true);
    client_->set_connection_timeout(std::chrono::seconds(5));
    client_->set_read_timeout(std::chrono::seconds(30));
    const std::string key = scenario.api_key;
    HttpResponse put = Send({"PUT",
                             "/_mock/workspaces/" + key,
                             {{"Content-Type", "application/json"}},
                             scenario.workspace.dump()});
    if (put.status / 100 != 2) return Explain("PUT /_mock/workspaces/" + key, put);
    // Reseeded with the scenario's seed: the same ids and seeded choices
    // (Segment delivery simulation) as the in-process run.
    Json reset_body = {{"seed", scenario.seed}};
    HttpResponse reset = Send({"POST",
                               "/_mock/reset?workspace=" + key,
                               {{"Content-Type", "application/json"}},
                               reset_body.dump()});
    if (reset.status / 100 != 2) return Explain("POST /_mock/reset", reset);
    Json body = {{"now", scenario.start_text}};
    HttpResponse set =
        Send({"POST", "/_mock/clock/set", {{"Content-Type", "application/json"}}, body.dump()});
    if (set.status / 100 != 2) {
      // A server whose clock already stands at the start time needs no setting.
      HttpResponse clock = Send({"GET", "/_mock/clock", {}, ""});
      Json now = clock.JsonBody();
      if (!(now.is_object() && now.contains("now_ms") && now["now_ms"] == scenario.start)) {
        return Explain(
            "POST /_mock/clock/set (the scenario's start time " + scenario.start_text + ")", set);
      }
    }
    return "";
  }

  HttpResponse Send(const HttpRequest& request) override {
    HttpResponse response;
    if (!client_) {
      response.error = "target not started";
      return response;
    }
    httplib::Request req;
    req.method = request.method;
    std::string path = request.path;
    std::string query;
    if (auto q = path.find('?'); q != std::string::npos) {
      query = path.substr(q);
      path.resize(q);
    }
    req.path = PercentEncode(path, false) + PercentEncode(query, true);
    for (const auto& [k, v] : request.headers) req.headers.emplace(k, v);
    req.body = request.body;
    if (!request.body.empty() && !req.has_header("Content-Type")) {
      req.headers.emplace("Content-Type", "application/json");
    }
    auto result = client_->send(req);
    if (!result) {
      response.error = "HTTP request failed: " + httplib::to_string(result.error());
      return response;
    }
    response.status = result->status;
    for (const auto& [k, v] : result->headers) response.headers[Lower(k)] = v;
    response.body = result->body;
    return response;
  }

  void End() override { client_.reset(); }

 private:
  static std::string Explain(const std::string& what, const HttpResponse& r) {
    if (!r.error.empty()) return what + ": " + r.error;
    return what + " answered " + std::to_string(r.status) + ": " + r.body;
  }

  std::string base_url_;
  std::unique_ptr<httplib::Client> client_;
};

// ---- Local server ------------------------------------------------------------------

class LocalServerTarget final : public Target {
 public:
  std::string name() const override { return "http"; }
  std::string base_url() const override { return http_ ? http_->base_url() : "http://127.0.0.1:0"; }

  std::string Begin(const Scenario& scenario) override {
    End();
    StartEngine(scenario, clock_, engine_);
    server::ServerOptions server_options;
    server_options.host = "127.0.0.1";
    server_options.port = 0;
    server_options.threads = 2;
    server_ = std::make_unique<server::Server>(*engine_, server_options);
    if (!server_->Start()) return "cannot start the local server: " + server_->error();
    http_ = std::make_unique<HttpTarget>(server_->base_url());
    return http_->Begin(scenario);
  }

  HttpResponse Send(const HttpRequest& request) override { return http_->Send(request); }

  void End() override {
    if (http_) http_->End();
    if (server_) server_->Stop();
    http_.reset();
    server_.reset();
    engine_.reset();
    clock_.reset();
  }
  ~LocalServerTarget() override { End(); }

 private:
  std::unique_ptr<ManualClock> clock_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<HttpTarget> http_;
};

}  // namespace

Json HttpResponse::JsonBody() const {
  if (body.empty()) return Json();
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Json(body);
  return parsed;
}

std::unique_ptr<Target> MakeInProcessTarget() { return std::make_unique<InProcessTarget>(); }

std::unique_ptr<Target> MakeHttpTarget(const std::string& base_url) {
  return std::make_unique<HttpTarget>(base_url);
}

std::unique_ptr<Target> MakeLocalServerTarget() { return std::make_unique<LocalServerTarget>(); }

std::string BasicAuth(const std::string& text) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < text.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(text[i]) << 16) |
                 (static_cast<unsigned char>(text[i + 1]) << 8) |
                 static_cast<unsigned char>(text[i + 2]);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  if (i + 1 == text.size()) {
    unsigned n = static_cast<unsigned char>(text[i]) << 16;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == text.size()) {
    unsigned n = (static_cast<unsigned char>(text[i]) << 16) |
                 (static_cast<unsigned char>(text[i + 1]) << 8);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += '=';
  }
  return "Basic " + out;
}

}  // namespace mock_courier::conformance
