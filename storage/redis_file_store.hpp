#pragma once
/// file_store on Redis: `chat:file:{id}` (hash: metadata), `chat:file:{id}:data` (hash: chunk
/// index → bytes), `chat:user:{id}:uploads:{yyyymmdd}` (bytes uploaded that UTC day, TTL 48 h).
/// Every call is one Redis command or one script (EVALSHA): one round trip per chunk.

#include <memory>

#include "storage/file_store.hpp"
#include "storage/script_runner.hpp"

namespace chat::storage {

class redis_client;

class redis_file_store final : public file_store {
public:
  /// A store on `redis` (the command connection).
  explicit redis_file_store(std::shared_ptr<redis_client> redis);

  void begin(file_upload_request req, std::function<void(file_status, file_upload)> done) override;
  void append(const file_upload& up, std::string bytes, std::uint64_t quota_per_day,
              std::function<void(file_status)> done) override;
  void finish(const file_upload& up, const file_meta& meta, std::function<void(file_status)> done) override;
  void abort(const file_upload& up, std::function<void(file_status)> done) override;
  void meta(std::string id, std::function<void(file_status, file_meta)> done) override;
  void read_chunk(std::string id, std::uint64_t index, std::function<void(file_status, std::string)> done) override;
  void remove(std::string id, std::function<void(file_status)> done) override;

private:
  script_runner scripts_;
};

/// The UTC day of `unix_ms` as yyyymmdd (the quota key's suffix).
std::string utc_day(std::int64_t unix_ms);

/// The metadata in a `chat:file:{id}` HGETALL reply (flat field/value pairs); false when empty
/// or malformed.
bool parse_file_meta(const redis_reply& r, file_meta& out);

} // namespace chat::storage
