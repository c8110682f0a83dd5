// Sessions end to end on the local platform: the built-in agent starts Xvnc + xterm in a
// sandbox; a viewer connects through the control plane's proxy and receives pixels; the home
// directory survives hibernation.
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/rfb_client.hpp"
#include "tests/support/session_checks.hpp"
#include "tests/support/test_server.hpp"
#include "tests/support/ws_client.hpp"

namespace sp::test {
namespace {

using nlohmann::json;

bool LocalPlatformAvailable() {
  return std::system(
             "command -v Xvnc >/dev/null 2>&1 && command -v xterm >/dev/null 2>&1 && "
             "command -v bwrap >/dev/null 2>&1") == 0;
}

class SessionsE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!LocalPlatformAvailable())
      GTEST_SKIP() << "Xvnc, xterm or bwrap missing (scripts/setup.sh --test installs them)";
    server_ = std::make_unique<TestServer>(TestServerOptions{
        .extra_args = {"--idle-check-interval", "1", "--connect-token-ttl", "5"}});
    admin_ = server_->SetupAndLoginAdmin();
    alice_id_ = server_->CreateUser(admin_, "alice", "alice password 1");
    server_->CreateUser(admin_, "bob", "bob password 12");
    alice_ = server_->Login("alice", "alice password 1");
    bob_ = server_->Login("bob", "bob password 12");
  }
  std::string Launch(const std::string& token, json extra = json::object()) {
    json body = {{"template", "terminal"}};
    body.update(extra);
    auto r = server_->http().Post("/api/v1/sessions", body, token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json().value("id", "");
  }
  std::string HomeOf(const std::string& user_id) const {
    return server_->data_dir() + "/agent/local/homes/" + user_id + "/terminal";
  }

  std::unique_ptr<TestServer> server_;
  std::string admin_, alice_, bob_, alice_id_;
};

TEST_F(SessionsE2E, LaunchViewHibernateWakeKeepsTheHome) {
  auto created = server_->http().Post("/api/v1/sessions", {{"template", "terminal"}}, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  const json s = created.Json();
  const std::string id = s["id"];
  EXPECT_EQ(s["template"], "terminal");
  EXPECT_EQ(s["user"], "alice");
  EXPECT_EQ(s["agent"], "builtin-local");
  EXPECT_TRUE(s["state"] == "pending" || s["state"] == "starting") << s.dump();

  const json running = WaitForSessionState(*server_, alice_, id, "running");
  ASSERT_EQ(running["state"], "running") << running.dump() << server_->Log();
  ExpectViewerPixels(*server_, alice_, id);

  // A file in the home directory...
  const std::string marker = HomeOf(alice_id_) + "/kept-across-hibernation.txt";
  { std::ofstream(marker) << "still here"; }
  ASSERT_FALSE(ProcessesMentioning(id).empty());

  // ...survives hibernation, which stops every process of the session.
  auto hib = server_->http().Post("/api/v1/sessions/" + id + "/hibernate", json::object(), alice_);
  ASSERT_EQ(hib.status, 202) << hib.body;
  EXPECT_EQ(WaitForSessionState(*server_, alice_, id, "hibernated")["state"], "hibernated");
  EXPECT_TRUE(ProcessesMentioning(id).empty());
  EXPECT_EQ(
      server_->http().Post("/api/v1/sessions/" + id + "/hibernate", json::object(), alice_).status,
      409);

  auto wake = server_->http().Post("/api/v1/sessions/" + id + "/wake", json::object(), alice_);
  ASSERT_EQ(wake.status, 202) << wake.body;
  EXPECT_EQ(WaitForSessionState(*server_, alice_, id, "running")["state"], "running");
  std::ifstream in(marker);
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "still here");
  ExpectViewerPixels(*server_, alice_, id);

  // Delete: processes gone, the session is stopped, the home stays.
  ASSERT_EQ(server_->http().Delete("/api/v1/sessions/" + id, alice_).status, 202);
  EXPECT_EQ(WaitForSessionState(*server_, alice_, id, "stopped")["state"], "stopped");
  EXPECT_TRUE(ProcessesMentioning(id).empty());
  EXPECT_TRUE(std::filesystem::exists(marker));

  // The lifecycle is in the session's activity timeline.
  auto timeline =
      server_->http().Get("/api/v1/sessions/" + id + "/activity/timeline?page_size=1000", alice_);
  ASSERT_EQ(timeline.status, 200);
  std::set<std::string> types;
  const json events = timeline.Json()["events"];
  for (const auto& e : events) types.insert(e["eventType"].get<std::string>());
  for (const char* t : {"session.created", "session.started", "session.hibernated", "session.woken",
                        "user.connected", "session.deleted"}) {
    EXPECT_TRUE(types.count(t)) << t;
  }
}

