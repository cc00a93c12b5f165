#pragma once
#include <array>
#include <atomic>
#include <cstdint>

namespace bench {

// Lock-free log-linear latency histogram in microseconds (32 sub-buckets per power of two, ~3%
// resolution). Fixed array of atomics: recording never allocates.
class Histogram {
 public:
  static constexpr int kSubBits = 5;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = 60 * kSub;

  void record(std::int64_t micros);
  void reset();
  std::uint64_t count() const;
  // Upper bound of the bucket holding the q-quantile (0 < q <= 1), in microseconds.
  std::int64_t percentile(double q) const;
  std::int64_t max() const { return max_.load(std::memory_order_relaxed); }

 private:
  static int index(std::uint64_t v);
  static std::uint64_t upper(int idx);

  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
  std::atomic<std::int64_t> max_{0};
};

}  // namespace bench
