#pragma once
/// Internal to chat_storage: state shared by the chat_store_*.cpp files and reply helpers.
/// Callbacks handed to Redis never capture the chat_store itself (it may be destroyed while
/// replies are in flight): they capture the shared runner and the metrics pointer only.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/log.hpp"
#include "storage/chat_store.hpp"
#include "storage/key_schema.hpp"
#include "storage/redis_client.hpp"
#include "storage/script_runner.hpp"
#include "storage/search_feed.hpp"
#include "storage/send_batcher.hpp"

namespace chat::storage {

/// This process's side of the per-user connection limit (chat_store_connections.cpp): slot ids and
/// the releases Redis did not confirm yet. Shared with Redis callbacks.
struct connection_slots {
  std::string prefix;                    ///< "<server id>/<64 random bits, hex>/": this process's slot ids (set at construction)
  std::atomic<std::uint64_t> next{1};    ///< the next slot number
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> unconfirmed; ///< (user id, slot) to release again
};

struct chat_store::impl {
  impl(std::shared_ptr<redis_client> r, store_options o)
    : redis(r), scripts(std::make_shared<script_runner>(std::move(r))), opts(std::move(o)),
      sends(std::make_shared<send_batcher>(
        scripts, send_batcher::options{opts.server_id, 2, opts.tutorial_pubsub, opts.min_replicas_acked, opts.replica_ack_timeout},
        search))
  {}

  std::shared_ptr<redis_client> redis;
  std::shared_ptr<script_runner> scripts;
  store_options opts;
  std::shared_ptr<search_feed> search = std::make_shared<search_feed>(); ///< rooms to index (search.cpp)
  std::shared_ptr<send_batcher> sends; ///< every send_message goes through it
  std::mutex admin_mutex;
  std::vector<std::string> admin_names; ///< lower-case
  std::shared_ptr<connection_slots> slots = std::make_shared<connection_slots>();
};

namespace detail {

inline constexpr std::int64_t max_page = 1000;             ///< rows per history or replay read
inline constexpr std::size_t max_text_bytes = 64 * 1024;   ///< message text the store accepts

/// Delivers `e` with an empty value on the Redis strand (no Redis round trip).
template <class T>
void fail_soon(redis_client& redis, callback<T> done, errc e) {
  redis.post([done = std::move(done), e] { done(e, T{}); });
}

/// A page read of `room_id` asks Redis only when this is true. Clamps `rows` to max_page; otherwise
/// answers `done` at once: errc::invalid for a bad room id or a negative `rows`, errc::ok and no rows
/// when there is nothing to read (`rows` 0, or `nothing` set by the caller).
template <class T>
bool page_wanted(redis_client& redis, const std::string& room_id, std::int64_t& rows, callback<T>& done,
                 bool nothing = false) {
  if (!classify_room_id(room_id) || rows < 0) {
    fail_soon(redis, std::move(done), errc::invalid);
    return false;
  }
  rows = std::min(rows, max_page);
  if (rows == 0 || nothing) {
    fail_soon(redis, std::move(done), errc::ok);
    return false;
  }
  return true;
}

/// Maps a reply that is not the expected success: io_error → unavailable, anything else →
/// internal (logged with the operation name).
errc failure_of(const redis_reply& r, std::string_view op);

/// Logs an unexpected reply shape and returns errc::internal.
errc unexpected(const redis_reply& r, std::string_view op);

/// A channel's settings as kChannels' channel_meta answers them ({topic, owner, private, archived},
/// from `first` on in `r`'s elements) into `out` (`out.name` is left as it is). False for another shape.
bool parse_channel_meta(const redis_reply& r, std::size_t first, channel_settings& out);

/// True when `r` is an array whose first element is the string `status`.
bool tagged(const redis_reply& r, std::string_view status) noexcept;

/// The string/status text of a script's scalar reply, or "" for anything else.
const std::string& text_of(const redis_reply& r) noexcept;

/// True when a username may be looked up (1–256 bytes, no control characters).
bool is_lookup_username(std::string_view name) noexcept;

/// `done`, after marking `room_id` for the search indexer when the write succeeded (an edit, a
/// thread reply, an assistant's final text).
inline callback<written_event> indexed(const std::shared_ptr<search_feed>& feed, const std::string& room_id,
                                       callback<written_event> done) {
  return [feed, room_id, done = std::move(done)](errc e, written_event w) {
    if (e == errc::ok && w.seq > 0)
      feed->mark(room_id);
    done(e, std::move(w));
  };
}

/// Logs and counts (errors{kind="bad_stored_message"}) `skipped` unreadable stored rows of a room.
void report_unreadable(metrics::node_metrics* metrics, std::string_view room_id, std::int64_t skipped);

/// Runs a room event script (lua_fragments.hpp, kRoomEvent) with the common KEYS/ARGV prefix for
/// `room_id` and `user_id` (both valid) followed by `keys_tail` and `args_tail`; `on_reply` gets the
/// script's reply as it is (for kinds whose script answers more than the common reply).
void run_room_script(const script_runner& scripts, const std::string& server_id_json, const lua_script& script,
                     const std::string& room_id, std::string user_id, std::vector<std::string> keys_tail,
                     std::vector<std::string> args_tail, std::function<void(redis_reply)> on_reply);

/// run_room_script settling `done` with the common reply (parse_written_event); counts the publish.
void run_room_event_script(const script_runner& scripts, const std::string& server_id_json,
                           const lua_script& script, const std::string& room_id, std::string user_id,
                           std::vector<std::string> keys_tail, std::vector<std::string> args_tail,
                           callback<written_event> done);

} // namespace detail

} // namespace chat::storage
