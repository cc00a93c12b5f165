// chat_store: message history reads (current state: edited text, tombstones) and the atomic send.
#include "storage/chat_store.hpp"

#include <algorithm>
#include <optional>

#include "metrics/node_metrics.hpp"
#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/lua_scripts.hpp"
#include "storage/mentions.hpp"
#include "storage/message_json.hpp"
#include "storage/message_media.hpp"
#include "storage/room_event_replies.hpp"

namespace chat::storage {

namespace {

/// The handler of a history page (flat member, score pairs): normalised rows; unreadable ones are
/// skipped and counted instead of failing the page.
redis_client::reply_handler page_handler(const script_runner& scripts, std::string room_id,
                                         callback<std::vector<stored_message>> done, const char* op) {
  return [done = std::move(done), room_id = std::move(room_id), metrics = scripts.redis()->metrics(),
          op](redis_reply r) {
    std::vector<stored_message> out;
    std::int64_t skipped = 0;
    if (!parse_message_rows(r, room_id, out, skipped)) {
      done(detail::failure_of(r, op), {});
      return;
    }
    detail::report_unreadable(metrics, room_id, skipped);
    done(errc::ok, std::move(out));
  };
}

/// No deeper offset than this reaches Redis (its Lua numbers are doubles); a deeper page is empty.
constexpr std::int64_t max_offset = std::int64_t{1} << 50;

} // namespace

namespace detail {

void report_unreadable(metrics::node_metrics* metrics, std::string_view room_id, std::int64_t skipped) {
  if (skipped <= 0)
    return;
  log::warn("stored_message_unreadable", {{"room", room_id}, {"skipped", skipped}});
  if (metrics != nullptr)
    metrics->errors("bad_stored_message").Increment(static_cast<double>(skipped));
}

} // namespace detail

void chat_store::messages_by_offset(std::string room_id, std::int64_t offset, std::int64_t size,
                                    callback<std::vector<stored_message>> done) {
  if (offset < 0) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  if (!detail::page_wanted(*impl_->redis, room_id, size, done, offset > max_offset))
    return;
  auto& scripts = *impl_->scripts;
  std::vector<std::string> keys{keys::room(room_id), keys::room_deleted(room_id)};
  scripts.run(scripts::history_by_offset, std::move(keys), {std::to_string(offset), std::to_string(size)},
              page_handler(scripts, std::move(room_id), std::move(done), "messages_by_offset"));
}

void chat_store::messages_before(std::string room_id, std::optional<std::int64_t> before, std::int64_t limit,
                                 callback<std::vector<stored_message>> done) {
  if (!detail::page_wanted(*impl_->redis, room_id, limit, done))
    return;
  std::string max = before ? "(" + std::to_string(*before) : std::string{"+inf"};
  auto& scripts = *impl_->scripts;
  std::vector<std::string> keys{keys::room(room_id), keys::room_deleted(room_id)};
  scripts.run(scripts::history_before, std::move(keys), {std::move(max), std::to_string(limit)},
              page_handler(scripts, std::move(room_id), std::move(done), "messages_before"));
}

std::chrono::steady_clock::duration chat_store::backlog(std::chrono::steady_clock::time_point now) const {
  return std::max(impl_->redis->queue_delay(now), impl_->sends->oldest_wait(now));
}

bool chat_store::admit_message() {
  // Behind a backlog the message would wait its length and add to it. Refusing it costs the
  // sender one retry; the messages already queued get through sooner.
  // The backlog is the older of the Redis command in flight longest and the message waiting
  // longest for its call (send_batcher).
  const auto limit = impl_->opts.max_queue_delay;
  if (limit.count() == 0)
    return true;
  const auto now = std::chrono::steady_clock::now();
  if (impl_->redis->queue_delay(now) <= limit && impl_->sends->oldest_wait(now) <= limit)
    return true;
  if (auto* m = impl_->redis->metrics())
    m->messages_shed().Increment();
  return false;
}

void chat_store::send_message(std::string room_id, std::string from_user_id, std::string text,
                              callback<sent_message> done) {
  send_message(std::move(room_id), std::move(from_user_id), std::move(text), message_extras{}, std::move(done));
}

void chat_store::send_message(std::string room_id, std::string from_user_id, std::string text,
                              message_extras extras, callback<sent_message> done) {
  if (!classify_room_id(room_id) || !is_valid_user_id(from_user_id) || text.size() > detail::max_text_bytes) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  if (!admit_message()) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::overloaded);
    return;
  }
  outgoing_message m{std::move(room_id), std::move(from_user_id), json_string(text), mention_candidates(text),
                     file_list(extras.attachments), std::move(extras.location_json), std::move(done)};
  if (!impl_->sends->add(m)) { // kMaxWaiting messages already wait for Redis
    if (auto* metrics = impl_->redis->metrics())
      metrics->messages_shed().Increment();
    detail::fail_soon(*impl_->redis, std::move(m.done), errc::overloaded);
  }
}

} // namespace chat::storage
