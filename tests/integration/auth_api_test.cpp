// The setup wizard, login, refresh, logout and login throttling, through the real server.
#include <gtest/gtest.h>

#include "tests/support/test_server.hpp"

namespace sp::test {
namespace {

using nlohmann::json;

json SetupBody(const std::string& password, const std::string& confirm,
               const std::string& email = "admin@example.com") {
  return {{"password", password}, {"passwordConfirm", confirm}, {"email", email}};
}

TEST(SetupWizard, FirstRunThenDisabled) {
  TestServer server;
  auto status = server.http().Get("/api/v1/auth/setup/status");
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(status.Json()["setupRequired"], true);
  EXPECT_EQ(status.Json()["adminExists"], true);
  EXPECT_EQ(status.Json()["hasPassword"], false);

  auto done = server.http().Post("/api/v1/auth/setup", SetupBody(kAdminPassword, kAdminPassword));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Json()["username"], "admin");
  EXPECT_EQ(done.Json()["email"], "admin@example.com");

  auto again = server.http().Post("/api/v1/auth/setup",
                                  SetupBody("another password 1", "another password 1"));
  EXPECT_EQ(again.status, 403);
  EXPECT_EQ(again.Json()["error"], "forbidden");
  EXPECT_EQ(server.http().Get("/api/v1/auth/setup/status").Json()["setupRequired"], false);
  // The password set by the first run still works; the second did nothing.
  EXPECT_NO_THROW(server.Login("admin", kAdminPassword));
}

TEST(SetupWizard, RejectsWeakMismatchedAndMalformedInput) {
  TestServer server;
  auto weak = server.http().Post("/api/v1/auth/setup", SetupBody("short pass", "short pass"));
  EXPECT_EQ(weak.status, 400);
  EXPECT_NE(weak.Json()["message"].get<std::string>().find("password"), std::string::npos);
  auto mismatch = server.http().Post("/api/v1/auth/setup",
                                     SetupBody("long enough password", "long enough passw0rd"));
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_NE(mismatch.Json()["message"].get<std::string>().find("passwordConfirm"),
            std::string::npos);
  auto email = server.http().Post("/api/v1/auth/setup",
                                  SetupBody(kAdminPassword, kAdminPassword, "not-an-email"));
  EXPECT_EQ(email.status, 400);
  EXPECT_NE(email.Json()["message"].get<std::string>().find("email"), std::string::npos);
  // None of the refusals consumed the wizard.
  EXPECT_EQ(server.http().Get("/api/v1/auth/setup/status").Json()["setupRequired"], true);
}

TEST(SetupWizard, EnvironmentVariableBootstrapsTheAdmin) {
  TestServer server({.env = {{"STREAMSPACE_ADMIN_PASSWORD", "from the environment"}}});
  EXPECT_EQ(server.http().Get("/api/v1/auth/setup/status").Json()["setupRequired"], false);
  EXPECT_NO_THROW(server.Login("admin", "from the environment"));
  EXPECT_EQ(
      server.http().Post("/api/v1/auth/setup", SetupBody(kAdminPassword, kAdminPassword)).status,
      403);
}

TEST(Login, SuccessReturnsTokensAndUserWithoutSecrets) {
  TestServer server;
  server.SetupAndLoginAdmin();
  auto r = server.http().Post("/api/v1/auth/login",
                              {{"username", "admin"}, {"password", kAdminPassword}});
  ASSERT_EQ(r.status, 200);
  const json body = r.Json();
  EXPECT_FALSE(body["token"].get<std::string>().empty());
  EXPECT_EQ(body["refreshToken"].get<std::string>().rfind("rt_", 0), 0u);
  EXPECT_FALSE(body["expiresAt"].get<std::string>().empty());
  EXPECT_EQ(body["user"]["username"], "admin");
  EXPECT_EQ(body["user"]["role"], "admin");
  EXPECT_EQ(r.body.find("password"), std::string::npos);
  EXPECT_EQ(r.body.find("argon2"), std::string::npos);
  auto me = server.http().Get("/api/v1/users/me", body["token"].get<std::string>());
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(me.Json()["username"], "admin");
}

TEST(Login, WrongPasswordAndUnknownUserLookTheSame) {
  TestServer server;
  server.SetupAndLoginAdmin();
  auto wrong = server.http().Post("/api/v1/auth/login",
                                  {{"username", "admin"}, {"password", "wrong password!"}});
  auto unknown = server.http().Post("/api/v1/auth/login",
                                    {{"username", "nobody"}, {"password", "wrong password!"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.Json()["message"], unknown.Json()["message"]);
  EXPECT_EQ(server.http().Post("/api/v1/auth/login", {{"username", "admin"}}).status, 400);
}

TEST(Login, ThrottledAfterRepeatedFailures) {
  TestServer server;
  server.SetupAndLoginAdmin();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(server.http()
                  .Post("/api/v1/auth/login", {{"username", "admin"}, {"password", "bad guess"}})
                  .status,
              401);
  }
  // Even the right password is refused while the account is throttled.
  auto r = server.http().Post("/api/v1/auth/login",
                              {{"username", "admin"}, {"password", kAdminPassword}});
  EXPECT_EQ(r.status, 429);
  EXPECT_GT(std::stoi(r.Header("retry-after")), 0);
}

TEST(Login, NoTokenOrForgedTokenIs401) {
  TestServer server;
  const std::string token = server.SetupAndLoginAdmin();
  EXPECT_EQ(server.http().Get("/api/v1/users/me").status, 401);
  EXPECT_EQ(server.http().Get("/api/v1/users/me", "garbage").status, 401);
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(server.http().Get("/api/v1/users/me", forged).status, 401);
}

TEST(Refresh, RotatesTheRefreshToken) {
  TestServer server;
  server.SetupAndLoginAdmin();
  auto login =
      server.http()
          .Post("/api/v1/auth/login", {{"username", "admin"}, {"password", kAdminPassword}})
          .Json();
  const std::string refresh = login["refreshToken"];
  auto r = server.http().Post("/api/v1/auth/refresh", {{"refreshToken", refresh}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string new_token = r.Json()["token"];
  const std::string new_refresh = r.Json()["refreshToken"];
  EXPECT_NE(new_refresh, refresh);
  EXPECT_EQ(server.http().Get("/api/v1/users/me", new_token).status, 200);
  // The used refresh token is dead; the new one works.
  EXPECT_EQ(server.http().Post("/api/v1/auth/refresh", {{"refreshToken", refresh}}).status, 401);
  EXPECT_EQ(server.http().Post("/api/v1/auth/refresh", {{"refreshToken", new_refresh}}).status,
            200);
  EXPECT_EQ(server.http().Post("/api/v1/auth/refresh", {{"refreshToken", "rt_forged"}}).status,
            401);
}

TEST(Logout, RevokesTheTokenAndItsRefreshToken) {
  TestServer server;
  server.SetupAndLoginAdmin();
  auto login =
      server.http()
          .Post("/api/v1/auth/login", {{"username", "admin"}, {"password", kAdminPassword}})
          .Json();
  const std::string token = login["token"];
  ASSERT_EQ(server.http().Get("/api/v1/users/me", token).status, 200);
  ASSERT_EQ(server.http().Post("/api/v1/auth/logout", json::object(), token).status, 200);
  EXPECT_EQ(server.http().Get("/api/v1/users/me", token).status, 401);
  EXPECT_EQ(
      server.http().Post("/api/v1/auth/refresh", {{"refreshToken", login["refreshToken"]}}).status,
      401);
}

TEST(Logout, OtherLoginsSurvive) {
  TestServer server;
  const std::string first = server.SetupAndLoginAdmin();
  const std::string second = server.Login("admin", kAdminPassword);
  ASSERT_EQ(server.http().Post("/api/v1/auth/logout", json::object(), first).status, 200);
  EXPECT_EQ(server.http().Get("/api/v1/users/me", second).status, 200);
}

TEST(Login, TokensSurviveARestart) {
  TestServer server;
  const std::string token = server.SetupAndLoginAdmin();
  server.Restart();
  // The JWT secret is stored in the database, so a restart does not log everyone out.
  EXPECT_EQ(server.http().Get("/api/v1/users/me", token).status, 200);
}

}  // namespace
}  // namespace sp::test
