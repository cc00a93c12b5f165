#include "storage/redis_file_store.hpp"

#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <openssl/rand.h>

#include "common/text.hpp"
#include "storage/key_schema.hpp"
#include "storage/redis_client.hpp"

namespace chat::storage {

namespace {

constexpr long long quota_ttl_seconds = 48 * 3600;

// KEYS: chat:file:{id}, quota counter. ARGV: room, owner, name, created ms, chunk size, ttl s,
// quota (0 = off), expected bytes. → 'ok' | 'quota_exceeded' | 'conflict' (the id exists).
const lua_script file_begin{"file_begin", R"lua(
local quota = tonumber(ARGV[7])
if quota > 0 and tonumber(redis.call('GET', KEYS[2]) or '0') + tonumber(ARGV[8]) > quota then
  return 'quota_exceeded'
end
if redis.call('EXISTS', KEYS[1]) == 1 then return 'conflict' end
redis.call('HSET', KEYS[1], 'room', ARGV[1], 'owner', ARGV[2], 'name', ARGV[3], 'size', '0',
  'created', ARGV[4], 'chunk', ARGV[5], 'state', 'uploading')
redis.call('EXPIRE', KEYS[1], ARGV[6])
return 'ok'
)lua"};

// The quota step of an append; the bytes themselves go in a plain HSET right behind it (a 256 KiB
// argument costs Redis 0.4-0.6 ms inside a script, against 0.1 ms as a command: docs/benchmarks.md,
// session 17). KEYS: chat:file:{id}, quota counter. ARGV: bytes, quota (0 = off), quota ttl s.
// → 'ok' | 'quota_exceeded' | 'gone'
const lua_script file_reserve{"file_reserve", R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 'gone' end
local n = tonumber(ARGV[1])
local quota = tonumber(ARGV[2])
if quota > 0 and tonumber(redis.call('GET', KEYS[2]) or '0') + n > quota then
  return 'quota_exceeded'
end
redis.call('INCRBY', KEYS[2], n)
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 'ok'
)lua"};

// KEYS: chat:file:{id}, chat:file:{id}:data. ARGV: size, type, width ('' = none), height, ttl s,
// name ('' = as begin() set it). → 'ok' | 'gone'
const lua_script file_finish{"file_finish", R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 'gone' end
redis.call('HSET', KEYS[1], 'size', ARGV[1], 'type', ARGV[2], 'state', 'ready')
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'name', ARGV[6]) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'width', ARGV[3], 'height', ARGV[4]) end
redis.call('EXPIRE', KEYS[1], ARGV[5])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[5]) end
return 'ok'
)lua"};

// KEYS: chat:file:{id}, chat:file:{id}:data, quota counter. ARGV: bytes to give back. → 'ok'
const lua_script file_abort{"file_abort", R"lua(
redis.call('DEL', KEYS[1], KEYS[2])
local n = tonumber(ARGV[1])
if n > 0 and redis.call('EXISTS', KEYS[3]) == 1 then
  if redis.call('DECRBY', KEYS[3], n) <= 0 then redis.call('DEL', KEYS[3]) end
end
return 'ok'
)lua"};

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

file_status status_of(const redis_reply& r) {
  if (r.text_is("ok"))
    return file_status::ok;
  if (r.text_is("quota_exceeded"))
    return file_status::quota_exceeded;
  if (r.text_is("gone"))
    return file_status::gone;
  return file_status::unavailable;
}

std::optional<std::uint64_t> to_u64(std::string_view s) {
  auto v = parse_int64(s);
  if (!v || *v < 0)
    return std::nullopt;
  return static_cast<std::uint64_t>(*v);
}

} // namespace

