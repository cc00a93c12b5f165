// chat_store: the common write of positioned room events (run_room_event_script) and their replay
// (events_after). The kinds themselves: message_events.cpp.
#include "storage/chat_store.hpp"

#include <algorithm>

#include "metrics/node_metrics.hpp"
#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/message_json.hpp"
#include "storage/room_event_replies.hpp"

namespace chat::storage {

namespace detail {

void run_room_script(const script_runner& scripts, const std::string& server_id_json, const lua_script& script,
                     const std::string& room_id, std::string user_id, std::vector<std::string> keys_tail,
                     std::vector<std::string> args_tail, std::function<void(redis_reply)> on_reply) {
  std::vector<std::string> keys;
  keys.reserve(3 + keys_tail.size());
  keys.push_back(keys::room(room_id));
  keys.push_back(keys::room_last_id(room_id));
  keys.push_back(keys::room_events(room_id));
  for (auto& k : keys_tail)
    keys.push_back(std::move(k));
  std::vector<std::string> args;
  args.reserve(5 + args_tail.size());
  args.push_back(server_id_json);
  args.push_back(keys::room_channel(room_id));
  args.push_back(room_id);
  args.push_back(json_string(room_id));
  args.push_back(std::move(user_id));
  for (auto& a : args_tail)
    args.push_back(std::move(a));
  scripts.run(script, std::move(keys), std::move(args), std::move(on_reply));
}

void run_room_event_script(const script_runner& scripts, const std::string& server_id_json,
                           const lua_script& script, const std::string& room_id, std::string user_id,
                           std::vector<std::string> keys_tail, std::vector<std::string> args_tail,
                           callback<written_event> done) {
  run_room_script(scripts, server_id_json, script, room_id, std::move(user_id), std::move(keys_tail),
                  std::move(args_tail),
                  [done = std::move(done), metrics = scripts.redis()->metrics(), op = script.name](redis_reply r) {
                    written_event ev;
                    auto e = parse_written_event(r, ev, op);
                    if (e == errc::ok && ev.seq > 0 && metrics != nullptr) // (seq 0: nothing changed)
                      metrics->pubsub_published().Increment();
                    done(e, std::move(ev));
                  });
}

} // namespace detail

void chat_store::events_after(std::string room_id, std::int64_t after, std::int64_t limit,
                              callback<std::vector<stored_event>> done) {
  if (!detail::page_wanted(*impl_->redis, room_id, limit, done))
    return;
  std::vector<std::string> keys{keys::room(room_id), keys::room_events(room_id), keys::room_horizon(room_id)};
  impl_->scripts->run(
    scripts::events_after, std::move(keys), {std::to_string(after), std::to_string(limit)},
    [done = std::move(done), room_id = std::move(room_id), metrics = impl_->redis->metrics()](redis_reply r) {
      std::vector<stored_event> out;
      std::int64_t skipped = 0;
      if (!parse_event_rows(r, room_id, out, skipped)) {
        done(detail::failure_of(r, "events_after"), {});
        return;
      }
      detail::report_unreadable(metrics, room_id, skipped);
      done(errc::ok, std::move(out));
    });
}

} // namespace chat::storage
