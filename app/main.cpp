// chatnode: parse the configuration, set up logging and metrics, run the node.
// Exit codes: 0 clean shutdown, 1 runtime failure (e.g. port in use), 2 bad configuration.

#include <csignal>
#include <exception>
#include <iostream>

#include "app/config.hpp"
#include "app/node.hpp"
#include "metrics/log.hpp"
#include "metrics/node_metrics.hpp"

#ifndef CHAT_VERSION
#define CHAT_VERSION "0.0.0"
#endif
#ifndef CHAT_REVISION
#define CHAT_REVISION "unknown"
#endif

int main(int argc, char** argv) {
  // hiredis writes with write(2): a Redis that went away must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);

  chat::app::node_config cfg;
  switch (chat::app::load_config(argc, argv, cfg, std::cout, std::cerr)) {
    case chat::app::config_action::run: break;
    case chat::app::config_action::error: return 2;
    case chat::app::config_action::help:
    case chat::app::config_action::version:
    case chat::app::config_action::print_config: return 0;
  }

  chat::log::level lvl = chat::log::level::info;
  chat::log::parse_level(cfg.log_level, lvl); // validated by the option table
  chat::log::configure(lvl, cfg.server_id);

  try {
    chat::metrics::node_metrics metrics(cfg.server_id, CHAT_VERSION, CHAT_REVISION);
    chat::app::node node(cfg, metrics);
    return node.run();
  } catch (const std::exception& e) {
    chat::log::error("fatal", {{"err", e.what()}});
    std::cerr << "chatnode: fatal: " << e.what() << "\n";
    return 1;
  }
}
