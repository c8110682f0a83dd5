// Health, version and the API documentation.
#include <gtest/gtest.h>

#include "tests/support/test_server.hpp"

namespace sp::test {
namespace {

TEST(SystemApi, HealthAndVersion) {
  TestServer server;
  for (const auto& path : {"/health", "/api/v1/monitoring/health"}) {
    auto r = server.http().Get(path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.Json()["status"], "healthy");
    EXPECT_EQ(r.Json()["database"]["ok"], true);
    EXPECT_EQ(r.Json()["database"]["type"], server.on_postgres() ? "postgresql" : "sqlite");
  }
  auto v = server.http().Get("/version");
  ASSERT_EQ(v.status, 200);
  EXPECT_FALSE(v.Json()["version"].get<std::string>().empty());
}

TEST(SystemApi, OpenApiDocumentsTheRoutes) {
  TestServer server;
  auto json = server.http().Get("/api/openapi.json");
  ASSERT_EQ(json.status, 200);
  auto doc = json.Json();
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  for (const auto& path : {"/api/v1/auth/login", "/api/v1/users", "/api/v1/groups/{id}/members",
                           "/api/v1/apikeys/{id}/rotate", "/api/v1/admin/quotas"}) {
    EXPECT_TRUE(doc["paths"].contains(path)) << path;
  }
  auto yaml = server.http().Get("/api/openapi.yaml");
  ASSERT_EQ(yaml.status, 200);
  EXPECT_EQ(yaml.Header("content-type"), "application/x-yaml");
  EXPECT_NE(yaml.body.find("openapi:"), std::string::npos);
}

TEST(SystemApi, SwaggerUiIsServedLocally) {
  TestServer server;
  auto page = server.http().Get("/api/docs");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("/api/docs/assets/swagger-ui-bundle.js"), std::string::npos);
  EXPECT_EQ(page.body.find("http"), page.body.find("http-equiv"));  // no external URL
  auto bundle = server.http().Get("/api/docs/assets/swagger-ui-bundle.js");
  EXPECT_EQ(bundle.status, 200);
  EXPECT_GT(bundle.body.size(), 100000u);
  EXPECT_EQ(server.http().Get("/api/docs/assets/..%2F..%2Fetc%2Fpasswd").status, 404);
}

}  // namespace
}  // namespace sp::test
