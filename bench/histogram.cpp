#include "histogram.hpp"

#include <algorithm>

namespace bench {

int Histogram::index(std::uint64_t v) {
  if (v < static_cast<std::uint64_t>(kSub)) return static_cast<int>(v);
  int msb = 63 - __builtin_clzll(v);
  int e = msb - kSubBits + 1;
  int idx = e * kSub + static_cast<int>((v >> (e - 1)) - kSub);
  return idx < kBuckets ? idx : kBuckets - 1;
}

std::uint64_t Histogram::upper(int idx) {
  int e = idx / kSub, m = idx % kSub;
  if (e == 0) return static_cast<std::uint64_t>(m);
  return ((static_cast<std::uint64_t>(m + kSub)) << (e - 1)) + (1ULL << (e - 1)) - 1;
}

int Histogram::shard_of_this_thread() {
  static std::atomic<int> next{0};
  thread_local const int shard = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shard;
}

void Histogram::record(std::int64_t micros) {
  if (micros < 0) micros = 0;
  auto& s = shards_[static_cast<std::size_t>(shard_of_this_thread())];
  s.buckets[static_cast<std::size_t>(index(static_cast<std::uint64_t>(micros)))].fetch_add(1, std::memory_order_relaxed);
  auto cur = s.max.load(std::memory_order_relaxed);  // more threads than shards may share one
  while (micros > cur && !s.max.compare_exchange_weak(cur, micros, std::memory_order_relaxed)) {
  }
}

void Histogram::reset() {
  for (auto& s : shards_) {
    for (auto& b : s.buckets) b.store(0, std::memory_order_relaxed);
    s.max.store(0, std::memory_order_relaxed);
  }
}

std::uint64_t Histogram::bucket(int idx) const {
  std::uint64_t n = 0;
  for (auto& s : shards_) n += s.buckets[static_cast<std::size_t>(idx)].load(std::memory_order_relaxed);
  return n;
}

std::int64_t Histogram::max() const {
  std::int64_t m = 0;
  for (auto& s : shards_) m = std::max(m, s.max.load(std::memory_order_relaxed));
  return m;
}

std::uint64_t Histogram::count() const {
  std::uint64_t n = 0;
  for (int i = 0; i < kBuckets; ++i) n += bucket(i);
  return n;
}

std::int64_t Histogram::percentile(double q) const {
  std::uint64_t total = count();
  if (total == 0) return 0;
  auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total) + 0.5);
  if (rank < 1) rank = 1;
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += bucket(i);
    if (seen >= rank) {
      auto u = static_cast<std::int64_t>(upper(i));
      return u < max() ? u : max();
    }
  }
  return max();
}

}  // namespace bench
