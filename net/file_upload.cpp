#include "net/file_upload.hpp"

#include <chrono>

#include <boost/asio/steady_timer.hpp>

#include "common/file_name.hpp"
#include "common/file_type.hpp"
#include "metrics/node_metrics.hpp"
#include "net/json.hpp"
#include "net/replies.hpp"

namespace chat::net {

namespace {

/// Gives an upload slot back (the deleter of upload_slots' handles).
struct slot_release {
  std::atomic<unsigned>* used;
  metrics::node_metrics* metrics;
  void operator()(void*) const noexcept {
    used->fetch_sub(1, std::memory_order_acq_rel);
    if (metrics != nullptr)
      metrics->uploads_in_progress().Decrement();
  }
};

} // namespace

std::shared_ptr<void> upload_slots::try_take(metrics::node_metrics* metrics) {
  auto n = used_.load(std::memory_order_relaxed);
  do {
    if (n >= max_)
      return nullptr;
  } while (!used_.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel));
  if (metrics != nullptr)
    metrics->uploads_in_progress().Increment();
  static char token; // any non-null pointer: the deleter only counts
  return std::shared_ptr<void>(&token, slot_release{&used_, metrics});
}

std::string file_url(const storage::file_meta& m) {
  return "/files/" + m.id + "/" + percent_encode_unreserved(m.name);
}

std::string file_json(const storage::file_meta& m) {
  std::string out = "{\"id\":";
  append_json_string(out, m.id);
  out.append(",\"name\":");
  append_json_string(out, m.name);
  out.append(",\"size\":").append(std::to_string(m.size)).append(",\"type\":");
  append_json_string(out, m.type);
  if (m.width && m.height)
    out.append(",\"width\":").append(std::to_string(*m.width)).append(",\"height\":").append(std::to_string(*m.height));
  out.append(",\"url\":");
  append_json_string(out, file_url(m));
  out.push_back('}');
  return out;
}

std::int64_t seconds_to_utc_midnight() {
  using namespace std::chrono;
  auto now = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
  return 86400 - now % 86400;
}

file_upload_sink::file_upload_sink(std::shared_ptr<storage::file_store> store, storage::file_upload up,
                                   storage::file_meta meta, std::uint64_t quota_per_day, std::shared_ptr<void> slot,
                                   metrics::node_metrics* metrics, std::shared_ptr<upload_pacer> pacer,
                                   boost::asio::any_io_executor timers)
  : store_(std::move(store)), up_(std::move(up)), meta_(std::move(meta)), quota_(quota_per_day),
    slot_(std::move(slot)), metrics_(metrics), pacer_(std::move(pacer)), timers_(std::move(timers)) {
  pending_.reserve(storage::file_chunk_bytes);
}

void file_upload_sink::write(std::string piece, std::function<void(std::optional<api_response>)> done) {
  meta_.size += piece.size();
  if (pending_.empty() && piece.size() == storage::file_chunk_bytes)
    return store_chunk(std::move(piece), std::move(done)); // the common case: no copy
  pending_.append(piece);
  store_full_chunks(std::move(done));
}

void file_upload_sink::store_full_chunks(std::function<void(std::optional<api_response>)> done) {
  if (pending_.size() < storage::file_chunk_bytes)
    return done(std::nullopt);
  auto chunk = pending_.substr(0, storage::file_chunk_bytes);
  pending_.erase(0, storage::file_chunk_bytes);
  store_chunk(std::move(chunk), [self = shared_from_this(), done = std::move(done)](std::optional<api_response> refusal) mutable {
    if (refusal)
      return done(std::move(refusal));
    self->store_full_chunks(std::move(done));
  });
}

void file_upload_sink::store_chunk(std::string chunk, std::function<void(std::optional<api_response>)> then) {
  if (!typed_) {
    auto type = detect_file_type(chunk);
    meta_.type = std::string{type.mime};
    meta_.width = type.width;
    meta_.height = type.height;
    typed_ = true;
  }
  const auto n = chunk.size();
  paced_append(std::move(chunk), 0,
                 [self = shared_from_this(), n, then = std::move(then)](storage::file_status st) {
                   if (st != storage::file_status::ok)
                     return then(self->refuse(st));
                   self->up_.next_chunk += 1;
                   self->up_.stored += n;
                   if (self->metrics_ != nullptr)
                     self->metrics_->upload_bytes().Increment(static_cast<double>(n));
                   then(std::nullopt);
                 });
}

void file_upload_sink::paced_append(std::string chunk, int pauses, std::function<void(storage::file_status)> done) {
  auto d = pacer_ ? pacer_->reserve(chunk.size(), pauses, upload_pacer::clock::now()) : upload_pacer::decision{};
  if (d.wait == upload_pacer::clock::duration::zero() && !d.paused)
    return store_->append(up_, std::move(chunk), quota_, std::move(done));
  auto timer = std::make_shared<boost::asio::steady_timer>(timers_, d.wait);
  timer->async_wait([self = shared_from_this(), timer, chunk = std::move(chunk), pauses, paused = d.paused,
                     done = std::move(done)](boost::system::error_code) mutable {
    if (paused) // chat was waiting on Redis: ask again
      return self->paced_append(std::move(chunk), pauses + 1, std::move(done));
    self->store_->append(self->up_, std::move(chunk), self->quota_, std::move(done));
  });
}

void file_upload_sink::finish(std::function<void(api_response)> done) {
  auto complete = [self = shared_from_this(), done](std::optional<api_response> refusal) {
    if (refusal)
      return done(std::move(*refusal));
    if (self->meta_.size == 0) {
      self->abort();
      if (self->metrics_ != nullptr)
        self->metrics_->errors("bad_request").Increment();
      return done(error_response(400, "bad_request", "the file is empty"));
    }
    self->store_->finish(self->up_, self->meta_, [self, done](storage::file_status st) {
      if (st != storage::file_status::ok)
        return done(self->refuse(st));
      self->ended_ = true;
      self->slot_.reset();
      done(json_response(201, file_json(self->meta_)));
    });
  };
  if (pending_.empty())
    return complete(std::nullopt);
  store_chunk(std::move(pending_), std::move(complete));
}

api_response file_upload_sink::refuse(storage::file_status st) {
  abort();
  api_response res;
  if (st == storage::file_status::quota_exceeded) {
    res = error_response(429, "quota_exceeded", "daily upload quota of " + std::to_string(quota_) + " bytes used up");
    res.headers.emplace_back("Retry-After", std::to_string(seconds_to_utc_midnight()));
  } else { // gone (expired mid-upload: only after a day) or unavailable
    res = error_response(503, "unavailable", "the file store is unavailable; try again");
    res.headers.emplace_back("Retry-After", "1");
  }
  if (metrics_ != nullptr)
    metrics_->errors(st == storage::file_status::quota_exceeded ? "quota_exceeded" : "unavailable").Increment();
  return res;
}

void file_upload_sink::abort() {
  if (ended_)
    return;
  ended_ = true;
  slot_.reset();
  store_->abort(up_, [](storage::file_status) {}); // keys deleted, quota given back; failures expire in a day
}

} // namespace chat::net
