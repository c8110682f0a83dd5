#include "http/static_file.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/strings.hpp"

namespace sp::http {
namespace {

const char* ContentTypeFor(const std::string& ext) {
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript";
  if (ext == ".css") return "text/css";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".webmanifest") return "application/manifest+json";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace

bool IsSafeRelativePath(std::string_view path) {
  if (path.empty() || path.size() > 512) return false;
  size_t start = 0;
  while (start < path.size()) {
    const size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, slash - start);
    if (segment.empty() || segment.front() == '.') return false;
    for (char c : segment) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '@';
      if (!ok) return false;
    }
    start = slash + 1;
  }
  return true;
}

std::string FileETag(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return {};
  const auto modified = std::filesystem::last_write_time(path, ec);
  if (ec) return {};
  return fmt::format("W/\"{:x}-{:x}\"", size,
                     static_cast<uint64_t>(modified.time_since_epoch().count()));
}

bool ETagMatches(std::string_view if_none_match, std::string_view etag) {
  if (etag.empty()) return false;
  const auto opaque = [](std::string_view tag) {
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    return tag;
  };
  for (std::string_view candidate : Split(if_none_match, ',')) {
    candidate = Trim(candidate);
    if (candidate == "*" || (!candidate.empty() && opaque(candidate) == opaque(etag))) {
      return true;
    }
  }
  return false;
}

std::optional<Response> StaticFile(const std::string& root, std::string_view rel,
                                   std::string_view cache_control, std::string_view if_none_match) {
  if (!IsSafeRelativePath(rel)) return std::nullopt;
  const std::filesystem::path path = std::filesystem::path(root) / std::string(rel);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  const std::string etag = FileETag(path.string());
  if (!if_none_match.empty() && ETagMatches(if_none_match, etag)) {
    // The client's copy is current: headers only, no content type for a body it will not get.
    Response r = TextResponse(304, "", "");
    r.SetHeader("ETag", etag);
    r.SetHeader("Cache-Control", std::string(cache_control));
    return r;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream data;
  data << in.rdbuf();
  Response r = TextResponse(200, ContentTypeFor(path.extension().string()), data.str());
  r.SetHeader("Cache-Control", std::string(cache_control));
  if (!etag.empty()) r.SetHeader("ETag", etag);
  return r;
}

}  // namespace sp::http
