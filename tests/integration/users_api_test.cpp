// Users: roles, validation, IDOR refusals, quotas, the last-admin guard.
#include <gtest/gtest.h>

#include "tests/support/test_server.hpp"

namespace sp::test {
namespace {

using nlohmann::json;

class UsersApi : public ::testing::Test {
 protected:
  UsersApi() {
    admin_ = server_.SetupAndLoginAdmin();
    alice_id_ = server_.CreateUser(admin_, "alice", "alice password 1");
    bob_id_ = server_.CreateUser(admin_, "bob", "bob password 12");
    alice_ = server_.Login("alice", "alice password 1");
    bob_ = server_.Login("bob", "bob password 12");
  }
  const HttpClient& http() { return server_.http(); }

  TestServer server_;
  std::string admin_, alice_, bob_, alice_id_, bob_id_;
};

TEST_F(UsersApi, AdminListsAndFilters) {
  auto r = http().Get("/api/v1/users", admin_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["total"], 3);
  EXPECT_EQ(r.Json()["users"].size(), 3u);
  auto admins = http().Get("/api/v1/users?role=admin", admin_).Json();
  EXPECT_EQ(admins["total"], 1);
  EXPECT_EQ(admins["users"][0]["username"], "admin");
  auto paged = http().Get("/api/v1/users?page=2&page_size=2", admin_).Json();
  EXPECT_EQ(paged["users"].size(), 1u);
  EXPECT_EQ(paged["page"], 2);
  EXPECT_EQ(http().Get("/api/v1/users?page_size=0", admin_).status, 400);
  EXPECT_EQ(http().Get("/api/v1/users?active=maybe", admin_).status, 400);
}

TEST_F(UsersApi, PlainUserCannotListOrCreateUsers) {
  EXPECT_EQ(http().Get("/api/v1/users", alice_).status, 403);
  auto r = http().Post("/api/v1/users",
                       {{"username", "mallory"},
                        {"email", "m@example.com"},
                        {"fullName", "M"},
                        {"password", "mallory password"}},
                       alice_);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(http().Get("/api/v1/users", admin_).Json()["total"], 3);
}

TEST_F(UsersApi, NoResponseCarriesAPasswordHash) {
  for (const auto& target : {"/api/v1/users", "/api/v1/users/me"}) {
    auto r = http().Get(target, admin_);
    EXPECT_EQ(r.body.find("argon2"), std::string::npos) << target;
    EXPECT_EQ(r.body.find("password"), std::string::npos) << target;
  }
  auto r = http().Get("/api/v1/users/" + alice_id_, admin_);
  EXPECT_EQ(r.body.find("argon2"), std::string::npos);
}

TEST_F(UsersApi, OtherUsersAreNotFoundNotForbidden) {
  EXPECT_EQ(http().Get("/api/v1/users/" + bob_id_, alice_).status, 404);
  EXPECT_EQ(http().Patch("/api/v1/users/" + bob_id_, {{"fullName", "pwned"}}, alice_).status, 404);
  EXPECT_EQ(http().Delete("/api/v1/users/" + bob_id_, alice_).status, 404);
  EXPECT_EQ(http().Get("/api/v1/users/" + bob_id_ + "/quota", alice_).status, 404);
  EXPECT_EQ(http().Get("/api/v1/users/" + bob_id_ + "/groups", alice_).status, 404);
  // The same answer as for an id that does not exist at all.
  auto missing = http().Get("/api/v1/users/00000000-0000-4000-8000-000000000000", alice_);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(http().Get("/api/v1/users/" + bob_id_, admin_).Json()["fullName"], "Test bob");
}

TEST_F(UsersApi, SelfServiceUpdateButNotRoleOrActive) {
  auto r = http().Patch("/api/v1/users/" + alice_id_, {{"fullName", "Alice A."}}, alice_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["fullName"], "Alice A.");
  EXPECT_EQ(http().Patch("/api/v1/users/" + alice_id_, {{"role", "admin"}}, alice_).status, 403);
  EXPECT_EQ(http().Get("/api/v1/users/me", alice_).Json()["role"], "user");
}

TEST_F(UsersApi, PasswordChangeNeedsTheCurrentPassword) {
  EXPECT_EQ(http()
                .Patch("/api/v1/users/" + alice_id_,
                       {{"password", "a brand new pass"}, {"currentPassword", "wrong"}}, alice_)
                .status,
            400);
  ASSERT_EQ(http()
                .Patch("/api/v1/users/" + alice_id_,
                       {{"password", "a brand new pass"}, {"currentPassword", "alice password 1"}},
                       alice_)
                .status,
            200);
  EXPECT_NO_THROW(server_.Login("alice", "a brand new pass"));
  EXPECT_THROW(server_.Login("alice", "alice password 1"), std::runtime_error);
}

TEST_F(UsersApi, CreateValidatesAndRejectsDuplicates) {
  auto bad = [&](json body, const std::string& field) {
    auto r = http().Post("/api/v1/users", body, admin_);
    EXPECT_EQ(r.status, 400) << body.dump();
    EXPECT_NE(r.Json()["message"].get<std::string>().find(field), std::string::npos) << r.body;
  };
  json good = {{"username", "carol"},
               {"email", "carol@example.com"},
               {"fullName", "Carol"},
               {"password", "carol password"}};
  json b = good;
  b["username"] = "x";
  bad(b, "username");
  b = good;
  b["username"] = "bad name!";
  bad(b, "username");
  b = good;
  b["email"] = "nope";
  bad(b, "email");
  b = good;
  b["role"] = "superuser";
  bad(b, "role");
  b = good;
  b["password"] = "short";
  bad(b, "password");
  b = good;
  b["fullName"] = 42;
  bad(b, "fullName");
  b = good;
  b.erase("email");
  bad(b, "email");

  ASSERT_EQ(http().Post("/api/v1/users", good, admin_).status, 201);
  auto dup = http().Post("/api/v1/users", good, admin_);
  EXPECT_EQ(dup.status, 409);
  good["username"] = "carol2";
  auto dup_email = http().Post("/api/v1/users", good, admin_);
  EXPECT_EQ(dup_email.status, 409);
  EXPECT_NE(dup_email.Json()["message"].get<std::string>().find("email"), std::string::npos);
}

TEST_F(UsersApi, DeactivationEndsLoginsAndBlocksNewOnes) {
  ASSERT_EQ(http().Patch("/api/v1/users/" + alice_id_, {{"active", false}}, admin_).status, 200);
  EXPECT_EQ(http().Get("/api/v1/users/me", alice_).status, 401);
  auto r =
      http().Post("/api/v1/auth/login", {{"username", "alice"}, {"password", "alice password 1"}});
  EXPECT_EQ(r.status, 401);
}

TEST_F(UsersApi, LastAdminCannotBeRemovedOrDemoted) {
  const std::string admin_id = http().Get("/api/v1/users/me", admin_).Json()["id"];
  EXPECT_EQ(http().Delete("/api/v1/users/" + admin_id, admin_).status, 409);
  EXPECT_EQ(http().Patch("/api/v1/users/" + admin_id, {{"role", "user"}}, admin_).status, 409);
  // With a second admin, demotion is fine.
  ASSERT_EQ(http().Patch("/api/v1/users/" + bob_id_, {{"role", "admin"}}, admin_).status, 200);
  EXPECT_EQ(http().Patch("/api/v1/users/" + admin_id, {{"role", "user"}}, admin_).status, 200);
}

TEST_F(UsersApi, DeleteRemovesTheUserAndTheirCredentials) {
  auto key = http().Post("/api/v1/apikeys", {{"name", "bob key"}}, bob_).Json();
  const std::string secret = key["key"];
  ASSERT_EQ(http().Get("/api/v1/users/me", secret).status, 200);
  ASSERT_EQ(http().Delete("/api/v1/users/" + bob_id_, admin_).status, 200);
  EXPECT_EQ(http().Get("/api/v1/users/" + bob_id_, admin_).status, 404);
  EXPECT_EQ(http().Get("/api/v1/users/me", bob_).status, 401);
  EXPECT_EQ(http().Get("/api/v1/users/me", secret).status, 401);
}

TEST_F(UsersApi, QuotasDefaultThenOverrideThenReset) {
  auto q = http().Get("/api/v1/users/me/quota", alice_);
  ASSERT_EQ(q.status, 200);
  EXPECT_EQ(q.Json()["isDefault"], true);
  EXPECT_EQ(q.Json()["maxSessions"], 10);
  EXPECT_EQ(q.Json()["usedSessions"], 0);

  EXPECT_EQ(
      http().Put("/api/v1/users/" + alice_id_ + "/quota", {{"maxSessions", 3}}, alice_).status,
      403);
  auto set = http().Put("/api/v1/users/" + alice_id_ + "/quota",
                        {{"maxSessions", 3}, {"maxCpu", "2"}, {"maxMemory", "4Gi"}}, admin_);
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.Json()["maxSessions"], 3);
  EXPECT_EQ(set.Json()["maxCpu"], "2000m");
  EXPECT_EQ(set.Json()["maxMemory"], "4Gi");
  EXPECT_EQ(set.Json()["maxStorage"], "100Gi");
  EXPECT_EQ(http().Get("/api/v1/users/me/quota", alice_).Json()["maxSessions"], 3);

