// Templates: the built-in catalog, lookup by name, admin-only writes, validation naming the
// field, duplicates, and disabled templates hidden from users.
#include <gtest/gtest.h>

#include "tests/support/test_server.hpp"

namespace sp::test {
namespace {

using nlohmann::json;

class TemplatesApi : public ::testing::Test {
 protected:
  TemplatesApi() {
    admin_ = server_.SetupAndLoginAdmin();
    server_.CreateUser(admin_, "alice", "alice password 1");
    alice_ = server_.Login("alice", "alice password 1");
  }
  const HttpClient& http() { return server_.http(); }
  static json Xeyes() {
    return {{"name", "xeyes"},
            {"displayName", "X Eyes"},
            {"description", "Eyes that follow the pointer"},
            {"category", "Toys"},
            {"tags", {"x11", "fun"}},
            {"command", {"xeyes"}},
            {"resources", {{"cpu", "500m"}, {"memory", "256Mi"}}},
            {"env", {{"XEYES_MODE", "shiny"}}}};
  }

  TestServer server_;
  std::string admin_, alice_;
};

TEST_F(TemplatesApi, BuiltinsAreListedWithIcons) {
  auto r = http().Get("/api/v1/templates", alice_);
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = r.Json();
  EXPECT_EQ(body["total"], 2);
  ASSERT_EQ(body["templates"].size(), 2u);
  EXPECT_EQ(body["templates"][0]["name"], "firefox");
  EXPECT_EQ(body["templates"][1]["name"], "terminal");
  for (const auto& t : body["templates"]) {
    EXPECT_EQ(t["icon"].get<std::string>().rfind("data:image/svg+xml;base64,", 0), 0u) << t["name"];
    EXPECT_TRUE(t["builtin"].get<bool>());
    EXPECT_TRUE(t["enabled"].get<bool>());
    EXPECT_FALSE(t["command"].empty());
    EXPECT_FALSE(t["image"].get<std::string>().empty());
    EXPECT_EQ(t["protocol"], "vnc");
  }
  EXPECT_EQ(body["templates"][0]["resources"], json({{"cpu", "2000m"}, {"memory", "2Gi"}}));
  EXPECT_EQ(body["templates"][0]["env"]["MOZ_DISABLE_CONTENT_SANDBOX"], "1");
  EXPECT_EQ(body["templates"][1]["resources"], json({{"cpu", "1000m"}, {"memory", "1Gi"}}));
  EXPECT_EQ(body["templates"][1]["idleTimeout"], 1800);
  EXPECT_EQ(body["templates"][1]["persistentHome"], true);

  auto internet = http().Get("/api/v1/templates?category=Internet", alice_).Json();
  ASSERT_EQ(internet["total"], 1);
  EXPECT_EQ(internet["templates"][0]["name"], "firefox");
  EXPECT_EQ(http().Get("/api/v1/templates?tag=shell", alice_).Json()["templates"][0]["name"],
            "terminal");
  EXPECT_EQ(http().Get("/api/v1/templates?search=XTERM", alice_).Json()["total"], 1);
  EXPECT_EQ(http().Get("/api/v1/templates?appType=webapp", alice_).Json()["total"], 0);
  EXPECT_EQ(http().Get("/api/v1/templates?appType=game", alice_).status, 400);
  auto paged = http().Get("/api/v1/templates?page=2&page_size=1", alice_).Json();
  EXPECT_EQ(paged["templates"].size(), 1u);
  EXPECT_EQ(paged["templates"][0]["name"], "terminal");
  EXPECT_EQ(http().Get("/api/v1/templates").status, 401);
}

TEST_F(TemplatesApi, GetByNameOrId) {
  auto by_name = http().Get("/api/v1/templates/terminal", alice_);
  ASSERT_EQ(by_name.status, 200) << by_name.body;
  EXPECT_EQ(by_name.Json()["displayName"], "Terminal");
  EXPECT_EQ(by_name.Json()["category"], "Development");
  const std::string id = by_name.Json()["id"];
  auto by_id = http().Get("/api/v1/templates/" + id, alice_);
  ASSERT_EQ(by_id.status, 200);
  EXPECT_EQ(by_id.Json()["name"], "terminal");
  auto missing = http().Get("/api/v1/templates/no-such-app", alice_);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Json()["message"], "template not found");
}

TEST_F(TemplatesApi, AdminCreatesUpdatesDeletes) {
  auto created = http().Post("/api/v1/templates", Xeyes(), admin_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto t = created.Json();
  EXPECT_EQ(t["name"], "xeyes");
  EXPECT_EQ(t["builtin"], false);
  EXPECT_EQ(t["enabled"], true);
  EXPECT_EQ(t["appType"], "desktop");
  EXPECT_EQ(t["resources"], json({{"cpu", "500m"}, {"memory", "256Mi"}}));
  EXPECT_EQ(t["env"]["XEYES_MODE"], "shiny");
  EXPECT_EQ(t["tags"], json({"x11", "fun"}));
  const std::string id = t["id"];

  auto patched = http().Patch("/api/v1/templates/" + id,
                              {{"description", "Googly eyes"},
                               {"protocol", "http"},
                               {"httpPort", 6080},
                               {"httpPath", "/websockify"},
                               {"idleTimeout", 600},
                               {"resources", {{"cpu", "2"}}}},
                              admin_);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.Json()["description"], "Googly eyes");
  EXPECT_EQ(patched.Json()["httpPort"], 6080);
  EXPECT_EQ(patched.Json()["idleTimeout"], 600);
  EXPECT_EQ(patched.Json()["resources"], json({{"cpu", "2000m"}, {"memory", "256Mi"}}));
  EXPECT_EQ(patched.Json()["displayName"], "X Eyes");
  // A custom template may be renamed, and is found by its new name.
  ASSERT_EQ(http().Patch("/api/v1/templates/xeyes", {{"name", "eyes"}}, admin_).status, 200);
  EXPECT_EQ(http().Get("/api/v1/templates/eyes", alice_).Json()["id"], id);

  auto deleted = http().Delete("/api/v1/templates/" + id, admin_);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.Json()["message"], "template deleted");
  EXPECT_EQ(http().Get("/api/v1/templates/" + id, admin_).status, 404);
  EXPECT_EQ(http().Delete("/api/v1/templates/" + id, admin_).status, 404);
}

