// chat_store: message history reads and the atomic send.
#include "storage/chat_store.hpp"

#include <algorithm>
#include <optional>

#include "metrics/node_metrics.hpp"
#include "storage/chat_store_impl.hpp"
#include "storage/key_schema.hpp"
#include "storage/message_json.hpp"

namespace chat::storage {

namespace {

constexpr std::int64_t max_page = 1000;
constexpr std::size_t max_text_bytes = 64 * 1024;

/// Runs one WITHSCORES range command and normalises the rows; unparseable rows are skipped and
/// counted (errors{kind="bad_stored_message"}) instead of failing the page.
void read_page(const std::shared_ptr<redis_client>& redis, std::vector<std::string> argv,
               std::string room_id, callback<std::vector<stored_message>> done, const char* op) {
  auto* metrics = redis->metrics();
  redis->command(std::move(argv), [done = std::move(done), room_id = std::move(room_id), metrics,
                                   op](redis_reply r) {
    if (!r.is_array() || r.elements.size() % 2 != 0) {
      done(detail::failure_of(r, op), {});
      return;
    }
    std::vector<stored_message> out;
    out.reserve(r.elements.size() / 2);
    std::int64_t skipped = 0;
    for (std::size_t i = 0; i < r.elements.size(); i += 2) {
      double score = 0;
      std::optional<stored_message> m;
      if (r.elements[i].is_string() && r.elements[i + 1].is_string() && parse_score(r.elements[i + 1].str, score))
        m = normalise_message(r.elements[i].str, score, room_id);
      if (m)
        out.push_back(std::move(*m));
      else
        ++skipped;
    }
    if (skipped > 0) {
      log::warn("stored_message_unreadable", {{"room", room_id}, {"skipped", skipped}});
      if (metrics != nullptr)
        metrics->errors("bad_stored_message").Increment(static_cast<double>(skipped));
    }
    done(errc::ok, std::move(out));
  });
}

} // namespace

void chat_store::messages_by_offset(std::string room_id, std::int64_t offset, std::int64_t size,
                                    callback<std::vector<stored_message>> done) {
  if (!classify_room_id(room_id) || offset < 0 || size < 0) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  size = std::min(size, max_page);
  if (size == 0) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::ok);
    return;
  }
  read_page(impl_->redis,
            {"ZREVRANGE", keys::room(room_id), std::to_string(offset), std::to_string(offset + size - 1),
             "WITHSCORES"},
            room_id, std::move(done), "messages_by_offset");
}

void chat_store::messages_before(std::string room_id, std::optional<std::int64_t> before, std::int64_t limit,
                                 callback<std::vector<stored_message>> done) {
  if (!classify_room_id(room_id) || limit < 0) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  limit = std::min(limit, max_page);
  if (limit == 0) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::ok);
    return;
  }
  std::string max = before ? "(" + std::to_string(*before) : std::string{"+inf"};
  read_page(impl_->redis,
            {"ZREVRANGEBYSCORE", keys::room(room_id), std::move(max), "-inf", "WITHSCORES", "LIMIT", "0",
             std::to_string(limit)},
            room_id, std::move(done), "messages_before");
}

void chat_store::messages_after(std::string room_id, std::int64_t after, std::int64_t limit,
                                callback<std::vector<stored_message>> done) {
  if (!classify_room_id(room_id) || limit < 0) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  limit = std::min(limit, max_page);
  if (limit == 0) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::ok);
    return;
  }
  read_page(impl_->redis,
            {"ZRANGEBYSCORE", keys::room(room_id), "(" + std::to_string(after), "+inf", "WITHSCORES", "LIMIT",
             "0", std::to_string(limit)},
            room_id, std::move(done), "messages_after");
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
  if (!classify_room_id(room_id) || !is_valid_user_id(from_user_id) || text.size() > max_text_bytes) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::invalid);
    return;
  }
  if (!admit_message()) {
    detail::fail_soon(*impl_->redis, std::move(done), errc::overloaded);
    return;
  }
  outgoing_message m{std::move(room_id), std::move(from_user_id), json_string(text), std::move(done)};
  if (!impl_->sends->add(m)) { // kMaxWaiting messages already wait for Redis
    if (auto* metrics = impl_->redis->metrics())
      metrics->messages_shed().Increment();
    detail::fail_soon(*impl_->redis, std::move(m.done), errc::overloaded);
  }
}

} // namespace chat::storage
