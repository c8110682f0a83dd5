// Templates: validation, JSON and YAML parsing, and the service over a real SQLite file
// (seeding, visibility, name rules, delete refusals).
#include "areas/templates/template_service.hpp"

#include <filesystem>

#include <gtest/gtest.h>
#include <unistd.h>

#include "areas/templates/template_catalog.hpp"
#include "areas/templates/template_json.hpp"
#include "common/crypto.hpp"

namespace sp::templates {
namespace {

class FixedClock final : public Clock {
 public:
  TimePoint Now() const override { return TimePoint(std::chrono::seconds(1767225600)); }
};

bool Mentions(const Error& e, std::string_view field) {
  return e.message.find("'" + std::string(field) + "'") != std::string::npos;
}

Template Valid() {
  Template t;
  t.name = "gimp";
  t.display_name = "GIMP";
  t.command = {"gimp"};
  return t;
}

TEST(TemplateRules, Names) {
  EXPECT_TRUE(IsValidTemplateName("terminal"));
  EXPECT_TRUE(IsValidTemplateName("vs-code-2"));
  EXPECT_TRUE(IsValidTemplateName("x1"));
  EXPECT_FALSE(IsValidTemplateName("x"));
  EXPECT_FALSE(IsValidTemplateName("Terminal"));
  EXPECT_FALSE(IsValidTemplateName("-term"));
  EXPECT_FALSE(IsValidTemplateName("term-"));
  EXPECT_FALSE(IsValidTemplateName("my app"));
  EXPECT_FALSE(IsValidTemplateName(std::string(64, 'a')));
  EXPECT_TRUE(IsValidTemplateName(std::string(63, 'a')));
}

TEST(TemplateRules, EnvKeys) {
  EXPECT_TRUE(IsValidEnvKey("HOME"));
  EXPECT_TRUE(IsValidEnvKey("_X9"));
  EXPECT_FALSE(IsValidEnvKey("9X"));
  EXPECT_FALSE(IsValidEnvKey("A-B"));
  EXPECT_FALSE(IsValidEnvKey(""));
}

TEST(TemplateRules, FieldsAndCrossFieldRules) {
  EXPECT_TRUE(ValidateTemplate(Valid()));
  auto expect_bad = [](Template t, std::string_view field) {
    auto st = ValidateTemplate(t);
    ASSERT_FALSE(st) << field;
    EXPECT_EQ(st.error().code, Errc::kInvalidArgument);
    EXPECT_TRUE(Mentions(st.error(), field)) << st.error().message;
  };
  Template t = Valid();
  t.protocol = "http";
  expect_bad(t, "httpPort");
  t.http_port = 8080;
  EXPECT_TRUE(ValidateTemplate(t));
  t = Valid();
  t.command.clear();
  expect_bad(t, "command");
  t.image = "docker.io/library/gimp:2";
  EXPECT_TRUE(ValidateTemplate(t));
  t = Valid();
  t.env["BAD-KEY"] = "1";
  expect_bad(t, "env");
  t = Valid();
  t.icon = "https://example.com/icon.svg";
  expect_bad(t, "icon");
  t.icon = "data:image/png;base64,AAAA";
  EXPECT_TRUE(ValidateTemplate(t));
  t = Valid();
  t.idle_timeout_s = 59;
  expect_bad(t, "idleTimeout");
  t = Valid();
  t.app_type = "game";
  expect_bad(t, "appType");
  t = Valid();
  t.tags = std::vector<std::string>(21, "x");
  expect_bad(t, "tags");
  t = Valid();
  t.image = "has space";
  expect_bad(t, "image");
  t = Valid();
  t.http_path = "no-slash";
  expect_bad(t, "httpPath");
}

TEST(TemplateJson, ParsesEveryField) {
  auto in = ParseCreateTemplate(R"({
    "name": "code", "displayName": "Code", "tags": ["editor"], "appType": "webapp",
    "image": "example/code:1", "protocol": "http", "httpPort": 8080, "httpPath": "/",
    "resources": {"cpu": "1.5", "memory": "2Gi"}, "env": {"A": "1"}, "idleTimeout": 600,
    "persistentHome": false, "enabled": false, "builtin": true})");
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(*in->name, "code");
  EXPECT_EQ(*in->cpu_millicores, 1500);
  EXPECT_EQ(*in->memory_mib, 2048);
  EXPECT_EQ(in->env->at("A"), "1");
  EXPECT_EQ(*in->http_port, 8080);
  EXPECT_FALSE(*in->persistent_home);
  EXPECT_FALSE(in->command);

