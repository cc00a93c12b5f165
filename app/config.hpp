#pragma once
/// The node's effective configuration and how it is loaded.
///
/// Sources, lowest to highest precedence: built-in defaults < `--config FILE` (`name = value` lines)
/// < environment (`CHAT_<NAME>`) < command-line flags (`--name=value` or `--name value`).
/// The option rows (names, types, defaults, ranges, help) are in config_table.cpp.

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "app/options.hpp"

namespace chat::app {

struct node_config {
  // -- listeners
  std::string bind;
  std::uint16_t port = 0;
  std::uint16_t internal_port = 0;
  std::string web_root;
  std::vector<std::string> allowed_origins;
  bool cookie_secure = false;
  // -- Redis and identity
  std::string redis_url;
  std::string server_id;
  std::vector<std::string> admins;
  bool seed_demo = false;
  // -- threads
  unsigned threads = 0;
  unsigned hash_threads = 0;
  unsigned actor_threads = 0;
  std::string actor_scheduler;
  unsigned bcrypt_cost = 0;
  // -- limits
  std::size_t max_body_bytes = 0;
  std::size_t max_header_bytes = 0;
  std::size_t max_message_chars = 0;
  std::size_t max_ws_frame_bytes = 0;
  std::size_t ws_write_delay_ms = 0;
  std::size_t ws_write_delay_max_ms = 0;
  std::size_t redis_max_queue_delay_ms = 0;
  unsigned login_attempts_per_minute = 0;
  unsigned messages_per_10s = 0;
  // -- timeouts
  std::chrono::seconds session_ttl{0};
  std::chrono::seconds request_timeout{0};
  std::chrono::seconds ws_idle_timeout{0};
  std::chrono::seconds drain_timeout{0};
  // -- logging
  std::string log_level;
  // -- meta
  std::string config_file; ///< the --config file that was read (empty = none)
};

/// The option table (one row per option; defined in config_table.cpp).
const std::vector<option>& option_table();

/// What main should do after load_config.
enum class config_action {
  run,          ///< start the node
  help,         ///< --help was printed: exit 0
  version,      ///< --version was printed: exit 0
  print_config, ///< --print-config was printed: exit 0
  error,        ///< a bad flag or value was reported on stderr: exit 2
};

/// Loads the configuration from defaults, the config file, the environment (via getenv) and argv.
/// Prints --help / --version / --print-config to `out`, and errors (one line) and warnings (unknown
/// config-file keys) to `err`.
config_action load_config(int argc, const char* const* argv, node_config& cfg, std::ostream& out,
                          std::ostream& err);

/// `chatnode 0.1.0 (revision abc1234)`.
std::string version_line();

} // namespace chat::app
