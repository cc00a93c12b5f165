#pragma once
/// Static files of the web client (GET/HEAD under web_root): `/` → index.html, a directory path
/// `…/` → its index.html, content types by extension, no path traversal.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "net/api_types.hpp"

namespace chat::net {

class static_files {
public:
  /// Serves files below `web_root`; an empty root serves nothing.
  explicit static_files(const std::string& web_root);

  /// The response for raw (percent-encoded) `path`, or std::nullopt when there is no such file
  /// (also for paths that try to leave the root).
  std::optional<api_response> lookup(std::string_view path) const;

  /// Content type for a file name by its extension (application/octet-stream when unknown).
  static std::string_view content_type(std::string_view filename) noexcept;

  /// The relative file path for a raw request path, or std::nullopt when it is not acceptable
  /// (`..`, `.`, backslashes, NUL, invalid escapes); "/" and "…/" get "index.html" appended.
  static std::optional<std::string> relative_path(std::string_view raw_path);

private:
  std::filesystem::path root_; ///< canonical root, empty when disabled
};

} // namespace chat::net
