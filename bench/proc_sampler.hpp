#pragma once
#include <cstdint>
#include <vector>

namespace bench {

// Samples server processes from /proc: CPU ticks (utime+stime of /proc/PID/stat) and VmRSS.
class ProcSampler {
 public:
  struct Sample {
    int pid = 0;
    bool ok = false;
    double cpu_seconds = 0;
    std::int64_t rss_kb = 0;
  };
  explicit ProcSampler(std::vector<int> pids) : pids_(std::move(pids)) {}
  std::vector<Sample> sample() const;
  const std::vector<int>& pids() const { return pids_; }

 private:
  std::vector<int> pids_;
};

}  // namespace bench
