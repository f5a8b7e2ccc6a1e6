// CheckoutApp: the "application" of this example. It reports checkout events
// to Courier the way Segment's Courier (Actions) destination delivers them:
// POST {base_url}/inbound/segment with "Authorization: Bearer <api key>"
// (https://www.courier.com/docs/external-integrations/cdp/segment/).
#pragma once

#include <string>

class CheckoutApp {
 public:
  CheckoutApp(std::string courier_base_url, std::string courier_api_key);

  // Each returns the HTTP status Courier answered (202 when accepted), or -1
  // when it could not be reached.
  int VisitCheckout(const std::string& user_id, const std::string& item, const std::string& cart_id,
                    double total);
  int CompleteCheckout(const std::string& user_id, const std::string& cart_id);

 private:
  int Track(const std::string& user_id, const std::string& event, const std::string& properties);

  std::string base_url_;
  std::string api_key_;
  int sequence_ = 0;
};