TEST_F(TemplatesApi, UsersMayNotWrite) {
  EXPECT_EQ(http().Post("/api/v1/templates", Xeyes(), alice_).status, 403);
  EXPECT_EQ(http().Patch("/api/v1/templates/terminal", {{"enabled", false}}, alice_).status, 403);
  EXPECT_EQ(http().Delete("/api/v1/templates/terminal", alice_).status, 403);
  EXPECT_EQ(http().Get("/api/v1/templates/terminal", alice_).Json()["enabled"], true);
}

TEST_F(TemplatesApi, ValidationNamesTheField) {
  auto bad = [&](const json& body, const std::string& field) {
    auto r = http().Post("/api/v1/templates", body, admin_);
    EXPECT_EQ(r.status, 400) << body.dump();
    EXPECT_NE(r.Json()["message"].get<std::string>().find("'" + field + "'"), std::string::npos)
        << r.body;
  };
  json b = Xeyes();
  b["name"] = "X Eyes";
  bad(b, "name");
  b = Xeyes();
  b.erase("name");
  bad(b, "name");
  b = Xeyes();
  b["protocol"] = "http";
  bad(b, "httpPort");
  b = Xeyes();
  b.erase("command");
  bad(b, "command");
  b = Xeyes();
  b["command"] = json::array();
  b["image"] = "";
  bad(b, "command");
  b = Xeyes();
  b["env"] = {{"BAD-KEY", "1"}};
  bad(b, "env");
  b = Xeyes();
  b["icon"] = "https://example.com/eyes.svg";
  bad(b, "icon");
  b = Xeyes();
  b["resources"] = {{"memory", "lots"}};
  bad(b, "resources.memory");
  b = Xeyes();
  b["idleTimeout"] = 10;
  bad(b, "idleTimeout");
  b = Xeyes();
  b["appType"] = "game";
  bad(b, "appType");
  // An image alone is enough (docker and kubernetes).
  b = Xeyes();
  b.erase("command");
  b["image"] = "localhost/xeyes:1";
  EXPECT_EQ(http().Post("/api/v1/templates", b, admin_).status, 201);
  // PATCH checks the merged template: removing the image now leaves nothing to run.
  auto r = http().Patch("/api/v1/templates/xeyes", {{"image", ""}}, admin_);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.Json()["message"].get<std::string>().find("'command'"), std::string::npos);
}

