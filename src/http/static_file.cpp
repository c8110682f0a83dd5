#include "http/static_file.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

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

std::optional<Response> StaticFile(const std::string& root, std::string_view rel,
                                   std::string_view cache_control) {
  if (!IsSafeRelativePath(rel)) return std::nullopt;
  const std::filesystem::path path = std::filesystem::path(root) / std::string(rel);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream data;
  data << in.rdbuf();
  Response r = TextResponse(200, ContentTypeFor(path.extension().string()), data.str());
  r.SetHeader("Cache-Control", std::string(cache_control));
  return r;
}

}  // namespace sp::http
