#include "histogram.hpp"

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

void Histogram::record(std::int64_t micros) {
  if (micros < 0) micros = 0;
  buckets_[index(static_cast<std::uint64_t>(micros))].fetch_add(1, std::memory_order_relaxed);
  auto cur = max_.load(std::memory_order_relaxed);
  while (micros > cur && !max_.compare_exchange_weak(cur, micros, std::memory_order_relaxed)) {
  }
}

void Histogram::reset() {
  for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
  max_.store(0, std::memory_order_relaxed);
}

std::uint64_t Histogram::count() const {
  std::uint64_t n = 0;
  for (auto& b : buckets_) n += b.load(std::memory_order_relaxed);
  return n;
}

std::int64_t Histogram::percentile(double q) const {
  std::uint64_t total = count();
  if (total == 0) return 0;
  auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total) + 0.5);
  if (rank < 1) rank = 1;
  std::uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= rank) {
      auto u = static_cast<std::int64_t>(upper(i));
      return u < max() ? u : max();
    }
  }
  return max();
}

}  // namespace bench
