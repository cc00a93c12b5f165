#pragma once
/// Files (issue #24): `POST /room/{id}/files` (upload: the body streams into the file store) and
/// `GET|HEAD /files/{id}/{name}` (download: members of the file's room; ETag, Range, safe types).

#include "net/api_env.hpp"
#include "net/exchange.hpp"
#include "net/file_upload.hpp"
#include "net/router.hpp"

namespace chat::net {

class file_handlers {
public:
  /// Handlers working with `env` (which must outlive them).
  explicit file_handlers(api_env& env);

  /// Registers the routes.
  void add_routes(router& r);

private:
  /// An upload decided from its head, on its way to the store (between the steps below).
  struct pending_upload {
    std::string name;                    ///< the validated file name
    std::optional<std::string> boundary; ///< multipart/form-data: its boundary
    std::shared_ptr<void> slot;          ///< the node-wide upload slot it holds
  };

  void do_upload(const exchange_ptr& ex);
  /// Membership of the target room, then begin_upload().
  void start_upload(const exchange_ptr& ex, pending_upload up);
  /// The store's reservation (quota against Content-Length), then accept_upload().
  void begin_upload(const exchange_ptr& ex, pending_upload up);
  /// Answers with the sink the body streams into.
  void accept_upload(const exchange_ptr& ex, pending_upload up, storage::file_upload handle);
  void do_download(const exchange_ptr& ex);
  void serve(const exchange_ptr& ex, const storage::file_meta& meta);

  api_env& env_;
  upload_slots slots_;
  std::shared_ptr<upload_pacer> pacer_;
};

} // namespace chat::net
