#pragma once
/// Uploaded files (issue #24): where their bytes and metadata live, behind an interface so that an
/// S3-compatible backend can replace Redis later. A file is written as numbered chunks in order
/// (begin → append 0, 1, … → finish, or abort) and read back chunk by chunk, so neither side ever
/// holds a whole file in memory. Unattached files expire (24 h) until a message attaches them.
///
/// Callbacks may run on any thread (the Redis implementation: the connection's strand); callers
/// post back to their own executor.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace chat::storage {

/// Chunk size of stored files: 256 KiB (the last chunk is shorter).
inline constexpr std::size_t file_chunk_bytes = 256 * 1024;

/// How long an unattached file (and an upload in progress) lives.
inline constexpr std::chrono::seconds file_unattached_ttl{24 * 3600};

/// What a stored file is (the `chat:file:{id}` hash).
struct file_meta {
  std::string id;        ///< 32 lower-case hex characters
  std::string room;      ///< the room it was uploaded to
  std::string owner;     ///< the uploader's user id
  std::string name;      ///< the file name (UTF-8, validated by the route)
  std::uint64_t size = 0;     ///< bytes
  std::string type;           ///< detected MIME type (never the client's)
  std::optional<std::uint32_t> width;  ///< images only
  std::optional<std::uint32_t> height; ///< images only
  std::int64_t created = 0;   ///< unix ms
  std::uint64_t chunk = file_chunk_bytes; ///< chunk size in bytes
  bool ready = false;         ///< false while uploading
  std::string message;        ///< the attaching message's id ("" while unattached)
};

/// Outcome of a file store call.
enum class file_status {
  ok,              ///< done
  quota_exceeded,  ///< the owner's daily upload quota would be passed
  gone,            ///< unknown, expired or removed id
  unavailable,     ///< the backend did not answer (Redis down, error reply)
};

/// One upload in progress: handed out by begin(), passed to every later call of that upload.
struct file_upload {
  std::string id;               ///< the new file's id
  std::string owner;            ///< the uploader
  std::string quota_key;        ///< the backend's quota counter for this upload's day
  std::uint64_t stored = 0;     ///< bytes appended so far (counted against the quota)
  std::uint64_t next_chunk = 0; ///< index of the next chunk to append
};

/// What begin() needs.
struct file_upload_request {
  std::string room;                 ///< target room (membership already checked)
  std::string owner;                ///< uploader's user id
  std::string name;                 ///< validated file name
  std::uint64_t expected_bytes = 0; ///< Content-Length when given (checked against the quota), else 0
  std::uint64_t quota_per_day = 0;  ///< the owner's daily quota in bytes; 0 = unlimited
};

/// The file store.
class file_store {
public:
  virtual ~file_store() = default;

  /// Starts an upload (metadata in state `uploading`, expiring). `done` gets ok with the upload
  /// handle, quota_exceeded when `expected_bytes` would pass the quota, or unavailable.
  virtual void begin(file_upload_request req, std::function<void(file_status, file_upload)> done) = 0;

  /// Appends the next chunk (at most file_chunk_bytes; only the last may be shorter). Counts it
  /// against the quota (`quota_per_day`, 0 = off): quota_exceeded stores nothing. Call again only
  /// after `done`: one chunk in flight per upload. On ok the caller advances `up.next_chunk` and
  /// adds the size to `up.stored`.
  virtual void append(const file_upload& up, std::string bytes, std::uint64_t quota_per_day,
                      std::function<void(file_status)> done) = 0;

  /// Marks the upload ready with its final name, size, type and dimensions (meta.id = up.id; the
  /// name may differ from begin()'s: a form upload names its file in the body).
  virtual void finish(const file_upload& up, const file_meta& meta, std::function<void(file_status)> done) = 0;

  /// Deletes an unfinished upload's keys at once and gives its bytes back to the quota.
  virtual void abort(const file_upload& up, std::function<void(file_status)> done) = 0;

  /// The metadata of `id` (gone when unknown or expired).
  virtual void meta(std::string id, std::function<void(file_status, file_meta)> done) = 0;

  /// Chunk `index` of `id` (gone when missing).
  virtual void read_chunk(std::string id, std::uint64_t index, std::function<void(file_status, std::string)> done) = 0;

  /// Deletes a file (its metadata and its bytes).
  virtual void remove(std::string id, std::function<void(file_status)> done) = 0;
};

/// A fresh file id: 32 lower-case hex characters from 128 random bits.
std::string new_file_id();

/// True for the shape of a file id (32 lower-case hex characters).
bool is_file_id(std::string_view id) noexcept;

} // namespace chat::storage
