#pragma once
/// The node's effective configuration and how it is loaded.
///
/// Sources, lowest to highest precedence: built-in defaults < `--config FILE` (`name = value` lines)
/// < environment (`CHAT_<NAME>`) < command-line flags (`--name=value` or `--name value`).
/// The option rows (names, types, ranges, help, the field each one sets) are in config_table.cpp;
/// the defaults are the fields' initial values in node_config{}.

#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

#include "actors/assistant_actor.hpp"
#include "actors/retention_actor.hpp"
#include "actors/search_indexer.hpp"
#include "actors/realtime.hpp"
#include "ai/ai_options.hpp"
#include "app/options.hpp"
#include "net/server.hpp"
#include "storage/chat_store.hpp"
#include "storage/redis_url.hpp"

namespace chat::app {

/// Everything the node is configured with. The libraries' own option structs are members, passed
/// to the libraries as they are: their member initializers are the defaults (--help and
/// --print-config read them from a default-constructed node_config). Only what no library owns is
/// a field of its own here, with its default written here.
struct node_config {
  // -- the libraries' options
  net::server_options server;        ///< listeners, HTTP limits, rate limits, live (WebSocket / SSE), commands
  storage::store_options store;      ///< session lifetime, overload shedding, server id
  actors::realtime_options realtime; ///< rooms, sessions, presence (library defaults but a few)
  actors::assistant_options assistant; ///< the AI assistant (issue #21; used when a backend is configured)
  actors::search_indexer_options search; ///< message search indexing (issue #22; interval 0: off)
  actors::retention_options retention;  ///< history retention (issue #26; off unless a limit is set)
  ai::ai_options ai;                   ///< its backend (kind: resolve_ai(), from --ai-url / --ai-webhook-url)
  std::string ai_webhook_url;          ///< --ai-webhook-url (becomes ai.url with kind n8n)
  std::string ai_api_key_file;         ///< --ai-api-key-file (read into ai.api_key)
  // -- Redis and identity
  /// The default is storage::redis_endpoint's (host, port, database) as a URL.
  std::string redis_url = "redis://" + storage::describe(storage::redis_endpoint{});
  /// --redis-sentinels (host:port list; empty: no Sentinel, --redis-url's host and port are used).
  std::string redis_sentinels;
  std::string redis_master_name;       ///< --redis-master-name (required with sentinels)
  std::string redis_sentinel_password; ///< --redis-sentinel-password (AUTH to the sentinels)
  std::string server_id; ///< also store.server_id; the default is computed (config_table.cpp)
  std::vector<std::string> admins;
  bool seed_demo = false;
  // -- threads
  unsigned threads = 2;
  unsigned hash_threads = 1;
  unsigned actor_threads = 1;
  std::string actor_scheduler = "sharing";
  unsigned bcrypt_cost = 10;
  // -- timeouts
  std::chrono::seconds drain_timeout{30};
  // -- logging
  std::string log_level = "info";
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
