#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "options.hpp"
#include "proc_sampler.hpp"
#include "stats.hpp"

namespace bench {

// Builds the JSON objects chatbench prints on stdout.
class Report {
 public:
  struct Server {
    int pid = 0;
    double cpu_percent = -1;  // -1 = not sampled
    std::int64_t rss_kb = 0;
    double rss_per_connection_kb = 0;
  };
  struct Step {
    double target_rate = 0;
    double duration_s = 0;
    std::uint64_t connections_open = 0;
    double bench_cpu_percent = -1;  // chatbench's own CPU over the window (-1 = not sampled)
    double connect_s = -1;          // storm: seconds from the first connection to the last
    std::uint64_t presence_events = 0;      // presence events received since connecting (all)
    double presence_per_connection = 0;     // ... per open connection
    std::uint64_t presence_max_per_connection = 0;
    std::vector<Server> servers;
  };

  explicit Report(const Options& opt) : opt_(opt) {}
  std::string step(const Step& s, const Stats& st) const;
  static std::string sweep_summary(double limit_ms, double best_rate, double best_delivered_per_s,
                                   double best_p99_ms, const std::string& stop_reason, int retried_steps);

 private:
  const Options& opt_;
};

}  // namespace bench
