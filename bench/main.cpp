// chatbench: load generator for GuideOps Chat Node. See bench/README.md.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <unistd.h>

#include "clock.hpp"
#include "options.hpp"
#include "runner.hpp"

int main(int argc, char** argv) {
  bench::now_ns();  // pin the clock origin
  bench::Options opt;
  try {
    opt.parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "chatbench: " << e.what() << "\n";
    return 2;
  }
  if (opt.help) {
    std::cout << bench::Options::usage();
    return 0;
  }
  // Hard bound on the whole run, whatever phase is stuck (HTTP setup is blocking).
  std::thread([limit = opt.max_seconds + 5] {
    std::this_thread::sleep_for(std::chrono::duration<double>(limit));
    std::cerr << "chatbench: --max-seconds exceeded, exiting\n";
    std::cout.flush();
    ::_exit(3);
  }).detach();
  try {
    bench::Runner runner(opt);
    return runner.run();
  } catch (const std::exception& e) {
    std::cerr << "chatbench: " << e.what() << "\n";
    return 1;
  }
}
