#include "checkout_app.h"

#include <utility>

#include <httplib.h>
#include <nlohmann/json.hpp>

CheckoutApp::CheckoutApp(std::string courier_base_url, std::string courier_api_key)
    : base_url_(std::move(courier_base_url)), api_key_(std::move(courier_api_key)) {}

int CheckoutApp::VisitCheckout(const std::string& user_id, const std::string& item,
                               const std::string& cart_id, double total) {
  nlohmann::json properties = {{"item", item}, {"cart_id", cart_id}, {"total", total}};
  return Track(user_id, "Checkout Page Visited", properties.dump());
}

int CheckoutApp::CompleteCheckout(const std::string& user_id, const std::string& cart_id) {
  return Track(user_id, "Checkout Complete", nlohmann::json{{"cart_id", cart_id}}.dump());
}

int CheckoutApp::Track(const std::string& user_id, const std::string& event,
                       const std::string& properties) {
  // A Segment track event (https://segment.com/docs/connections/spec/track/).
  nlohmann::json body = {{"type", "track"},
                         {"event", event},
                         {"userId", user_id},
                         {"messageId", "checkout-app-" + std::to_string(++sequence_)},
                         {"properties", nlohmann::json::parse(properties)}};
  httplib::Client client(base_url_);
  auto result = client.Post("/inbound/segment", {{"Authorization", "Bearer " + api_key_}},
                            body.dump(), "application/json");
  return result ? result->status : -1;
}
