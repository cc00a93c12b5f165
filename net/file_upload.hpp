#pragma once
/// The body_sink of an upload (issue #24): the file's bytes go into the file store in chunks of
/// storage::file_chunk_bytes, one chunk call in flight, so a node holds about two chunks per upload
/// whatever the file's size. The type and image size come from the first chunk's magic bytes,
/// never from the client. Holds one of the node's upload slots while it lives.

#include <atomic>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "net/api_types.hpp"
#include "net/upload_pacer.hpp"
#include "storage/file_store.hpp"

namespace chat::metrics {
class node_metrics;
}

namespace chat::net {

/// The node-wide count of uploads in progress (--max-concurrent-uploads).
class upload_slots {
public:
  explicit upload_slots(unsigned max) : max_(max) {}

  /// One slot, or null when `max` uploads already run; the slot is given back when the last copy
  /// of the handle goes.
  std::shared_ptr<void> try_take(metrics::node_metrics* metrics);

private:
  const unsigned max_;
  std::atomic<unsigned> used_{0};
};

/// The 201 answer of an upload and the metadata of a message's attachment:
/// `{"id","name","size","type","width"?,"height"?,"url"}`.
std::string file_json(const storage::file_meta& m);

/// `/files/{id}/{percent-encoded name}`: where a file is downloaded.
std::string file_url(const storage::file_meta& m);

/// Writes one upload into a file_store (see the file comment).
class file_upload_sink final : public body_sink, public std::enable_shared_from_this<file_upload_sink> {
public:
  /// `up` from file_store::begin(); `meta` has id, room, owner and name set.
  /// Chunk writes wait for `pacer` (may be null) on timers of `timers`.
  file_upload_sink(std::shared_ptr<storage::file_store> store, storage::file_upload up, storage::file_meta meta,
                   std::uint64_t quota_per_day, std::shared_ptr<void> slot, metrics::node_metrics* metrics,
                   std::shared_ptr<upload_pacer> pacer, boost::asio::any_io_executor timers);

  void write(std::string piece, std::function<void(std::optional<api_response>)> done) override;
  void finish(std::function<void(api_response)> done) override;
  void abort() override;

  /// Names the file (before finish(): a form upload learns the name from its body).
  void rename(std::string name) { meta_.name = std::move(name); }

private:
  /// Stores the whole chunks of pending_, one call at a time; then `done(std::nullopt)`.
  void store_full_chunks(std::function<void(std::optional<api_response>)> done);
  /// Stores `chunk` (the next one); `then(refusal)` afterwards.
  void store_chunk(std::string chunk, std::function<void(std::optional<api_response>)> then);
  /// Writes `chunk` once the pacer lets it (`pauses`: yields so far).
  void paced_append(std::string chunk, int pauses, std::function<void(storage::file_status)> done);
  /// The refusal for a failed chunk; the upload's keys are deleted.
  api_response refuse(storage::file_status st);

  std::shared_ptr<storage::file_store> store_;
  storage::file_upload up_;
  storage::file_meta meta_;
  std::uint64_t quota_;
  std::shared_ptr<void> slot_;
  metrics::node_metrics* metrics_;
  std::shared_ptr<upload_pacer> pacer_;
  boost::asio::any_io_executor timers_;
  std::string pending_;  ///< bytes of the next chunk (less than one chunk between calls)
  bool typed_ = false;   ///< meta_'s type is known (from the first chunk)
  bool ended_ = false;   ///< finished or refused: abort() has nothing to delete
};

/// Seconds until the next UTC midnight (the daily quota's Retry-After), at least 1.
std::int64_t seconds_to_utc_midnight();

} // namespace chat::net
