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
  void do_upload(const exchange_ptr& ex);
  void start_upload(const exchange_ptr& ex, std::string name, std::optional<std::string> boundary,
                    std::shared_ptr<void> slot);
  void do_download(const exchange_ptr& ex);
  void serve(const exchange_ptr& ex, const storage::file_meta& meta);

  api_env& env_;
  upload_slots slots_;
  std::shared_ptr<upload_pacer> pacer_;
};

} // namespace chat::net