std::string new_file_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    std::fputs("chat_storage: RAND_bytes failed, cannot make file ids\n", stderr);
    std::abort();
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (auto b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

std::string utc_day(std::int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[48]; // room for any int the format could print
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

bool parse_file_meta(const redis_reply& r, file_meta& out) {
  if (!r.is_array() || r.elements.empty() || r.elements.size() % 2 != 0)
    return false;
  bool have_room = false, have_size = false;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const auto& f = r.elements[i].str;
    const auto& v = r.elements[i + 1].str;
    if (f == "room") {
      out.room = v;
      have_room = true;
    } else if (f == "owner") {
      out.owner = v;
    } else if (f == "name") {
      out.name = v;
    } else if (f == "size") {
      auto n = to_u64(v);
      if (!n)
        return false;
      out.size = *n;
      have_size = true;
    } else if (f == "type") {
      out.type = v;
    } else if (f == "width" || f == "height") {
      auto n = to_u64(v);
      if (n && *n > 0 && *n <= 0xFFFFFFFFu)
        (f == "width" ? out.width : out.height) = static_cast<std::uint32_t>(*n);
    } else if (f == "created") {
      out.created = parse_int64(v).value_or(0);
    } else if (f == "chunk") {
      auto n = to_u64(v);
      if (!n || *n == 0)
        return false;
      out.chunk = *n;
    } else if (f == "state") {
      out.ready = v == "ready";
    } else if (f == "message") {
      out.message = v;
    }
  }
  if (!out.width || !out.height) {
    out.width.reset();
    out.height.reset();
  }
  return have_room && have_size;
}

redis_file_store::redis_file_store(std::shared_ptr<redis_client> redis) : scripts_(std::move(redis)) {}

void redis_file_store::begin(file_upload_request req, std::function<void(file_status, file_upload)> done) {
  const auto created = now_ms();
  file_upload up;
  up.id = new_file_id();
  up.owner = req.owner;
  up.quota_key = keys::user_uploads(req.owner, utc_day(created));
  std::vector<std::string> k{keys::file(up.id), up.quota_key};
  std::vector<std::string> a{std::move(req.room), std::move(req.owner), std::move(req.name),
                             std::to_string(created), std::to_string(file_chunk_bytes),
                             std::to_string(file_unattached_ttl.count()), std::to_string(req.quota_per_day),
                             std::to_string(req.expected_bytes)};
  scripts_.run(file_begin, std::move(k), std::move(a),
               [up = std::move(up), done = std::move(done)](redis_reply r) mutable {
                 done(status_of(r), std::move(up)); // 'conflict' (a repeated random id) counts as unavailable
               });
}

void redis_file_store::append(const file_upload& up, std::string bytes, std::uint64_t quota_per_day,
                              std::function<void(file_status)> done) {
  // The reservation first; the bytes only once it said yes (one round trip more per 256 KiB).
  const auto n = bytes.size();
  std::vector<std::string> k{keys::file(up.id), up.quota_key};
  scripts_.run(file_reserve, std::move(k), {std::to_string(n), std::to_string(quota_per_day), std::to_string(quota_ttl_seconds)},
               [redis = scripts_.redis(), data = keys::file_data(up.id), first = up.next_chunk == 0,
                index = std::to_string(up.next_chunk), bytes = std::move(bytes),
                done = std::move(done)](redis_reply r) mutable {
                 if (auto st = status_of(r); st != file_status::ok)
                   return done(st);
                 auto stored = [done = std::move(done)](redis_reply e) {
                   done(e.is_integer() ? file_status::ok : file_status::unavailable);
                 };
                 if (!first)
                   return redis->command({"HSET", std::move(data), std::move(index), std::move(bytes)}, std::move(stored));
                 // The first chunk creates the content's key: it expires like the metadata until
                 // finish() (an upload cut off midway leaves nothing behind for long).
                 redis->command({"HSET", data, std::move(index), std::move(bytes)}, [](redis_reply) {});
                 redis->command({"EXPIRE", std::move(data), std::to_string(file_unattached_ttl.count())},
                                std::move(stored)); // (the HSET before it failed too when the connection did)
               });
}

void redis_file_store::finish(const file_upload& up, const file_meta& meta, std::function<void(file_status)> done) {
  std::vector<std::string> k{keys::file(up.id), keys::file_data(up.id)};
  std::vector<std::string> a{std::to_string(meta.size), meta.type,
                             meta.width ? std::to_string(*meta.width) : std::string{},
                             meta.height ? std::to_string(*meta.height) : std::string{},
                             std::to_string(file_unattached_ttl.count()), meta.name};
  scripts_.run(file_finish, std::move(k), std::move(a),
               [done = std::move(done)](redis_reply r) { done(status_of(r)); });
}

void redis_file_store::abort(const file_upload& up, std::function<void(file_status)> done) {
  std::vector<std::string> k{keys::file(up.id), keys::file_data(up.id), up.quota_key};
  scripts_.run(file_abort, std::move(k), {std::to_string(up.stored)},
               [done = std::move(done)](redis_reply r) { done(status_of(r)); });
}

void redis_file_store::meta(std::string id, std::function<void(file_status, file_meta)> done) {
  scripts_.redis()->command({"HGETALL", keys::file(id)}, [id, done = std::move(done)](redis_reply r) mutable {
    if (r.is_io_error() || r.is_error())
      return done(file_status::unavailable, {});
    file_meta m;
    m.id = std::move(id);
    if (!parse_file_meta(r, m))
      return done(file_status::gone, {});
    done(file_status::ok, std::move(m));
  });
}

void redis_file_store::read_chunk(std::string id, std::uint64_t index,
                                  std::function<void(file_status, std::string)> done) {
  scripts_.redis()->command({"HGET", keys::file_data(id), std::to_string(index)},
                            [done = std::move(done)](redis_reply r) {
                              if (r.is_string())
                                return done(file_status::ok, std::move(r.str));
                              done(r.is_nil() ? file_status::gone : file_status::unavailable, {});
                            });
}

void redis_file_store::remove(std::string id, std::function<void(file_status)> done) {
  scripts_.redis()->command({"DEL", keys::file(id), keys::file_data(id)}, [done = std::move(done)](redis_reply r) {
    done(r.is_integer() ? file_status::ok : file_status::unavailable);
  });
}

} // namespace chat::storage
