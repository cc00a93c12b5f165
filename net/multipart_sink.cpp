#include "net/multipart_sink.hpp"

#include "common/file_name.hpp"
#include "metrics/node_metrics.hpp"
#include "net/replies.hpp"

namespace chat::net {

multipart_sink::multipart_sink(std::string boundary, std::shared_ptr<file_upload_sink> file,
                               metrics::node_metrics* metrics)
  : reader_(std::move(boundary)), file_(std::move(file)), metrics_(metrics) {}

api_response multipart_sink::refuse(std::string_view why) {
  file_->abort();
  if (metrics_ != nullptr)
    metrics_->errors("bad_request").Increment();
  return error_response(400, "bad_request", why);
}

void multipart_sink::write(std::string piece, std::function<void(std::optional<api_response>)> done) {
  if (done_)
    return done(std::nullopt); // after the file part: read and ignored
  std::string out;
  auto st = reader_.feed(piece, out);
  if (st == multipart_reader::status::malformed)
    return done(refuse(reader_.why()));
  if (reader_.in_file() && !named_) {
    if (!is_valid_file_name(reader_.filename()))
      return done(refuse("the form's file must have a name of 1-255 bytes of UTF-8 without control characters, / or \\"));
    file_->rename(reader_.filename());
    named_ = true;
  }
  done_ = st == multipart_reader::status::done;
  if (out.empty())
    return done(std::nullopt);
  file_->write(std::move(out), std::move(done)); // (at most the piece's size: one chunk)
}

void multipart_sink::finish(std::function<void(api_response)> done) {
  if (!done_)
    return done(refuse(reader_.in_file() ? "the form's file part does not end" : "the form has no part named \"file\""));
  file_->finish(std::move(done));
}

void multipart_sink::abort() { file_->abort(); }

} // namespace chat::net
