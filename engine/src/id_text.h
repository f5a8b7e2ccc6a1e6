// IdText: a record's id, held inline. Internal to the engine.
//
// Courier-style ids (mock_courier/ids.h) are 35 characters. In a std::string
// such an id takes the string's 32 bytes and a 48-byte heap block besides, in
// every message and every run: about a twentieth of what a waiting run holds.
// An IdText keeps up to kInline bytes in its own 40 and only a longer id (a
// message id a caller chose) on the heap. It reads as a std::string_view.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "json_util.h"
#include "mock_courier/clock.h"
#include "mock_courier/ids.h"

namespace mock_courier {

class IdText {
 public:
  static constexpr std::size_t kInline = 39;

  IdText() = default;
  IdText(std::string_view text) { Assign(text); }  // NOLINT(google-explicit-constructor)
  IdText(const std::string& text) : IdText(std::string_view(text)) {}  // NOLINT
  IdText(const char* text) : IdText(std::string_view(text)) {}         // NOLINT
  IdText(const IdText& other) : IdText(other.view()) {}
  IdText(IdText&& other) noexcept { Take(other); }
  IdText& operator=(const IdText& other) {
    if (this != &other) *this = other.view();
    return *this;
  }
  IdText& operator=(IdText&& other) noexcept {
    if (this != &other) {
      Release();
      Take(other);
    }
    return *this;
  }
  IdText& operator=(std::string_view text) {
    // `text` may view this id's own bytes: copy before releasing them.
    IdText copy(text);
    return *this = std::move(copy);
  }
  IdText& operator=(const std::string& text) { return *this = std::string_view(text); }
  IdText& operator=(const char* text) { return *this = std::string_view(text); }
  ~IdText() { Release(); }

  std::string_view view() const {
    return on_heap() ? std::string_view(*Heap()) : std::string_view(bytes_, size_);
  }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)
  std::string str() const { return std::string(view()); }
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return view().size(); }
  // Whether the id lives on the heap (longer than kInline): for the tests.
  bool on_heap() const { return size_ == kOnHeap; }

  friend bool operator==(const IdText& a, const IdText& b) { return a.view() == b.view(); }
  friend bool operator==(const IdText& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const IdText& a, const std::string& b) { return a.view() == b; }
  friend bool operator==(const IdText& a, const char* b) { return a.view() == b; }
  friend std::string operator+(std::string_view a, const IdText& b) {
    std::string out(a);
    out += b.view();
    return out;
  }
  friend std::string operator+(const IdText& a, std::string_view b) {
    std::string out(a.view());
    out += b;
    return out;
  }
  friend void to_json(Json& json, const IdText& id) { json = id.view(); }

 private:
  static constexpr std::uint8_t kOnHeap = 0xFF;
  static_assert(kInline < kOnHeap);

  void Assign(std::string_view text) {
    if (text.size() <= kInline) {
      if (!text.empty()) std::memcpy(bytes_, text.data(), text.size());
      size_ = static_cast<std::uint8_t>(text.size());
    } else {
      auto* heap = new std::string(text);
      std::memcpy(bytes_, &heap, sizeof heap);
      size_ = kOnHeap;
    }
  }
  void Take(IdText& other) {
    std::memcpy(bytes_, other.bytes_, sizeof bytes_);
    size_ = std::exchange(other.size_, std::uint8_t{0});
  }
  std::string* Heap() const {
    std::string* heap = nullptr;
    std::memcpy(&heap, bytes_, sizeof heap);
    return heap;
  }
  void Release() {
    if (on_heap()) delete Heap();
    size_ = 0;
  }

  char bytes_[kInline] = {};
  std::uint8_t size_ = 0;
};
static_assert(sizeof(IdText) == IdText::kInline + 1);
static_assert(IdGenerator::kIdLength <= IdText::kInline);

// The next id of `ids` (IdGenerator::Next), written in place.
inline IdText NextIdText(IdGenerator& ids, TimePoint now) {
  char text[IdGenerator::kIdLength];
  ids.NextInto(now, text);
  return IdText(std::string_view(text, sizeof text));
}

}  // namespace mock_courier