TEST_F(SessionsE2E, TwoViewersAtOnce) {
  const std::string id = Launch(alice_);
  ASSERT_EQ(WaitForSessionState(*server_, alice_, id, "running")["state"], "running");
  auto first_info = server_->http().Get("/api/v1/sessions/" + id + "/connect", alice_).Json();
  auto first = WsClient::Connect(server_->port(), first_info["path"]);
  ASSERT_NE(first, nullptr);
  WsRfbTransport t1(*first);
  RfbClient v1(t1);
  v1.Handshake(false);
  // A second viewer, asking for exclusive access, must not disconnect the first.
  ExpectViewerPixels(*server_, alice_, id);
  v1.SetRawEncoding();
  v1.RequestFullUpdate(false);
  RfbClient::Framebuffer fb;
  EXPECT_TRUE(v1.ReadUpdate(fb, std::chrono::seconds(10)));
  auto activity = server_->http().Get("/api/v1/sessions/" + id + "/activity", alice_).Json();
  EXPECT_EQ(activity["viewers"], 1);
  EXPECT_EQ(activity["isActive"], true);
  first->Close();
}

TEST_F(SessionsE2E, ViewerRefusals) {
  const std::string id = Launch(alice_);
  ASSERT_EQ(WaitForSessionState(*server_, alice_, id, "running")["state"], "running");
  int status = 0;
  // No token.
  EXPECT_EQ(
      WsClient::Connect(server_->port(), "/api/v1/sessions/" + id + "/vnc", {}, "binary", &status),
      nullptr);
  EXPECT_EQ(status, 401);
  // A forged token.
  EXPECT_EQ(WsClient::Connect(server_->port(), "/api/v1/sessions/" + id + "/vnc?token=abc", {},
                              "binary", &status),
            nullptr);
  EXPECT_EQ(status, 401);
  // An access token is not a viewer token.
  EXPECT_EQ(WsClient::Connect(server_->port(), "/api/v1/sessions/" + id + "/vnc?token=" + alice_,
                              {}, "binary", &status),
            nullptr);
  EXPECT_EQ(status, 401);
  // Another user may not ask for a token, nor use theirs on this session.
  EXPECT_EQ(server_->http().Get("/api/v1/sessions/" + id + "/connect", bob_).status, 404);
  const std::string bobs = Launch(bob_);
  ASSERT_EQ(WaitForSessionState(*server_, bob_, bobs, "running")["state"], "running");
  const std::string bob_token =
      server_->http().Get("/api/v1/sessions/" + bobs + "/connect", bob_).Json()["token"];
  EXPECT_EQ(WsClient::Connect(server_->port(), "/api/v1/sessions/" + id + "/vnc?token=" + bob_token,
                              {}, "binary", &status),
            nullptr);
  EXPECT_EQ(status, 403);
  // A cross-site page may not open it either.
  const std::string token =
      server_->http().Get("/api/v1/sessions/" + id + "/connect", alice_).Json()["token"];
  EXPECT_EQ(WsClient::Connect(server_->port(), "/api/v1/sessions/" + id + "/vnc?token=" + token,
                              {{"Origin", "http://evil.example"}}, "binary", &status),
            nullptr);
  EXPECT_EQ(status, 403);
  // Expired (the server issues 5-second tokens in this test).
  std::this_thread::sleep_for(std::chrono::milliseconds(6100));
  EXPECT_EQ(WsClient::Connect(server_->port(), "/api/v1/sessions/" + id + "/vnc?token=" + token, {},
                              "binary", &status),
            nullptr);
  EXPECT_EQ(status, 401);
  // A deleted session.
  const std::string fresh =
      server_->http().Get("/api/v1/sessions/" + id + "/connect", alice_).Json()["token"];
  ASSERT_EQ(server_->http().Delete("/api/v1/sessions/" + id, alice_).status, 202);
  WaitForSessionState(*server_, alice_, id, "stopped");
  EXPECT_EQ(WsClient::Connect(server_->port(), "/api/v1/sessions/" + id + "/vnc?token=" + fresh, {},
                              "binary", &status),
            nullptr);
  EXPECT_EQ(status, 409);
}

