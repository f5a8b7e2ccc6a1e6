#include "shared_text.h"

#include <cstring>
#include <new>

namespace mock_courier {

SharedText SharedText::Copy(std::string_view text) {
  void* memory = ::operator new(sizeof(Block) + text.size());
  auto* block = new (memory) Block{{1}, text.size()};
  if (!text.empty())
    std::memcpy(reinterpret_cast<char*>(block) + sizeof(Block), text.data(), text.size());
  SharedText out;
  out.block_ = block;
  return out;
}

SharedText SharedText::Written(const std::function<void(std::string&)>& write) {
  thread_local std::string buffer;
  buffer.clear();
  write(buffer);
  SharedText out = Copy(buffer);
  if (buffer.capacity() > 64 * 1024) std::string().swap(buffer);  // Keep no large buffer.
  return out;
}

void SharedText::Release() {
  if (block_ == nullptr) return;
  if (block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    block_->~Block();
    ::operator delete(block_);
  }
  block_ = nullptr;
}

}  // namespace mock_courier
