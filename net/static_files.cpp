#include "net/static_files.hpp"

#include <algorithm>
#include <system_error>

#include "metrics/log.hpp"
#include "net/query.hpp"
#include "net/router.hpp"

namespace chat::net {

namespace fs = std::filesystem;

static_files::static_files(const std::string& web_root) {
  if (web_root.empty())
    return;
  std::error_code ec;
  auto root = fs::canonical(web_root, ec);
  if (ec || !fs::is_directory(root, ec)) {
    log::warn("http_web_root_missing", {{"path", web_root}});
    return;
  }
  root_ = std::move(root);
}

std::string_view static_files::content_type(std::string_view name) noexcept {
  auto dot = name.rfind('.');
  auto ext = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  if (ext == "html" || ext == "htm")
    return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs")
    return "text/javascript; charset=utf-8";
  if (ext == "css")
    return "text/css; charset=utf-8";
  if (ext == "svg")
    return "image/svg+xml";
  if (ext == "png")
    return "image/png";
  if (ext == "ico")
    return "image/x-icon";
  if (ext == "json")
    return "application/json; charset=utf-8";
  if (ext == "webmanifest")
    return "application/manifest+json";
  if (ext == "txt")
    return "text/plain; charset=utf-8";
  if (ext == "woff2")
    return "font/woff2";
  return "application/octet-stream";
}

std::optional<std::string> static_files::relative_path(std::string_view raw_path) {
  if (raw_path.empty() || raw_path.front() != '/')
    return std::nullopt;
  std::string rel;
  auto parts = split_path(raw_path);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    bool last = i + 1 == parts.size();
    if (parts[i].empty() && !last)
      return std::nullopt; // "//" inside the path
    auto part = percent_decode(parts[i], false);
    if (part == "." || part == ".." || part.find_first_of(std::string_view{"/\\\0:", 4}) != std::string::npos)
      return std::nullopt;
    if (!part.empty() && part.front() == '.')
      return std::nullopt; // hidden files (.git, .env, …) are never served
    if (!rel.empty())
      rel.push_back('/');
    rel.append(part);
  }
  if (rel.empty() || rel.back() == '/')
    rel.append("index.html");
  return rel;
}

std::optional<api_response> static_files::lookup(std::string_view path) const {
  if (root_.empty())
    return std::nullopt;
  auto rel = relative_path(path);
  if (!rel)
    return std::nullopt;
  std::error_code ec;
  auto full = fs::weakly_canonical(root_ / *rel, ec);
  if (ec)
    return std::nullopt;
  // Symlinks may not lead out of the root.
  auto [root_end, full_it] = std::mismatch(root_.begin(), root_.end(), full.begin(), full.end());
  if (root_end != root_.end())
    return std::nullopt;
  if (fs::is_directory(full, ec))
    full /= "index.html";
  if (!fs::is_regular_file(full, ec))
    return std::nullopt;
  api_response res;
  res.status = 200;
  res.content_type = std::string{content_type(full.filename().native())};
  if (res.content_type.rfind("text/html", 0) == 0)
    res.headers.emplace_back("Cache-Control", "no-cache");
  res.file_path = full.native();
  return res;
}

} // namespace chat::net
