#include "areas/web/web_app.hpp"

#include <filesystem>

#include "http/static_file.hpp"

namespace sp::web {
namespace {

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
  if (!rel.empty() && http::IsSafeRelativePath(rel)) {
    // Vite puts a content hash in every name under assets/: they never change.
    if (auto file = http::StaticFile(
            dir_, rel,
            rel.starts_with("assets/") ? "public, max-age=31536000, immutable" : "no-cache",
            request.Header("if-none-match"))) {
      return std::move(*file);
    }
    // A missing file with an extension is a real 404 (a stale asset), not a page.
    if (std::filesystem::path(std::string(rel)).has_extension()) {
      return http::ErrorResponse(404, "not_found", "no such file: " + request.path);
    }
  }
  // no-cache: the browser asks again on every load, and the ETag turns the answer into a 304
  // until a new build replaces index.html (and so the hashed names of its assets).
  auto index = http::StaticFile(dir_, "index.html", "no-cache", request.Header("if-none-match"));
  if (!index) return http::TextResponse(200, "text/html; charset=utf-8", kNotBuilt);
  return std::move(*index);
}

}  // namespace sp::web
