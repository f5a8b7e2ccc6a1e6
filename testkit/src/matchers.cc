#include "mock_courier/testing/matchers.h"

namespace mock_courier::testing::matchers_internal {
namespace {

// `subset` is in `value`: objects by key (recursively), everything else by equality.
bool Contains(const nlohmann::json& value, const nlohmann::json& subset) {
  if (!subset.is_object()) return value == subset;
  if (!value.is_object()) return false;
  for (const auto& [key, expected] : subset.items()) {
    auto it = value.find(key);
    if (it == value.end() || !Contains(*it, expected)) return false;
  }
  return true;
}

}  // namespace

bool PropertiesMatcher::MatchAndExplain(const SegmentCall& call,
                                        ::testing::MatchResultListener* listener) const {
  if (Contains(call.properties, subset_)) return true;
  *listener << "properties are " << call.properties.dump();
  return false;
}

void PropertiesMatcher::DescribeTo(std::ostream* os) const {
  *os << "properties contain " << subset_.dump();
}

void PropertiesMatcher::DescribeNegationTo(std::ostream* os) const {
  *os << "properties don't contain " << subset_.dump();
}

bool CanceledByMatcher::MatchAndExplain(const AutomationRun& run,
                                        ::testing::MatchResultListener* listener) const {
  if (run.status == RunStatus::kCanceled && run.cancelation_token == token_) return true;
  *listener << "status is " << ToString(run.status) << " and cancelation token is "
            << ::testing::PrintToString(run.cancelation_token);
  return false;
}

void CanceledByMatcher::DescribeTo(std::ostream* os) const {
  *os << "status is CANCELED and cancelation token is " << ::testing::PrintToString(token_);
}

void CanceledByMatcher::DescribeNegationTo(std::ostream* os) const {
  *os << "status isn't CANCELED or cancelation token isn't " << ::testing::PrintToString(token_);
}

}  // namespace mock_courier::testing::matchers_internal
