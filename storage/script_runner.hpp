#pragma once
/// Runs lua_scripts with EVALSHA, falling back to EVAL when Redis answers NOSCRIPT (first use, or
/// after a Redis restart or SCRIPT FLUSH); EVAL also caches the script, so the next call is EVALSHA again.

#include <memory>
#include <string>
#include <vector>

#include "storage/lua_scripts.hpp"
#include "storage/redis_client.hpp"

namespace chat::storage {

class script_runner {
public:
  /// Runs scripts on `redis` (the command connection).
  explicit script_runner(std::shared_ptr<redis_client> redis);

  /// EVALSHA `script` with `keys` and `args`; `done` gets the final reply exactly once
  /// (metric label "EVALSHA:<name>", and "EVAL:<name>" for the fallback).
  void run(const lua_script& script, std::vector<std::string> keys, std::vector<std::string> args,
           redis_client::reply_handler done) const;

  /// The client scripts run on.
  const std::shared_ptr<redis_client>& redis() const noexcept { return redis_; }

private:
  std::shared_ptr<redis_client> redis_;
};

} // namespace chat::storage