  Template t;
  t.name = "x1";
  t.cpu_millicores = 2000;
  t.memory_mib = 512;
  t.env = {{"K", "v"}};
  auto j = ToJson(t);
  EXPECT_EQ(j["resources"]["cpu"], "2000m");
  EXPECT_EQ(j["resources"]["memory"], "512Mi");
  EXPECT_EQ(j["env"]["K"], "v");
  EXPECT_EQ(j["idleTimeout"], 1800);
  EXPECT_TRUE(j["persistentHome"].get<bool>());
}

TEST(TemplateJson, NamesTheBadField) {
  auto expect_bad = [](std::string_view body, std::string_view field, bool create = true) {
    auto in = create ? ParseCreateTemplate(body) : ParseUpdateTemplate(body);
    ASSERT_FALSE(in) << body;
    EXPECT_TRUE(Mentions(in.error(), field)) << in.error().message;
  };
  expect_bad(R"({"displayName": "X"})", "name");
  expect_bad(R"({"name": "ok", "httpPort": 0})", "httpPort");
  expect_bad(R"({"name": "ok", "protocol": "rdp"})", "protocol");
  expect_bad(R"({"name": "ok", "resources": {"cpu": "4Gi"}})", "resources.cpu");
  expect_bad(R"({"name": "ok", "resources": {"memory": "lots"}})", "resources.memory");
  expect_bad(R"({"name": "ok", "resources": "big"})", "resources");
  expect_bad(R"({"name": "ok", "env": {"A": 1}})", "env");
  expect_bad(R"({"name": "ok", "command": ["a", ""]})", "command");
  expect_bad(R"({"tags": "x"})", "tags", false);
  EXPECT_TRUE(ParseUpdateTemplate(R"({"enabled": false})"));
  EXPECT_TRUE(ParseUpdateTemplate(""));
}

TEST(TemplateCatalog, Base64) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(TemplateCatalog, BuiltinsParse) {
  auto list = LoadBuiltinTemplates();
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  for (const auto& t : *list) {
    EXPECT_TRUE(t.icon.starts_with("data:image/svg+xml;base64,")) << t.name;
    EXPECT_FALSE(t.command.empty()) << t.name;
    EXPECT_FALSE(t.image.empty()) << t.name;
  }
  const Template& firefox = list->at(0).name == "firefox" ? list->at(0) : list->at(1);
  EXPECT_EQ(firefox.name, "firefox");
  EXPECT_EQ(firefox.category, "Internet");
  EXPECT_EQ(firefox.cpu_millicores, 2000);
  EXPECT_EQ(firefox.memory_mib, 2048);
  EXPECT_EQ(firefox.env.at("MOZ_DISABLE_CONTENT_SANDBOX"), "1");
  EXPECT_EQ(firefox.command.front(), "firefox-esr");
  const Template& terminal = list->at(0).name == "terminal" ? list->at(0) : list->at(1);
  EXPECT_EQ(terminal.name, "terminal");
  EXPECT_EQ(terminal.tags, (std::vector<std::string>{"terminal", "shell"}));
  EXPECT_EQ(terminal.cpu_millicores, 1000);
  EXPECT_EQ(terminal.memory_mib, 1024);
}

TEST(TemplateCatalog, YamlErrorsNameFileAndField) {
  const EmbeddedFile icons[] = {{"a.svg", "<svg/>"}};
  auto parse = [&](std::string_view yaml) { return ParseTemplateYaml("t.yaml", yaml, icons); };
  auto ok = parse("name: ab\ncommand: [x]\nicon: a.svg\nresources: {cpu: 2, memory: 512Mi}\n");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->icon, "data:image/svg+xml;base64," + Base64Encode("<svg/>"));
  EXPECT_EQ(ok->display_name, "ab");
  EXPECT_EQ(ok->cpu_millicores, 2000);
  EXPECT_EQ(ok->memory_mib, 512);
  auto expect_bad = [&](std::string_view yaml, std::string_view field) {
    auto t = parse(yaml);
    ASSERT_FALSE(t) << yaml;
    EXPECT_EQ(t.error().code, Errc::kInternal);
    EXPECT_NE(t.error().message.find("t.yaml"), std::string::npos) << t.error().message;
    EXPECT_TRUE(Mentions(t.error(), field)) << t.error().message;
  };
  expect_bad("name: ab\ncommand: [x]\ncolour: red\n", "colour");
  expect_bad("name: ab\ncommand: [x]\nicon: missing.svg\n", "icon");
  expect_bad("name: ab\ncommand: x\n", "command");
  expect_bad("name: ab\ncommand: [x]\nidleTimeout: soon\n", "idleTimeout");
  expect_bad("name: ab\ncommand: [x]\nresources: {cpu: 1Gi}\n", "resources.cpu");
  expect_bad("name: AB\ncommand: [x]\n", "name");
  EXPECT_FALSE(parse("[1, 2"));
}

