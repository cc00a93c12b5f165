#include "proc_sampler.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace bench {

std::vector<ProcSampler::Sample> ProcSampler::sample() const {
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::vector<Sample> out;
  for (int pid : pids_) {
    Sample s;
    s.pid = pid;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (std::getline(stat, line)) {
      auto rp = line.rfind(')');  // comm may contain spaces
      if (rp != std::string::npos) {
        std::istringstream in(line.substr(rp + 2));
        std::string field;
        unsigned long long utime = 0, stime = 0;
        // Fields after comm start at #3 (state); utime is #14, stime #15.
        for (int i = 3; i <= 15 && in >> field; ++i) {
          if (i == 14) utime = std::stoull(field);
          if (i == 15) stime = std::stoull(field);
        }
        s.cpu_seconds = static_cast<double>(utime + stime) / ticks;
        s.ok = true;
      }
    }
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    while (std::getline(status, line)) {
      if (line.rfind("VmRSS:", 0) == 0) {
        s.rss_kb = std::stoll(line.substr(6));
        break;
      }
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace bench
