#pragma once
#include <array>
#include <atomic>
#include <cstdint>

namespace bench {

// Lock-free log-linear latency histogram in microseconds (32 sub-buckets per power of two, ~3%
// resolution). Fixed arrays of atomics: recording never allocates. Each recording thread gets its
// own shard (a load generator records hundreds of thousands of latencies per second from every
// event loop; one shared array would bounce its cache lines between the cores); readers sum them.
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
  std::int64_t max() const;

 private:
  static constexpr int kShards = 8;
  struct alignas(64) Shard {
    std::array<std::atomic<std::uint64_t>, kBuckets> buckets{};
    std::atomic<std::int64_t> max{0};
  };

  static int index(std::uint64_t v);
  static std::uint64_t upper(int idx);
  static int shard_of_this_thread();
  std::uint64_t bucket(int idx) const;

  std::array<Shard, kShards> shards_{};
};

}  // namespace bench
