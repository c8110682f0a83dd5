#include "areas/web/web_app.hpp"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace sp::web {
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

// Only plain relative names: no "..", no hidden files, no odd characters.
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

std::optional<std::string> ReadFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

constexpr const char* kNotBuilt = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>StreamSpace</title></head>
<body><h1>StreamSpace</h1>
<p>The web UI is not built in this installation. Run <code>scripts/setup.sh</code> and build
again, or point <code>--web-dir</code> at a directory holding <code>app/index.html</code>.
The API is available under <a href="/api/docs">/api/docs</a>.</p></body></html>
)";

}  // namespace

http::Response WebApp::Serve(const http::Request& request) const {
  std::string_view rel = request.path;
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  const std::filesystem::path root(dir_);
  if (!rel.empty() && IsSafeRelativePath(rel)) {
    const auto file = root / std::string(rel);
    if (auto body = ReadFile(file)) {
      http::Response r =
          http::TextResponse(200, ContentTypeFor(file.extension().string()), std::move(*body));
      // Vite puts a content hash in every name under assets/: they never change.
      r.SetHeader("Cache-Control",
                  rel.starts_with("assets/") ? "public, max-age=31536000, immutable" : "no-cache");
      return r;
    }
    // A missing file with an extension is a real 404 (a stale asset), not a page.
    if (std::filesystem::path(std::string(rel)).has_extension()) {
      return http::ErrorResponse(404, "not_found", "no such file: " + request.path);
    }
  }
  auto index = ReadFile(root / "index.html");
  if (!index) return http::TextResponse(200, "text/html; charset=utf-8", kNotBuilt);
  http::Response r = http::TextResponse(200, "text/html; charset=utf-8", std::move(*index));
  r.SetHeader("Cache-Control", "no-cache");
  return r;
}

}  // namespace sp::web
