#include "net/file_download.hpp"

#include <algorithm>

#include "metrics/node_metrics.hpp"

namespace chat::net {

file_download_source::file_download_source(std::shared_ptr<storage::file_store> store, const storage::file_meta& meta,
                                           std::uint64_t first, std::uint64_t last, metrics::node_metrics* metrics)
  : store_(std::move(store)), id_(meta.id), chunk_(meta.chunk), pos_(first), end_(last + 1), metrics_(metrics) {}

void file_download_source::next(std::function<void(bool ok, std::string piece)> done) {
  if (pos_ >= end_)
    return done(false, {});
  const auto index = pos_ / chunk_;
  const auto skip = pos_ - index * chunk_;
  // The session calls next() again only after this callback ran: no other call touches pos_.
  store_->read_chunk(id_, index, [self = shared_from_this(), this, skip, done = std::move(done)](storage::file_status st, std::string bytes) {
    if (st != storage::file_status::ok || bytes.size() <= skip) // removed meanwhile, or a short chunk
      return done(false, {});
    const auto take = std::min<std::uint64_t>(bytes.size() - skip, end_ - pos_);
    if (skip != 0 || take != bytes.size())
      bytes = bytes.substr(skip, take);
    pos_ += take;
    if (metrics_ != nullptr)
      metrics_->download_bytes().Increment(static_cast<double>(take));
    done(true, std::move(bytes));
  });
}

} // namespace chat::net
