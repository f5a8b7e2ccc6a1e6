#include "call_text.h"

namespace mock_courier {

SharedText CallText::Text() const {
  if (source_ == nullptr) return text_;
  // One buffer per thread, copied out at its size: one allocation per text.
  thread_local std::string text;
  text.clear();
  source_->Write(text);
  SharedText out = SharedText::Copy(text);
  if (text.capacity() > 64 * 1024) std::string().swap(text);
  return out;
}

}  // namespace mock_courier
