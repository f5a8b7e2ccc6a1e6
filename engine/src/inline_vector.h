// InlineVector: a vector of trivially copyable values whose first N live
// inside the object, for the short lists a send builds and drops (the one or
// two channels a message is routed to). Internal to the engine.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>
#include <vector>

namespace mock_courier {

template <typename T, std::size_t N>
class InlineVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  void push_back(const T& value) {
    if (heap_.empty() && size_ < N) {
      inline_[size_++] = value;
      return;
    }
    if (heap_.empty()) heap_.assign(inline_.begin(), inline_.begin() + size_);
    heap_.push_back(value);
    ++size_;
  }
  const T* begin() const { return heap_.empty() ? inline_.data() : heap_.data(); }
  const T* end() const { return begin() + size_; }
  const T& front() const { return *begin(); }
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

 private:
  std::size_t size_ = 0;
  std::array<T, N> inline_{};
  std::vector<T> heap_;  // All the values once there are more than N.
};

}  // namespace mock_courier
