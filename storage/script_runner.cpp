#include "storage/script_runner.hpp"

#include "metrics/log.hpp"

namespace chat::storage {

script_runner::script_runner(std::shared_ptr<redis_client> redis) : redis_(std::move(redis)) {}

void script_runner::run(const lua_script& script, std::vector<std::string> keys,
                        std::vector<std::string> args, redis_client::reply_handler done) const {
  auto argv = std::make_shared<std::vector<std::string>>();
  argv->reserve(3 + keys.size() + args.size());
  argv->emplace_back("EVALSHA");
  argv->emplace_back(script.sha1);
  argv->emplace_back(std::to_string(keys.size()));
  for (auto& k : keys)
    argv->push_back(std::move(k));
  for (auto& a : args)
    argv->push_back(std::move(a));
  std::string label = "EVALSHA:";
  label.append(script.name);
  std::shared_ptr<const std::vector<std::string>> shared = std::move(argv); // kept for the NOSCRIPT fallback
  redis_->command(shared, std::move(label),
                  [redis = redis_, &script, shared, done = std::move(done)](redis_reply r) mutable {
                    if (!r.error_starts_with("NOSCRIPT")) {
                      done(std::move(r));
                      return;
                    }
                    log::debug("redis_script_reload", {{"script", script.name}});
                    auto retry = *shared; // the rare path copies
                    retry[0] = "EVAL";
                    retry[1].assign(script.body);
                    std::string eval_label = "EVAL:";
                    eval_label.append(script.name);
                    redis->command(std::move(retry), std::move(eval_label), std::move(done));
                  });
}

} // namespace chat::storage