TEST_F(TemplatesApi, DuplicateNamesConflict) {
  ASSERT_EQ(http().Post("/api/v1/templates", Xeyes(), admin_).status, 201);
  auto dup = http().Post("/api/v1/templates", Xeyes(), admin_);
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.Json()["message"], "template name 'xeyes' is already taken");
  json b = Xeyes();
  b["name"] = "terminal";
  EXPECT_EQ(http().Post("/api/v1/templates", b, admin_).status, 409);
  EXPECT_EQ(http().Patch("/api/v1/templates/xeyes", {{"name", "firefox"}}, admin_).status, 409);
}

TEST_F(TemplatesApi, BuiltinsKeepTheirNameAndCannotBeDeleted) {
  auto renamed = http().Patch("/api/v1/templates/terminal", {{"name", "shell"}}, admin_);
  EXPECT_EQ(renamed.status, 400);
  EXPECT_NE(renamed.Json()["message"].get<std::string>().find("'name'"), std::string::npos);
  EXPECT_EQ(http().Delete("/api/v1/templates/terminal", admin_).status, 409);
  // Other fields of a built-in may be edited, and the edit survives a restart (no re-seed
  // over it).
  ASSERT_EQ(http().Patch("/api/v1/templates/terminal", {{"displayName", "Shell"}}, admin_).status,
            200);
  server_.Restart();
  EXPECT_EQ(http().Get("/api/v1/templates/terminal", admin_).Json()["displayName"], "Shell");
  EXPECT_EQ(http().Get("/api/v1/templates", admin_).Json()["total"], 2);
}

TEST_F(TemplatesApi, DisabledTemplatesAreHiddenFromUsers) {
  ASSERT_EQ(http().Post("/api/v1/templates", Xeyes(), admin_).status, 201);
  ASSERT_EQ(http().Patch("/api/v1/templates/xeyes", {{"enabled", false}}, admin_).status, 200);
  EXPECT_EQ(http().Get("/api/v1/templates/xeyes", alice_).status, 404);
  EXPECT_EQ(http().Get("/api/v1/templates", alice_).Json()["total"], 2);
  EXPECT_EQ(http().Get("/api/v1/templates?enabled=false", alice_).Json()["total"], 2);
  auto as_admin = http().Get("/api/v1/templates/xeyes", admin_);
  ASSERT_EQ(as_admin.status, 200);
  EXPECT_EQ(as_admin.Json()["enabled"], false);
  EXPECT_EQ(http().Get("/api/v1/templates", admin_).Json()["total"], 3);
  EXPECT_EQ(http().Get("/api/v1/templates?enabled=false", admin_).Json()["total"], 1);
  ASSERT_EQ(http().Patch("/api/v1/templates/xeyes", {{"enabled", true}}, admin_).status, 200);
  EXPECT_EQ(http().Get("/api/v1/templates/xeyes", alice_).status, 200);
}

}  // namespace
}  // namespace sp::test
