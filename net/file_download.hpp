#pragma once
/// The body_source of a download (issue #24): bytes first..last of a stored file, read chunk by
/// chunk from the file store as the connection writes them (one chunk in memory per download).

#include <cstdint>
#include <memory>
#include <string>

#include "net/api_types.hpp"
#include "storage/file_store.hpp"

namespace chat::metrics {
class node_metrics;
}

namespace chat::net {

class file_download_source final : public body_source,
                                   public std::enable_shared_from_this<file_download_source> {
public:
  /// Bytes `first`..`last` (inclusive) of file `meta` (its id, size and chunk size are used).
  file_download_source(std::shared_ptr<storage::file_store> store, const storage::file_meta& meta,
                       std::uint64_t first, std::uint64_t last, metrics::node_metrics* metrics);

  void next(std::function<void(bool ok, std::string piece)> done) override;

private:
  std::shared_ptr<storage::file_store> store_;
  std::string id_;
  std::uint64_t chunk_;
  std::uint64_t pos_;  ///< next byte to send
  std::uint64_t end_;  ///< one past the last byte
  metrics::node_metrics* metrics_;
};

} // namespace chat::net
