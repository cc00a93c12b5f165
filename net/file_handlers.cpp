#include "net/file_handlers.hpp"

#include "common/file_name.hpp"
#include "common/text.hpp"
#include "net/auth_middleware.hpp"
#include "net/byte_range.hpp"
#include "net/file_download.hpp"
#include "net/multipart_sink.hpp"
#include "net/query.hpp"
#include "net/replies.hpp"

namespace chat::net {

namespace {

using storage::errc;
using storage::file_status;

/// A stored file's bytes never change: its id is its entity tag.
std::string etag_of(const storage::file_meta& m) { return "\"" + m.id + "\""; }

/// Whether an `If-None-Match` value names `etag` (or is `*`).
bool etag_matches(std::string_view header, std::string_view etag) {
  if (trim_ascii(header) == "*")
    return true;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto tag = trim_ascii(header.substr(0, comma));
    if (tag.substr(0, 2) == "W/")
      tag.remove_prefix(2);
    if (tag == etag)
      return true;
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
  }
  return false;
}

/// 503 with Retry-After: 1 (the file store did not answer).
void reply_unavailable(exchange& ex, metrics::node_metrics& m) {
  reply_error_retry_after(ex, m, 503, "unavailable", "the file store is unavailable; try again", std::chrono::seconds{1});
}

} // namespace

file_handlers::file_handlers(api_env& env)
  : env_(env), slots_(env.opts.uploads.max_concurrent),
    pacer_(std::make_shared<upload_pacer>(env.opts.uploads.bytes_per_second, [&store = env.store](auto now) {
      return store.backlog(now);
    })) {}

void file_handlers::add_routes(router& r) {
  r.add(http_method::post, "/room/{id}/files", [this](const exchange_ptr& ex) { do_upload(ex); });
  r.add(http_method::get, "/files/{id}/{name}", [this](const exchange_ptr& ex) { do_download(ex); });
}

// -- upload -------------------------------------------------------------------------------------

void file_handlers::do_upload(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    auto& req = x->request();
    if (env_.files == nullptr)
      return reply_unavailable(*x, env_.metrics);
    if (!is_room_id(x->param("id")))
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown room");
    // A plain HTML form names its file in the body; a script in X-File-Name.
    std::optional<std::string> boundary;
    if (req.content_type.rfind("multipart/", 0) == 0 && !(boundary = multipart_boundary(req.content_type)))
      return reply_bad_request(*x, env_.metrics, "multipart/form-data needs a boundary of 1-70 characters");
    if (!boundary && req.file_name.empty())
      return reply_bad_request(*x, env_.metrics, "name the file in an X-File-Name header (percent-encoded UTF-8)");
    auto name = boundary ? std::string{"upload"} : percent_decode(req.file_name, false);
    if (!is_valid_file_name(name))
      return reply_bad_request(*x, env_.metrics,
                               "X-File-Name must be 1-255 bytes of UTF-8 without control characters, / or \\");
    if (req.content_length && *req.content_length == 0)
      return reply_bad_request(*x, env_.metrics, "the file is empty");
    auto slot = slots_.try_take(&env_.metrics);
    if (!slot)
      return reply_error_retry_after(*x, env_.metrics, 503, "busy", "too many uploads on this node; try again",
                                     std::chrono::seconds{1});
    start_upload(x, pending_upload{std::move(name), std::move(boundary), std::move(slot)});
  });
}

void file_handlers::start_upload(const exchange_ptr& x, pending_upload up) {
  auto checked = [this, x, up = std::move(up)](errc e, storage::room_access access) mutable {
    if (e != errc::ok)
      return reply_store_error(*x, env_.metrics, e, "check_access");
    if (access == storage::room_access::not_found)
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown room");
    if (access != storage::room_access::member)
      return reply_error(*x, env_.metrics, 403, "forbidden", "not a member of this room");
    begin_upload(x, std::move(up));
  };
  env_.store.check_access(x->user()->id, x->param("id"), x->resume<errc, storage::room_access>(std::move(checked)));
}

void file_handlers::begin_upload(const exchange_ptr& x, pending_upload up) {
  const auto quota = env_.opts.uploads.quota_bytes_per_day;
  storage::file_upload_request req{x->param("id"), x->user()->id, up.name, x->request().content_length.value_or(0),
                                   quota};
  auto reserved = [this, x, up = std::move(up), quota](file_status st, storage::file_upload handle) mutable {
    if (st == file_status::quota_exceeded)
      return reply_error_retry_after(*x, env_.metrics, 429, "quota_exceeded",
                                     "daily upload quota of " + std::to_string(quota) + " bytes used up",
                                     std::chrono::seconds{seconds_to_utc_midnight()});
    if (st != file_status::ok)
      return reply_unavailable(*x, env_.metrics);
    accept_upload(x, std::move(up), std::move(handle));
  };
  env_.files->begin(std::move(req), x->resume<file_status, storage::file_upload>(std::move(reserved)));
}

