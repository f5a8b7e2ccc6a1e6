#include "call_text.h"

namespace mock_courier {

SharedText CallText::Text() const {
  if (source_ == nullptr) return text_;
  return SharedText::Written([this](std::string& out) { source_->Write(out); });
}

}  // namespace mock_courier
