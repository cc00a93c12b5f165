#pragma once
/// An upload sent as `multipart/form-data` (a plain HTML form, issue #24): the body is decoded with
/// a multipart_reader and the `file` part's content goes on to a file_upload_sink, which takes the
/// name from the part's `filename`.

#include <memory>

#include "net/file_upload.hpp"
#include "net/multipart_reader.hpp"

namespace chat::net {

class multipart_sink final : public body_sink {
public:
  multipart_sink(std::string boundary, std::shared_ptr<file_upload_sink> file, metrics::node_metrics* metrics);

  void write(std::string piece, std::function<void(std::optional<api_response>)> done) override;
  void finish(std::function<void(api_response)> done) override;
  void abort() override;

private:
  /// Aborts the file and answers 400 with `why`.
  api_response refuse(std::string_view why);

  multipart_reader reader_;
  std::shared_ptr<file_upload_sink> file_;
  metrics::node_metrics* metrics_;
  bool named_ = false;  ///< the file part's head was read and its name checked
  bool done_ = false;   ///< the file part ended: the rest of the body is ignored
};

} // namespace chat::net