class TemplateServiceTest : public ::testing::Test {
 protected:
  TemplateServiceTest() {
    InitCrypto();
    dir_ = std::filesystem::temp_directory_path() /
           ("sp_templates_test_" + std::to_string(::getpid()) + "_" + HexEncode(RandomBytes(4)));
    std::filesystem::create_directories(dir_);
    auto db = db::Database::Open({"sqlite://" + (dir_ / "test.db").string(), 2});
    if (!db) throw std::runtime_error(db.error().message + " " + db.error().internal);
    db_ = std::move(*db);
    service_.emplace(*db_, repo_, clock_);
    admin_.user_id = "u-admin";
    admin_.username = "admin";
    admin_.role = "admin";
    user_.user_id = "u-alice";
    user_.username = "alice";
    user_.role = "user";
    auto st = db_->Transaction([&](db::Conn& c) -> Status {
      c.sql() << "INSERT INTO users (id, username, created_at, updated_at) VALUES ('u-alice', "
                 "'alice', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')";
      return Ok();
    });
    if (!st) throw std::runtime_error(st.error().message);
  }
  ~TemplateServiceTest() override {
    service_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  TemplateService& service() { return *service_; }

  void AddSession(const std::string& template_id, const std::string& state) {
    auto st = db_->Transaction([&](db::Conn& c) -> Status {
      const std::string id = NewId();
      c.sql() << "INSERT INTO sessions (id, user_id, template_id, template_name, state, "
                 "cpu_millicores, memory_mib, idle_timeout_s, created_at, updated_at) VALUES "
                 "(:id, 'u-alice', :t, 'x', :s, 1000, 1024, 1800, '2026-01-01T00:00:00Z', "
                 "'2026-01-01T00:00:00Z')",
          soci::use(id), soci::use(template_id), soci::use(state);
      return Ok();
    });
    ASSERT_TRUE(st) << st.error().message;
  }

  TemplateInput Input(const std::string& name) {
    TemplateInput in;
    in.name = name;
    in.command = std::vector<std::string>{"xeyes"};
    return in;
  }

  std::filesystem::path dir_;
  FixedClock clock_;
  std::unique_ptr<db::Database> db_;
  TemplateRepository repo_;
  std::optional<TemplateService> service_;
  auth::Principal admin_, user_;
};

TEST_F(TemplateServiceTest, SeedingAddsMissingBuiltinsAndKeepsEdits) {
  ASSERT_TRUE(service().SeedBuiltins());
  auto list = service().List(admin_, {}, {});
  ASSERT_TRUE(list);
  EXPECT_EQ(list->total, 2);
  TemplateInput edit;
  edit.display_name = "My Terminal";
  edit.enabled = false;
  ASSERT_TRUE(service().Update(admin_, "terminal", edit));
  ASSERT_TRUE(service().SeedBuiltins());
  auto terminal = service().Get(admin_, "terminal");
  ASSERT_TRUE(terminal);
  EXPECT_EQ(terminal->display_name, "My Terminal");
  EXPECT_TRUE(terminal->builtin);
  EXPECT_EQ(service().List(admin_, {}, {})->total, 2);
  // Disabled: invisible to users and to the sessions area, visible to admins.
  EXPECT_EQ(service().List(user_, {}, {})->total, 1);
  EXPECT_EQ(service().Get(user_, "terminal").error().code, Errc::kNotFound);
  auto found = db_->Read([&](db::Conn& c) { return service().Find(c, "terminal"); });
  EXPECT_EQ(found.error().code, Errc::kNotFound);
  auto any = db_->Read([&](db::Conn& c) { return service().FindAny(c, "terminal"); });
  ASSERT_TRUE(any);
  EXPECT_FALSE(any->enabled);
  found = db_->Read([&](db::Conn& c) { return service().Find(c, "firefox"); });
  ASSERT_TRUE(found);
  auto by_id = service().Get(user_, found->id);
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->name, "firefox");
  // A built-in keeps its name and cannot be deleted.
  TemplateInput rename;
  rename.name = "browser";
  auto renamed = service().Update(admin_, "firefox", rename);
  ASSERT_FALSE(renamed);
  EXPECT_EQ(renamed.error().code, Errc::kInvalidArgument);
  EXPECT_TRUE(Mentions(renamed.error(), "name"));
  EXPECT_EQ(service().Delete(admin_, "firefox").error().code, Errc::kFailedPrecondition);
}

