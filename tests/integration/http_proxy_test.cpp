// The HTTP proxy to web-app sessions (spec 35) end to end on the local platform: a session
// whose app is a web server (websockify serving a page and bridging a WebSocket to an echo
// service, as Kasm-style images do) is reached through the control plane, by plain requests
// and by a WebSocket, with the connect URL's token traded for a path-scoped cookie.
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/test_server.hpp"
#include "tests/support/ws_client.hpp"

namespace sp::test {
namespace {

using nlohmann::json;

bool WebAppToolsAvailable() {
  return std::system(
             "command -v bwrap >/dev/null 2>&1 && command -v socat >/dev/null 2>&1 && "
             "command -v websockify >/dev/null 2>&1") == 0;
}

std::string CookieOf(const HttpResponse& r, const std::string& name) {
  const std::string c = r.Header("set-cookie");
  const size_t start = c.find(name + "=");
  if (start == std::string::npos) return {};
  return c.substr(start, c.find(';', start) - start);
}

class HttpProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!WebAppToolsAvailable())
      GTEST_SKIP() << "bwrap, socat or websockify missing (scripts/setup.sh --test)";
    server_ = std::make_unique<TestServer>();
    admin_ = server_->SetupAndLoginAdmin();
    server_->CreateUser(admin_, "alice", "alice password 1");
    server_->CreateUser(admin_, "bob", "bob password 12");
    alice_ = server_->Login("alice", "alice password 1");
    bob_ = server_->Login("bob", "bob password 12");
    // The app: a page in the home directory, served by websockify, whose /websockify
    // bridges to an echo service; all inside the session's own network namespace.
    const std::string script =
        "mkdir -p www; echo hello-from-the-app > www/index.html; "
        "socat TCP-LISTEN:9000,fork,reuseaddr EXEC:cat & "
        "exec websockify --web www 127.0.0.1:8080 127.0.0.1:9000";
    auto t = server_->http().Post("/api/v1/templates",
                                  {{"name", "webapp"},
                                   {"displayName", "Web app"},
                                   {"command", {"sh", "-c", script}},
                                   {"protocol", "http"},
                                   {"httpPort", 8080},
                                   {"httpPath", "/websockify"}},
                                  admin_);
    ASSERT_EQ(t.status, 201) << t.body;
  }

  std::string LaunchRunning(const std::string& token, const std::string& tmpl) {
    auto r = server_->http().Post("/api/v1/sessions", {{"template", tmpl}}, token);
    EXPECT_EQ(r.status, 201) << r.body;
    const std::string id = r.Json().value("id", "");
    for (int i = 0; i < 600; ++i) {
      auto got = server_->http().Get("/api/v1/sessions/" + id, token);
      if (got.status != 200) {
        ADD_FAILURE() << "GET session: HTTP " << got.status << " " << got.body << server_->Log();
        return id;
      }
      const json s = got.Json();
      if (s["state"] == "running") return id;
      if (s["state"] == "failed") {
        ADD_FAILURE() << s.dump() << server_->Log();
        return id;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "session did not start";
    return id;
  }

  std::unique_ptr<TestServer> server_;
  std::string admin_, alice_, bob_;
};

TEST_F(HttpProxyTest, PagesAndWebSocketsReachTheAppWithACookieScopedToTheSession) {
  const std::string id = LaunchRunning(alice_, "webapp");
  auto connect = server_->http().Get("/api/v1/sessions/" + id + "/connect", alice_);
  ASSERT_EQ(connect.status, 200) << connect.body;
  const json info = connect.Json();
  EXPECT_EQ(info["protocol"], "http");
  const std::string path = info["path"];
  ASSERT_TRUE(path.starts_with("/api/v1/http/" + id + "/?token=")) << path;

  // The token is traded for a cookie, and the URL shown without it.
  auto traded = server_->http().Get(path);
  ASSERT_EQ(traded.status, 302) << traded.body;
  EXPECT_EQ(traded.Header("location"), "/api/v1/http/" + id + "/");
  const std::string set_cookie = traded.Header("set-cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(set_cookie.find("Path=/api/v1/http/" + id + "/"), std::string::npos) << set_cookie;
  const std::string cookie = CookieOf(traded, "ss_view");
  ASSERT_FALSE(cookie.empty());

  // The app's page, through agent tunnel and bridge.
  auto page = server_->http().Send("GET", "/api/v1/http/" + id + "/", {}, {}, {{"Cookie", cookie}});
  ASSERT_EQ(page.status, 200) << page.body << server_->Log();
  EXPECT_NE(page.body.find("hello-from-the-app"), std::string::npos) << page.body;
  auto file = server_->http().Send("GET", "/api/v1/http/" + id + "/index.html?x=1", {}, {},
                                   {{"Cookie", cookie}});
  EXPECT_EQ(file.status, 200);
  EXPECT_NE(file.body.find("hello-from-the-app"), std::string::npos);
  // The app's own 404 passes through.
  EXPECT_EQ(server_->http()
                .Send("GET", "/api/v1/http/" + id + "/nope.txt", {}, {}, {{"Cookie", cookie}})
                .status,
            404);
  // Without the trailing slash: redirected so that relative links resolve.
  auto bare = server_->http().Send("GET", "/api/v1/http/" + id, {}, {}, {{"Cookie", cookie}});
  EXPECT_EQ(bare.status, 302);
  EXPECT_EQ(bare.Header("location"), "/api/v1/http/" + id + "/");

  // A WebSocket to the app (its /websockify), carried over the same tunnels.
  int status = 0;
  auto ws = WsClient::Connect(server_->port(), "/api/v1/http/" + id + "/websockify",
                              {{"Cookie", cookie}}, "binary", &status);
  ASSERT_NE(ws, nullptr) << "upgrade refused with HTTP " << status << server_->Log();
  ws->WriteBinary("echo through the proxy");
  bool binary = false;
  std::string echoed;
  while (echoed.size() < 22) echoed += ws->Read(std::chrono::seconds(10), &binary);
  EXPECT_EQ(echoed, "echo through the proxy");
  ws->Close();
}

TEST_F(HttpProxyTest, RefusesMissingForeignAndWrongProtocolCredentials) {
  const std::string id = LaunchRunning(alice_, "webapp");
  EXPECT_EQ(server_->http().Get("/api/v1/http/" + id + "/").status, 401);
  EXPECT_EQ(server_->http().Get("/api/v1/http/" + id + "/?token=garbage").status, 401);
  EXPECT_EQ(server_->http()
                .Send("GET", "/api/v1/http/" + id + "/", {}, {}, {{"Cookie", "ss_view=garbage"}})
                .status,
            401);
  // Bob cannot connect to Alice's session, nor reuse a token of his for hers.
  EXPECT_EQ(server_->http().Get("/api/v1/sessions/" + id + "/connect", bob_).status, 404);
  const std::string his = LaunchRunning(bob_, "webapp");
  auto bob_connect = server_->http().Get("/api/v1/sessions/" + his + "/connect", bob_);
  ASSERT_EQ(bob_connect.status, 200) << bob_connect.body;
  const std::string bob_token = bob_connect.Json()["token"];
  auto crossed = server_->http().Get("/api/v1/http/" + id + "/?token=" + bob_token);
  EXPECT_EQ(crossed.status, 403) << crossed.body;
  // Another site's page cannot drive the proxy with the user's cookie.
  auto evil = server_->http().Send("POST", "/api/v1/http/" + id + "/x", "{}", {},
                                   {{"Origin", "https://evil.example"}});
  EXPECT_EQ(evil.status, 403);
  // A VNC session is not reachable through the HTTP proxy.
  const std::string term = LaunchRunning(alice_, "terminal");
  auto term_connect = server_->http().Get("/api/v1/sessions/" + term + "/connect", alice_);
  ASSERT_EQ(term_connect.status, 200) << term_connect.body;
  const std::string term_token = term_connect.Json()["token"];
  EXPECT_EQ(server_->http().Get("/api/v1/http/" + term + "/?token=" + term_token).status, 409);
}

}  // namespace
}  // namespace sp::test
