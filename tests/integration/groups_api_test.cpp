// Groups: CRUD, members with roles, quotas, and refusals for non-members.
#include <gtest/gtest.h>

#include "tests/support/test_server.hpp"

namespace sp::test {
namespace {

using nlohmann::json;

class GroupsApi : public ::testing::Test {
 protected:
  GroupsApi() {
    admin_ = server_.SetupAndLoginAdmin();
    alice_id_ = server_.CreateUser(admin_, "alice", "alice password 1");
    bob_id_ = server_.CreateUser(admin_, "bob", "bob password 12");
    alice_ = server_.Login("alice", "alice password 1");
    bob_ = server_.Login("bob", "bob password 12");
  }
  const HttpClient& http() { return server_.http(); }
  std::string CreateGroup(const std::string& name) {
    auto r =
        http().Post("/api/v1/groups",
                    {{"name", name}, {"displayName", "Group " + name}, {"type", "team"}}, admin_);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json()["id"];
  }

  TestServer server_;
  std::string admin_, alice_, bob_, alice_id_, bob_id_;
};

TEST_F(GroupsApi, CreateGetUpdateDelete) {
  const std::string id = CreateGroup("engineering");
  auto got = http().Get("/api/v1/groups/" + id, admin_);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.Json()["name"], "engineering");
  EXPECT_EQ(got.Json()["memberCount"], 0);
  auto patched = http().Patch("/api/v1/groups/" + id, {{"description", "builds things"}}, admin_);
  ASSERT_EQ(patched.status, 200);
  EXPECT_EQ(patched.Json()["description"], "builds things");
  EXPECT_EQ(http().Get("/api/v1/groups", admin_).Json()["total"], 1);
  EXPECT_EQ(http().Delete("/api/v1/groups/" + id, admin_).status, 200);
  EXPECT_EQ(http().Get("/api/v1/groups/" + id, admin_).status, 404);
}

TEST_F(GroupsApi, ValidationAndDuplicates) {
  auto bad = [&](json body, const std::string& field) {
    auto r = http().Post("/api/v1/groups", body, admin_);
    EXPECT_EQ(r.status, 400) << body.dump();
    EXPECT_NE(r.Json()["message"].get<std::string>().find(field), std::string::npos) << r.body;
  };
  json good = {{"name", "sales"}, {"displayName", "Sales Team"}, {"type", "team"}};
  json b = good;
  b["name"] = "Sales Team";
  bad(b, "name");
  b = good;
  b["type"] = "club";
  bad(b, "type");
  b = good;
  b["parentId"] = "00000000-0000-4000-8000-000000000000";
  bad(b, "parentId");
  b = good;
  b.erase("displayName");
  bad(b, "displayName");
  ASSERT_EQ(http().Post("/api/v1/groups", good, admin_).status, 201);
  EXPECT_EQ(http().Post("/api/v1/groups", good, admin_).status, 409);
  EXPECT_EQ(http().Post("/api/v1/groups", good, alice_).status, 403);
}

TEST_F(GroupsApi, MembersAndRoles) {
  const std::string id = CreateGroup("research");
  ASSERT_EQ(http()
                .Post("/api/v1/groups/" + id + "/members",
                      {{"userId", alice_id_}, {"role", "admin"}}, admin_)
                .status,
            200);
  EXPECT_EQ(
      http().Post("/api/v1/groups/" + id + "/members", {{"userId", alice_id_}}, admin_).status,
      409);
  EXPECT_EQ(http()
                .Post("/api/v1/groups/" + id + "/members",
                      {{"userId", "00000000-0000-4000-8000-000000000000"}}, admin_)
                .status,
            404);
  // A group admin manages members; the listing carries user info but no secrets.
  ASSERT_EQ(http().Post("/api/v1/groups/" + id + "/members", {{"userId", bob_id_}}, alice_).status,
            200);
  auto members = http().Get("/api/v1/groups/" + id + "/members", bob_);
  ASSERT_EQ(members.status, 200);
  EXPECT_EQ(members.Json()["total"], 2);
  EXPECT_EQ(members.body.find("argon2"), std::string::npos);
  EXPECT_EQ(members.body.find("password"), std::string::npos);
  // A plain member may not manage others.
  EXPECT_EQ(http()
                .Patch("/api/v1/groups/" + id + "/members/" + alice_id_, {{"role", "member"}}, bob_)
                .status,
            403);
  EXPECT_EQ(http()
                .Patch("/api/v1/groups/" + id + "/members/" + bob_id_, {{"role", "boss"}}, admin_)
                .status,
            400);
  EXPECT_EQ(http()
                .Patch("/api/v1/groups/" + id + "/members/" + bob_id_, {{"role", "admin"}}, admin_)
                .status,
            200);
  auto bob_groups = http().Get("/api/v1/users/" + bob_id_ + "/groups", bob_);
  ASSERT_EQ(bob_groups.status, 200);
  EXPECT_EQ(bob_groups.Json()["groups"][0]["role"], "admin");
  EXPECT_EQ(http().Delete("/api/v1/groups/" + id + "/members/" + bob_id_, admin_).status, 200);
  EXPECT_EQ(http().Delete("/api/v1/groups/" + id + "/members/" + bob_id_, admin_).status, 404);
  EXPECT_EQ(http().Get("/api/v1/groups/" + id, admin_).Json()["memberCount"], 1);
}

TEST_F(GroupsApi, NonMembersSeeNothing) {
  const std::string id = CreateGroup("secret-project");
  EXPECT_EQ(http().Get("/api/v1/groups/" + id, bob_).status, 404);
  EXPECT_EQ(http().Get("/api/v1/groups/" + id + "/members", bob_).status, 404);
  EXPECT_EQ(http().Get("/api/v1/groups/" + id + "/quota", bob_).status, 404);
  EXPECT_EQ(http().Patch("/api/v1/groups/" + id, {{"description", "x"}}, bob_).status, 404);
  EXPECT_EQ(http().Delete("/api/v1/groups/" + id, bob_).status, 404);
  EXPECT_EQ(http().Get("/api/v1/groups", bob_).Json()["total"], 0);
}

TEST_F(GroupsApi, QuotaDefaultsAndOverride) {
  const std::string id = CreateGroup("ops");
  auto q = http().Get("/api/v1/groups/" + id + "/quota", admin_);
  ASSERT_EQ(q.status, 200);
  EXPECT_EQ(q.Json()["isDefault"], true);
  auto set = http().Put("/api/v1/groups/" + id + "/quota",
                        {{"maxSessions", 50}, {"maxMemory", "64Gi"}}, admin_);
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.Json()["maxSessions"], 50);
  EXPECT_EQ(set.Json()["maxMemory"], "64Gi");
  EXPECT_EQ(set.Json()["groupId"], id);
  EXPECT_EQ(http().Put("/api/v1/groups/" + id + "/quota", {{"maxSessions", 5}}, alice_).status,
            403);
  EXPECT_EQ(http().Put("/api/v1/groups/" + id + "/quota", {{"maxSessions", -1}}, admin_).status,
            400);
}

}  // namespace
}  // namespace sp::test
