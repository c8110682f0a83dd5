#include "areas/system/system_routes.hpp"

#include "http/static_file.hpp"

namespace sp::system {
namespace {

using http::Access;
using http::Request;
using http::Response;

Response Health(db::Database& db, const SystemInfo& info) {
  const auto probe = db.Read([](db::Conn& c) -> Status {
    int one = 0;
    c.sql() << "SELECT 1", soci::into(one);
    return Ok();
  });
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::steady_clock::now() - info.started)
                          .count();
  nlohmann::json body = {{"status", probe ? "healthy" : "unhealthy"},
                         {"version", info.version},
                         {"uptimeSeconds", uptime},
                         {"database", {{"type", info.database}, {"ok", probe.has_value()}}}};
  return http::JsonResponse(probe ? 200 : 503, body);
}

// Serves one file of swagger-ui-dist; the name is checked so that nothing outside the
// directory can be reached.
Response SwaggerAsset(const std::string& dir, const Request& request) {
  if (auto file = http::StaticFile(dir, request.PathParam("name"), "public, max-age=3600",
                                   request.Header("if-none-match"))) {
    return std::move(*file);
  }
  return http::ErrorResponse(404, "not_found", "no such file");
}

constexpr const char* kSwaggerPage = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>StreamSpace API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/swagger-init.js"></script>
</body>
</html>
)";

// Inline scripts are blocked by the Content-Security-Policy, so the initialiser is a file.
constexpr const char* kSwaggerInit =
    "window.ui = SwaggerUIBundle({url: '/api/openapi.json', dom_id: '#swagger-ui', "
    "deepLinking: true});\n";

}  // namespace

void RegisterRoutes(http::Router& router, db::Database& db, SystemInfo info, DocsAssets docs) {
  http::RouteGroup root(router, "", "system");
  auto health = [&db, info](Request&) { return Health(db, info); };
  root.Get("/health", health, Access::kPublic);
  root.Get("/api/v1/monitoring/health", health, Access::kPublic);
  root.Get(
      "/version",
      [info](Request&) {
        return http::JsonResponse(
            200, {{"version", info.version}, {"buildTime", info.build_time}, {"apiVersion", "v1"}});
      },
      Access::kPublic);

  auto yaml = std::make_shared<const std::string>(std::move(docs.openapi_yaml));
  auto json = std::make_shared<const std::string>(std::move(docs.openapi_json));
  root.Get(
      "/api/openapi.yaml",
      [yaml](Request&) { return http::TextResponse(200, "application/x-yaml", *yaml); },
      Access::kPublic);
  root.Get(
      "/api/openapi.json",
      [json](Request&) { return http::TextResponse(200, "application/json", *json); },
      Access::kPublic);
  auto page = [](Request&) {
    return http::TextResponse(200, "text/html; charset=utf-8", kSwaggerPage);
  };
  root.Get("/api/docs", page, Access::kPublic);
  root.Get(
      "/api/docs/assets/:name",
      [dir = docs.swagger_dir](Request& r) {
        if (r.PathParam("name") == "swagger-init.js") {
          return http::TextResponse(200, "text/javascript", kSwaggerInit);
        }
        return SwaggerAsset(dir, r);
      },
      Access::kPublic);
}

}  // namespace sp::system