TEST_F(SessionsE2E, IdleSessionsHibernateButNotWhileViewed) {
  const std::string id = Launch(alice_, {{"idleTimeout", 10}});
  ASSERT_EQ(WaitForSessionState(*server_, alice_, id, "running")["state"], "running");
  auto info = server_->http().Get("/api/v1/sessions/" + id + "/connect", alice_).Json();
  auto viewer = WsClient::Connect(server_->port(), info["path"]);
  ASSERT_NE(viewer, nullptr);
  WsRfbTransport t(*viewer);
  RfbClient rfb(t);
  rfb.Handshake();
  std::this_thread::sleep_for(std::chrono::seconds(13));
  EXPECT_EQ(server_->http().Get("/api/v1/sessions/" + id, alice_).Json()["state"], "running");
  viewer->Close();
  const json after =
      WaitForSessionState(*server_, alice_, id, "hibernated", std::chrono::seconds(40));
  EXPECT_EQ(after["state"], "hibernated");
  EXPECT_NE(after.value("stateReason", "").find("idle"), std::string::npos) << after.dump();
}

TEST_F(SessionsE2E, HeartbeatAndActivity) {
  const std::string id = Launch(alice_);
  ASSERT_EQ(WaitForSessionState(*server_, alice_, id, "running")["state"], "running");
  auto hb = server_->http().Post("/api/v1/sessions/" + id + "/heartbeat", json::object(), alice_);
  ASSERT_EQ(hb.status, 200) << hb.body;
  auto a = server_->http().Get("/api/v1/sessions/" + id + "/activity", alice_);
  ASSERT_EQ(a.status, 200);
  const json act = a.Json();
  EXPECT_EQ(act["sessionId"], id);
  EXPECT_EQ(act["isActive"], true);
  EXPECT_EQ(act["isIdle"], false);
  EXPECT_EQ(act["idleThreshold"], 1800);
  EXPECT_EQ(act["shouldHibernate"], false);
  EXPECT_TRUE(act["lastActivity"].is_string());
  EXPECT_EQ(
      server_->http().Post("/api/v1/sessions/" + id + "/heartbeat", json::object(), bob_).status,
      404);
}

TEST_F(SessionsE2E, ListsAreScopedAndValidated) {
  const std::string mine = Launch(alice_, {{"tags", {"work"}}});
  Launch(bob_);
  auto own = server_->http().Get("/api/v1/sessions", alice_).Json();
  EXPECT_EQ(own["total"], 1);
  EXPECT_EQ(own["sessions"][0]["id"], mine);
  EXPECT_EQ(server_->http().Get("/api/v1/sessions?user=" + alice_id_, bob_).Json()["total"], 0);
  EXPECT_EQ(server_->http().Get("/api/v1/sessions", admin_).Json()["total"], 2);
  EXPECT_EQ(server_->http().Get("/api/v1/sessions?tag=work", admin_).Json()["total"], 1);
  EXPECT_EQ(server_->http().Get("/api/v1/sessions?state=bogus", admin_).status, 400);
  EXPECT_EQ(server_->http().Get("/api/v1/sessions/" + mine, bob_).status, 404);
  EXPECT_EQ(server_->http().Post("/api/v1/sessions", {{"template", "no-such-app"}}, alice_).status,
            400);
  EXPECT_EQ(server_->http().Post("/api/v1/sessions", json::object(), alice_).status, 400);
  EXPECT_EQ(server_->http()
                .Post("/api/v1/sessions", {{"template", "terminal"}, {"idleTimeout", 1}}, alice_)
                .status,
            400);
}

TEST_F(SessionsE2E, QuotaLimitsSessions) {
  ASSERT_EQ(server_->http()
                .Put("/api/v1/users/" + alice_id_ + "/quota", {{"maxSessions", 1}}, admin_)
                .status,
            200);
  Launch(alice_);
  auto second = server_->http().Post("/api/v1/sessions", {{"template", "terminal"}}, alice_);
  EXPECT_EQ(second.status, 403);
  EXPECT_NE(second.Json()["message"].get<std::string>().find("quota"), std::string::npos);
  auto quota = server_->http().Get("/api/v1/users/me/quota", alice_).Json();
  EXPECT_EQ(quota["usedSessions"], 1);
}

}  // namespace
}  // namespace sp::test
