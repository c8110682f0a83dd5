// API keys: shown once, hashed at rest, usable as bearer credentials, limited by scopes,
// counted, refused when expired, revoked or deleted; other users' keys are 404.
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/test_server.hpp"

namespace sp::test {
namespace {

using nlohmann::json;

class ApiKeysApi : public ::testing::Test {
 protected:
  ApiKeysApi() {
    admin_ = server_.SetupAndLoginAdmin();
    server_.CreateUser(admin_, "alice", "alice password 1");
    server_.CreateUser(admin_, "bob", "bob password 12");
    alice_ = server_.Login("alice", "alice password 1");
    bob_ = server_.Login("bob", "bob password 12");
  }
  const HttpClient& http() { return server_.http(); }

  TestServer server_;
  std::string admin_, alice_, bob_;
};

TEST_F(ApiKeysApi, LifeCycle) {
  auto created =
      http().Post("/api/v1/apikeys",
                  {{"name", "deploy script"}, {"description", "CI"}, {"rateLimit", 0}}, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string secret = created.Json()["key"];
  const std::string id = created.Json()["apiKey"]["id"];
  EXPECT_EQ(secret.rfind("sk_", 0), 0u);
  EXPECT_EQ(secret.size(), 3u + 43u);  // sk_ + base64url of 32 bytes
  EXPECT_EQ(created.Json()["apiKey"]["keyPrefix"], secret.substr(0, 8));

  // Never shown again: not in the list, not in the details.
  auto list = http().Get("/api/v1/apikeys", alice_);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.Json()["total"], 1);
  EXPECT_EQ(list.body.find(secret), std::string::npos);
  EXPECT_EQ(list.body.find(secret.substr(8)), std::string::npos);
  EXPECT_EQ(http().Get("/api/v1/apikeys/" + id, alice_).body.find(secret), std::string::npos);

  // Usable as a bearer credential, and counted.
  auto me = http().Get("/api/v1/users/me", secret);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.Json()["username"], "alice");
  http().Get("/api/v1/users/me", secret);
  auto usage = http().Get("/api/v1/apikeys/" + id + "/usage", alice_);
  ASSERT_EQ(usage.status, 200);
  EXPECT_EQ(usage.Json()["useCount"], 2);
  EXPECT_TRUE(usage.Json()["lastUsedAt"].is_string());

  // Metadata update.
  auto updated = http().Put("/api/v1/apikeys/" + id, {{"name", "renamed key"}}, alice_);
  ASSERT_EQ(updated.status, 200);
  EXPECT_EQ(updated.Json()["name"], "renamed key");

  // Revoke: the record stays, the key stops working.
  auto revoked = http().Post("/api/v1/apikeys/" + id + "/revoke", json::object(), alice_);
  ASSERT_EQ(revoked.status, 200);
  EXPECT_EQ(revoked.Json()["isActive"], false);
  EXPECT_EQ(http().Get("/api/v1/users/me", secret).status, 401);

  // Delete: gone.
  EXPECT_EQ(http().Delete("/api/v1/apikeys/" + id, alice_).status, 200);
  EXPECT_EQ(http().Get("/api/v1/apikeys/" + id, alice_).status, 404);
  EXPECT_EQ(http().Get("/api/v1/apikeys", alice_).Json()["total"], 0);
}

TEST_F(ApiKeysApi, RotateIssuesANewSecretAndKillsTheOld) {
  auto created = http().Post("/api/v1/apikeys", {{"name", "rotating"}}, alice_).Json();
  const std::string id = created["apiKey"]["id"];
  const std::string old_secret = created["key"];
  auto rotated = http().Post("/api/v1/apikeys/" + id + "/rotate", json::object(), alice_);
  ASSERT_EQ(rotated.status, 200);
  const std::string new_secret = rotated.Json()["key"];
  EXPECT_NE(new_secret, old_secret);
  EXPECT_EQ(rotated.Json()["apiKey"]["id"], id);
  EXPECT_EQ(http().Get("/api/v1/users/me", old_secret).status, 401);
  EXPECT_EQ(http().Get("/api/v1/users/me", new_secret).status, 200);
}

TEST_F(ApiKeysApi, ScopesLimitWhatAKeyMayDo) {
  auto created =
      http().Post("/api/v1/apikeys", {{"name", "read only"}, {"scopes", {"users:read"}}}, alice_);
  ASSERT_EQ(created.status, 201);
  const std::string key = created.Json()["key"];
  EXPECT_EQ(created.Json()["apiKey"]["scopes"], json({"users:read"}));
  EXPECT_EQ(http().Get("/api/v1/users/me", key).status, 200);
  auto denied = http().Post("/api/v1/apikeys", {{"name", "escalate"}}, key);
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.Json()["message"].get<std::string>().find("scope"), std::string::npos);
  EXPECT_EQ(http().Patch("/api/v1/users/me", {{"fullName", "x"}}, key).status, 405);
  EXPECT_EQ(http().Get("/api/v1/groups", key).status, 403);