void file_handlers::accept_upload(const exchange_ptr& x, pending_upload up, storage::file_upload handle) {
  storage::file_meta meta;
  meta.id = handle.id;
  meta.room = x->param("id");
  meta.owner = x->user()->id;
  meta.name = std::move(up.name);
  api_response res;
  res.route = "/room/{id}/files";
  auto file = std::make_shared<file_upload_sink>(env_.files, std::move(handle), std::move(meta),
                                                 env_.opts.uploads.quota_bytes_per_day, std::move(up.slot),
                                                 &env_.metrics, pacer_, env_.io->main().get_executor());
  if (up.boundary)
    res.sink = std::make_shared<multipart_sink>(std::move(*up.boundary), std::move(file), &env_.metrics);
  else
    res.sink = std::move(file);
  x->respond(std::move(res));
}

// -- download -----------------------------------------------------------------------------------

void file_handlers::do_download(const exchange_ptr& ex) {
  require_user(env_, ex, [this](const exchange_ptr& x) {
    if (env_.files == nullptr)
      return reply_unavailable(*x, env_.metrics);
    if (!storage::is_file_id(x->param("id")))
      return reply_error(*x, env_.metrics, 404, "not_found", "unknown file");
    env_.files->meta(x->param("id"), x->resume<file_status, storage::file_meta>([this, x](file_status st,
                                                                                         storage::file_meta meta) {
      if (st == file_status::gone || (st == file_status::ok && !meta.ready))
        return reply_error(*x, env_.metrics, 404, "not_found", "unknown file");
      if (st != file_status::ok)
        return reply_unavailable(*x, env_.metrics);
      auto room = meta.room;
      env_.store.check_access(x->user()->id, std::move(room), x->resume<errc, storage::room_access>(
        [this, x, meta = std::move(meta)](errc e, storage::room_access access) {
          if (e != errc::ok)
            return reply_store_error(*x, env_.metrics, e, "check_access");
          if (access == storage::room_access::not_found) // (its room was deleted)
            return reply_error(*x, env_.metrics, 404, "not_found", "unknown file");
          if (access != storage::room_access::member)
            return reply_error(*x, env_.metrics, 403, "forbidden", "not a member of the file's room");
          serve(x, meta);
        }));
    }));
  });
}

void file_handlers::serve(const exchange_ptr& x, const storage::file_meta& meta) {
  const auto& req = x->request();
  const bool image = meta.type == "image/png" || meta.type == "image/jpeg" || meta.type == "image/gif" ||
                     meta.type == "image/webp";
  api_response res;
  res.route = "/files/{id}/{name}";
  res.headers.emplace_back("ETag", etag_of(meta));
  res.headers.emplace_back("Cache-Control", "private, max-age=86400");
  res.headers.emplace_back("Accept-Ranges", "bytes");
  if (!req.if_none_match.empty() && etag_matches(req.if_none_match, etag_of(meta))) {
    res.status = 304;
    res.content_type.clear();
    return x->respond(std::move(res));
  }
  // Only the four image types are shown inline; anything else (HTML, SVG, scripts, …) is a
  // download that the browser may neither sniff nor render, whatever its name says.
  res.content_type = image ? meta.type : "application/octet-stream";
  res.headers.emplace_back("Content-Disposition", std::string{image ? "inline" : "attachment"} +
                                                    "; filename*=UTF-8''" + percent_encode_unreserved(meta.name));
  if (!image)
    res.headers.emplace_back("Content-Security-Policy", "sandbox");
  auto range = parse_byte_range(req.range, meta.size);
  if (range.what == byte_range::kind::unsatisfiable) {
    auto err = error_response(416, "range_not_satisfiable", "the range is outside the file");
    err.route = res.route;
    err.headers.emplace_back("Content-Range", "bytes */" + std::to_string(meta.size));
    env_.metrics.errors("range_not_satisfiable").Increment();
    return x->respond(std::move(err));
  }
  if (meta.size == 0) // (uploads refuse empty files)
    return x->respond(std::move(res));
  std::uint64_t first = 0, last = meta.size - 1;
  if (range.what == byte_range::kind::partial) {
    first = range.first;
    last = range.last;
    res.status = 206;
    res.headers.emplace_back("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                                                std::to_string(meta.size));
  }
  res.source = std::make_shared<file_download_source>(env_.files, meta, first, last, &env_.metrics);
  res.source_length = last - first + 1;
  x->respond(std::move(res));
}

} // namespace chat::net