  EXPECT_EQ(
      http().Put("/api/v1/users/" + alice_id_ + "/quota", {{"maxSessions", 99999}}, admin_).status,
      400);
  EXPECT_EQ(
      http().Put("/api/v1/users/" + alice_id_ + "/quota", {{"maxCpu", "a lot"}}, admin_).status,
      400);

  auto all = http().Get("/api/v1/admin/quotas", admin_).Json();
  EXPECT_EQ(all["total"], 1);
  EXPECT_EQ(http().Get("/api/v1/admin/quotas/alice", admin_).Json()["maxSessions"], 3);
  auto by_name =
      http().Put("/api/v1/admin/quotas", {{"username", "bob"}, {"maxSessions", 7}}, admin_);
  EXPECT_EQ(by_name.status, 200);
  EXPECT_EQ(by_name.Json()["username"], "bob");
  EXPECT_EQ(http().Put("/api/v1/admin/quotas", {{"maxSessions", 7}}, admin_).status, 400);
  EXPECT_EQ(http().Put("/api/v1/admin/quotas", {{"username", "ghost"}}, admin_).status, 404);
  EXPECT_EQ(http().Delete("/api/v1/admin/quotas/alice", admin_).status, 200);
  EXPECT_EQ(http().Get("/api/v1/users/me/quota", alice_).Json()["isDefault"], true);
  EXPECT_EQ(http().Delete("/api/v1/admin/quotas/alice", admin_).status, 404);
  EXPECT_EQ(http().Get("/api/v1/admin/quotas", alice_).status, 403);
}

TEST_F(UsersApi, UserSessionsRedirectsToTheSessionsList) {
  auto r = http().Get("/api/v1/users/" + alice_id_ + "/sessions", admin_);
  EXPECT_EQ(r.status, 307);
  EXPECT_EQ(r.Header("location"), "/api/v1/sessions?user=" + alice_id_);
}

}  // namespace
}  // namespace sp::test