TEST_F(TemplateServiceTest, CreateUpdateDeleteRules) {
  EXPECT_EQ(service().Create(user_, Input("xeyes")).error().code, Errc::kPermissionDenied);
  auto created = service().Create(admin_, Input("xeyes"));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->display_name, "xeyes");
  EXPECT_FALSE(created->builtin);
  EXPECT_EQ(created->created_at, "2026-01-01T00:00:00Z");
  EXPECT_EQ(service().Create(admin_, Input("xeyes")).error().code, Errc::kAlreadyExists);
  ASSERT_TRUE(service().Create(admin_, Input("xclock")));
  TemplateInput rename;
  rename.name = "xclock";
  EXPECT_EQ(service().Update(admin_, created->id, rename).error().code, Errc::kAlreadyExists);
  // Cross-field rules apply to the merged template.
  TemplateInput http;
  http.protocol = "http";
  auto bad = service().Update(admin_, "xeyes", http);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(Mentions(bad.error(), "httpPort")) << bad.error().message;
  http.http_port = 6080;
  ASSERT_TRUE(service().Update(admin_, "xeyes", http));
  TemplateInput no_command;
  no_command.command = std::vector<std::string>{};
  EXPECT_TRUE(Mentions(service().Update(admin_, "xeyes", no_command).error(), "command"));

  AddSession(created->id, "running");
  auto refused = service().Delete(admin_, "xeyes");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kFailedPrecondition);
  EXPECT_EQ(refused.error().message, "template is in use by 1 session");
  auto st = db_->Transaction([&](db::Conn& c) -> Status {
    c.sql() << "UPDATE sessions SET state = 'stopped'";
    return Ok();
  });
  ASSERT_TRUE(st);
  refused = service().Delete(admin_, "xeyes");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "template is referenced by 1 past session; disable it instead");
  EXPECT_TRUE(service().Delete(admin_, "xclock"));
  EXPECT_EQ(service().Get(admin_, "xclock").error().code, Errc::kNotFound);
  EXPECT_EQ(service().Delete(admin_, "xclock").error().code, Errc::kNotFound);
}

TEST_F(TemplateServiceTest, ListFilters) {
  ASSERT_TRUE(service().SeedBuiltins());
  TemplateInput in = Input("web-ide");
  in.display_name = "Web IDE 100%";
  in.category = "Development";
  in.tags = std::vector<std::string>{"Editor", "web"};
  in.app_type = "webapp";
  ASSERT_TRUE(service().Create(admin_, in));
  auto names = [&](TemplateFilter f) {
    std::vector<std::string> out;
    auto list = service().List(user_, std::move(f), {});
    EXPECT_TRUE(list);
    if (list) {
      for (const auto& t : list->templates) out.push_back(t.name);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names({.category = "development"}), (V{"terminal", "web-ide"}));
  EXPECT_EQ(names({.tag = "editor"}), (V{"web-ide"}));
  EXPECT_EQ(names({.tag = "web"}), (V{"firefox", "web-ide"}));
  EXPECT_EQ(names({.tag = "we"}), V{});
  EXPECT_EQ(names({.search = "TERM"}), (V{"terminal"}));
  EXPECT_EQ(names({.search = "100%"}), (V{"web-ide"}));
  EXPECT_EQ(names({.search = "_"}), V{});
  EXPECT_EQ(names({.app_type = "webapp"}), (V{"web-ide"}));
  auto page = service().List(admin_, {}, http::Page{2, 2});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 3);
  ASSERT_EQ(page->templates.size(), 1u);
  EXPECT_EQ(page->templates[0].name, "web-ide");
}

}  // namespace
}  // namespace sp::templates
