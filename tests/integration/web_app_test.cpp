// The web UI's server side: the single-page app at `/` with deep links, and the refresh
// cookie the browser uses instead of storing tokens where scripts can read them.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/test_server.hpp"

namespace sp::test {
namespace {

using nlohmann::json;

std::string RefreshCookieOf(const HttpResponse& r) {
  const std::string c = r.Header("set-cookie");
  const size_t start = c.find("ss_refresh=");
  if (start == std::string::npos) return {};
  return c.substr(start, c.find(';', start) - start);
}

TEST(WebApp, ServesTheAppWithDeepLinksButNeverForTheApi) {
  const std::string web =
      (std::filesystem::temp_directory_path() / ("sp-web-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(web + "/app/assets");
  std::ofstream(web + "/app/index.html") << "<!doctype html><title>StreamSpace app</title>";
  std::ofstream(web + "/app/assets/main-abc123.js") << "console.log('app')";
  TestServer server(TestServerOptions{.extra_args = {"--web-dir", web, "--no-local-agent"}});

  auto index = server.http().Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("StreamSpace app"), std::string::npos);
  EXPECT_NE(index.Header("content-security-policy").find("default-src 'self'"), std::string::npos);
  auto deep = server.http().Get("/sessions/some-id");
  EXPECT_EQ(deep.status, 200);
  EXPECT_NE(deep.body.find("StreamSpace app"), std::string::npos);
  auto asset = server.http().Get("/assets/main-abc123.js");
  EXPECT_EQ(asset.status, 200);
  EXPECT_EQ(asset.Header("content-type"), "text/javascript");
  EXPECT_NE(asset.Header("cache-control").find("immutable"), std::string::npos);
  EXPECT_EQ(server.http().Get("/assets/gone-123.js").status, 404);
  EXPECT_EQ(server.http().Get("/../../etc/passwd").body.find("root:"), std::string::npos);
  EXPECT_EQ(server.http().Get("/assets/../../../etc/passwd").body.find("root:"), std::string::npos);
  // API paths answer JSON errors, not the app.
  auto api = server.http().Get("/api/v1/no-such-thing");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(api.Json()["error"], "not_found");
  EXPECT_EQ(server.http().Send("POST", "/sessions/x").status, 404);
  std::filesystem::remove_all(web);
}

TEST(WebApp, ARevalidatedPageIsNotSentAgainUntilItChanges) {
  const std::string web =
      (std::filesystem::temp_directory_path() / ("sp-web-etag-" + std::to_string(::getpid())))
          .string();
  std::filesystem::create_directories(web + "/app");
  std::ofstream(web + "/app/index.html") << "<!doctype html><title>build one</title>";
  TestServer server(TestServerOptions{.extra_args = {"--web-dir", web, "--no-local-agent"}});

  auto first = server.http().Get("/sessions");
  ASSERT_EQ(first.status, 200);
  const std::string etag = first.Header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(first.Header("cache-control"), "no-cache");
  auto again = server.http().Send("GET", "/sessions", "", {}, {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.body, "");
  EXPECT_EQ(again.Header("etag"), etag);
  EXPECT_EQ(again.Header("content-length"), "");  // RFC 9110: none, or the 200's length

  // A new build replaces index.html: the old tag no longer matches.
  std::ofstream(web + "/app/index.html", std::ios::trunc)
      << "<!doctype html><title>build two, with a longer title</title>";
  auto rebuilt = server.http().Send("GET", "/sessions", "", {}, {{"If-None-Match", etag}});
  EXPECT_EQ(rebuilt.status, 200);
  EXPECT_NE(rebuilt.body.find("build two"), std::string::npos);
  EXPECT_NE(rebuilt.Header("etag"), etag);
  std::filesystem::remove_all(web);
}

TEST(WebApp, RefreshCookieIsHttpOnlyStrictAndNeedsTheCsrfHeader) {
  TestServer server(TestServerOptions{.extra_args = {"--no-local-agent"}});
  server.SetupAndLoginAdmin();
  auto login = server.http().Post("/api/v1/auth/login",
                                  {{"username", "admin"}, {"password", kAdminPassword}});
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string set_cookie = login.Header("set-cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(set_cookie.find("Path=/api/v1/auth"), std::string::npos);
  const std::string cookie = RefreshCookieOf(login);
  ASSERT_FALSE(cookie.empty());

  // Without the custom header (what a cross-site form would send): refused.
  auto forged = server.http().Send("POST", "/api/v1/auth/refresh", "{}", {}, {{"Cookie", cookie}});
  EXPECT_EQ(forged.status, 403) << forged.body;
  auto no_cookie =
      server.http().Send("POST", "/api/v1/auth/refresh", "", {}, {{"X-StreamSpace-CSRF", "1"}});
  EXPECT_EQ(no_cookie.status, 401);

  auto refreshed = server.http().Send("POST", "/api/v1/auth/refresh", "", {},
                                      {{"Cookie", cookie}, {"X-StreamSpace-CSRF", "1"}});
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  const std::string token = refreshed.Json()["token"];
  EXPECT_EQ(server.http().Get("/api/v1/users/me", token).status, 200);
  const std::string rotated = RefreshCookieOf(refreshed);
  EXPECT_FALSE(rotated.empty());
  EXPECT_NE(rotated, cookie);
  // The old refresh token was rotated away.
  EXPECT_EQ(server.http()
                .Send("POST", "/api/v1/auth/refresh", "", {},
                      {{"Cookie", cookie}, {"X-StreamSpace-CSRF", "1"}})
                .status,
            401);

  // Logout clears the cookie.
  auto out = server.http().Post("/api/v1/auth/logout", json::object(), token);
  EXPECT_EQ(out.status, 200);
  EXPECT_NE(out.Header("set-cookie").find("Max-Age=0"), std::string::npos);
}

}  // namespace
}  // namespace sp::test