  // An admin's key without admin:all cannot reach admin-only routes.
  auto admin_key =
      http()
          .Post("/api/v1/apikeys", {{"name", "admin reader"}, {"scopes", {"users:read"}}}, admin_)
          .Json()["key"]
          .get<std::string>();
  EXPECT_EQ(http().Get("/api/v1/users", admin_key).status, 200);
  EXPECT_EQ(http().Get("/api/v1/admin/apikeys", admin_key).status, 403);
  auto full =
      http()
          .Post("/api/v1/apikeys", {{"name", "admin full"}, {"scopes", {"admin:all"}}}, admin_)
          .Json()["key"]
          .get<std::string>();
  EXPECT_EQ(http().Get("/api/v1/admin/apikeys", full).status, 200);
}

TEST_F(ApiKeysApi, ExpiredKeysAreRefused) {
  auto created =
      http().Post("/api/v1/apikeys", {{"name", "short lived"}, {"expiresIn", "1s"}}, alice_);
  ASSERT_EQ(created.status, 201);
  const std::string key = created.Json()["key"];
  EXPECT_TRUE(created.Json()["apiKey"]["expiresAt"].is_string());
  // Expiry has second precision; wait until the key's second has certainly passed.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto r = http().Get("/api/v1/users/me", key);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.Json()["message"].get<std::string>().find("expired"), std::string::npos);
}

TEST_F(ApiKeysApi, ValidationNamesTheField) {
  auto check = [&](json body, const std::string& field) {
    auto r = http().Post("/api/v1/apikeys", body, alice_);
    EXPECT_EQ(r.status, 400) << body.dump();
    EXPECT_NE(r.Json()["message"].get<std::string>().find(field), std::string::npos) << r.body;
  };
  check(json::object(), "name");
  check({{"name", "ab"}}, "name");
  check({{"name", "okay"}, {"expiresIn", "forever"}}, "expiresIn");
  check({{"name", "okay"}, {"scopes", "users:read"}}, "scopes");
  check({{"name", "okay"}, {"scopes", {"x"}}}, "scopes");
  check({{"name", "okay"}, {"rateLimit", -1}}, "rateLimit");
  check({{"name", "okay"}, {"rateLimit", "fast"}}, "rateLimit");
  check({{"name", "okay"}, {"description", std::string(501, 'd')}}, "description");
}

TEST_F(ApiKeysApi, OtherUsersKeysAreNotFound) {
  const std::string id =
      http().Post("/api/v1/apikeys", {{"name", "alice key"}}, alice_).Json()["apiKey"]["id"];
  EXPECT_EQ(http().Get("/api/v1/apikeys/" + id, bob_).status, 404);
  EXPECT_EQ(http().Get("/api/v1/apikeys/" + id + "/usage", bob_).status, 404);
  EXPECT_EQ(http().Put("/api/v1/apikeys/" + id, {{"name", "mine now"}}, bob_).status, 404);
  EXPECT_EQ(http().Post("/api/v1/apikeys/" + id + "/revoke", json::object(), bob_).status, 404);
  EXPECT_EQ(http().Post("/api/v1/apikeys/" + id + "/rotate", json::object(), bob_).status, 404);
  EXPECT_EQ(http().Delete("/api/v1/apikeys/" + id, bob_).status, 404);
  EXPECT_EQ(http().Get("/api/v1/apikeys", bob_).Json()["total"], 0);
  EXPECT_EQ(http().Get("/api/v1/apikeys/" + id, alice_).status, 200);  // untouched
}

TEST_F(ApiKeysApi, AdminListsEveryKeyWithoutSecrets) {
  const std::string secret =
      http().Post("/api/v1/apikeys", {{"name", "alice key"}}, alice_).Json()["key"];
  http().Post("/api/v1/apikeys", {{"name", "bob key"}}, bob_);
  auto all = http().Get("/api/v1/admin/apikeys", admin_);
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.Json()["total"], 2);
  EXPECT_EQ(all.body.find(secret), std::string::npos);
  EXPECT_EQ(all.body.find("keyHash"), std::string::npos);
  EXPECT_EQ(http().Get("/api/v1/admin/apikeys", alice_).status, 403);
}

TEST_F(ApiKeysApi, PerKeyRateLimit) {
  const std::string key =
      http()
          .Post("/api/v1/apikeys", {{"name", "slow key"}, {"rateLimit", 2}}, alice_)
          .Json()["key"];
  EXPECT_EQ(http().Get("/api/v1/users/me", key).status, 200);
  EXPECT_EQ(http().Get("/api/v1/users/me", key).status, 200);
  auto limited = http().Get("/api/v1/users/me", key);
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.Header("retry-after").empty());
}

}  // namespace
}  // namespace sp::test
