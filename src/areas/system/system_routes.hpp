// Health, version and API documentation (spec sections 12 and 17: the public parts).
#pragma once

#include <functional>
#include <string>

#include "db/database.hpp"
#include "http/router.hpp"

namespace sp::system {

struct SystemInfo {
  std::string version;
  std::string build_time;
  std::string database;  // dialect name, never the URL
  std::function<uint64_t()> request_count;
  std::chrono::steady_clock::time_point started;
};

struct DocsAssets {
  std::string openapi_yaml;
  std::string openapi_json;
  std::string swagger_dir;  // directory holding swagger-ui-dist's files
};

void RegisterRoutes(http::Router& router, db::Database& db, SystemInfo info, DocsAssets docs);

}  // namespace sp::system
