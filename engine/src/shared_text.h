// SharedText: immutable text held by several records at once (an outbound
// Segment call is kept by the outbox and by the fake Segment API), in one
// allocation: a reference count, the length and the bytes. A
// shared_ptr<const std::string> takes two (its control block holding the
// string, and the string's buffer), and every message makes two such calls.
// Internal to the engine.
//
// Copies share; the count is atomic, since the holders may be guarded by
// different locks (a workspace's and the fake Segment API's).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "prefetch.h"

namespace mock_courier {

class SharedText {
 public:
  SharedText() = default;
  // A new text holding a copy of `text`.
  static SharedText Copy(std::string_view text);
  // A new text holding what `write` appends to an empty string: written in
  // one buffer per thread, then copied out at its size (one allocation).
  // `write` must not call Written itself.
  static SharedText Written(const std::function<void(std::string&)>& write);

  SharedText(const SharedText& other) noexcept : block_(other.block_) { Retain(); }
  SharedText(SharedText&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  SharedText& operator=(const SharedText& other) noexcept {
    SharedText copy(other);
    std::swap(block_, copy.block_);
    return *this;
  }
  SharedText& operator=(SharedText&& other) noexcept {
    SharedText taken(std::move(other));
    std::swap(block_, taken.block_);
    return *this;
  }
  ~SharedText() { Release(); }

  explicit operator bool() const { return block_ != nullptr; }
  // The text ("" for none); valid while this or a copy lives.
  std::string_view view() const {
    return block_ == nullptr ? std::string_view() : std::string_view(Bytes(block_), block_->size);
  }
  std::string_view operator*() const { return view(); }
  // Asks for the text's block, for releasing it (prefetch.h).
  void PrefetchBlock() const {
    if (block_ != nullptr) mock_courier::PrefetchBlock(block_);
  }

 private:
  struct Block {
    std::atomic<std::uint32_t> refs;
    std::size_t size;
  };
  static const char* Bytes(const Block* block) {
    return reinterpret_cast<const char*>(block) + sizeof(Block);
  }
  void Retain() const {
    if (block_ != nullptr) block_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void Release();

  Block* block_ = nullptr;
};

}  // namespace mock_courier
