// The user event hub (GET /api/v1/ws/<channel>): who may connect, and that each client
// receives exactly the session events it may see, narrowed by its filters.
#include <functional>
#include <set>

#include <gtest/gtest.h>

#include "tests/support/test_server.hpp"
#include "tests/support/ws_client.hpp"

namespace sp::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class EventHubTest : public ::testing::Test {
 public:
  // Reads messages until one satisfies `match`; fails after `limit` without one.
  static json ReadUntil(WsClient& ws, const std::function<bool(json)>& match,
                        milliseconds limit = milliseconds(30'000));
  // Every event message that arrives within `window`.
  static std::vector<json> Drain(WsClient& ws, milliseconds window);

 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>();
    admin_ = server_->SetupAndLoginAdmin();
    alice_id_ = server_->CreateUser(admin_, "alice", "alice password 1");
    bob_id_ = server_->CreateUser(admin_, "bob", "bob password 12");
    alice_ = server_->Login("alice", "alice password 1");
    bob_ = server_->Login("bob", "bob password 12");
  }

  std::unique_ptr<WsClient> Subscribe(const std::string& token, const std::string& query = "",
                                      int* status = nullptr) {
    return WsClient::Connect(server_->port(), "/api/v1/ws/sessions?token=" + token + query,
                             {{"Origin", "http://127.0.0.1:" + std::to_string(server_->port())}},
                             "", status);
  }

  std::string Launch(const std::string& token) {
    auto r = server_->http().Post("/api/v1/sessions", {{"template", "terminal"}}, token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json().value("id", "");
  }

  std::unique_ptr<TestServer> server_;
  std::string admin_, alice_, bob_, alice_id_, bob_id_;
};

json EventHubTest::ReadUntil(WsClient& ws, const std::function<bool(json)>& match,
                             milliseconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < give_up) {
    json m;
    try {
      m = json::parse(ws.Read(milliseconds(500)));
    } catch (const ReadTimeout&) {
      continue;
    }
    if (match(m)) return m;
  }
  ADD_FAILURE() << "no matching message within the limit";
  return json();
}

std::vector<json> EventHubTest::Drain(WsClient& ws, milliseconds window) {
  std::vector<json> out;
  const auto until = std::chrono::steady_clock::now() + window;
  while (std::chrono::steady_clock::now() < until) {
    try {
      json m = json::parse(ws.Read(milliseconds(100)));
      if (m["type"] == "update") out.push_back(std::move(m));
    } catch (const ReadTimeout&) {
    }
  }
  return out;
}

TEST_F(EventHubTest, RefusesMissingOrBadTokensAndOtherOrigins) {
  int status = 0;
  EXPECT_EQ(WsClient::Connect(server_->port(), "/api/v1/ws/sessions", {}, "", &status), nullptr);
  EXPECT_EQ(status, 401);
  EXPECT_EQ(Subscribe("not-a-token", "", &status), nullptr);
  EXPECT_EQ(status, 401);
  // Cross-site WebSocket hijacking: a page on another origin carries the victim's token in
  // vain.
  EXPECT_EQ(WsClient::Connect(server_->port(), "/api/v1/ws/sessions?token=" + alice_,
                              {{"Origin", "https://evil.example"}}, "", &status),
            nullptr);
  EXPECT_EQ(status, 403);
  // A user cannot ask for someone else's events.
  EXPECT_EQ(Subscribe(alice_, "&userId=" + bob_id_, &status), nullptr);
  EXPECT_EQ(status, 403);
  // A logged-out token is dead here too.
  const std::string carol_id = server_->CreateUser(admin_, "carol", "carol password 1");
  const std::string carol = server_->Login("carol", "carol password 1");
  ASSERT_EQ(server_->http().Post("/api/v1/auth/logout", json::object(), carol).status, 200);
  EXPECT_EQ(Subscribe(carol, "", &status), nullptr);
  EXPECT_EQ(status, 401);
  (void)carol_id;

  auto ws = Subscribe(alice_, "", &status);
  ASSERT_NE(ws, nullptr) << status;
  const json welcome = json::parse(ws->Read(milliseconds(5000)));
  EXPECT_EQ(welcome["type"], "welcome");
  EXPECT_EQ(welcome["channel"], "sessions");
  EXPECT_EQ(welcome["userId"], alice_id_);
  EXPECT_TRUE(welcome["clientId"].get<std::string>().starts_with(alice_id_ + "-"));
}

TEST_F(EventHubTest, UsersGetTheirOwnSessionEventsAndAdminsGetAll) {
  auto alice_ws = Subscribe(alice_);
  auto bob_ws = Subscribe(bob_);
  auto admin_ws = Subscribe(admin_);
  ASSERT_TRUE(alice_ws && bob_ws && admin_ws);
  const std::string mine = Launch(alice_);

  // Alice sees her session created, then started, with the session as the API shows it.
  const json created = ReadUntil(*alice_ws, [](json m) { return m["type"] == "update"; });
  EXPECT_EQ(created["event"], "session.created");
  EXPECT_EQ(created["sessionId"], mine);
  EXPECT_EQ(created["userId"], alice_id_);
  EXPECT_EQ(created["data"]["id"], mine);
  EXPECT_EQ(created["data"]["template"], "terminal");
  EXPECT_FALSE(created["timestamp"].get<std::string>().empty());
  const json started = ReadUntil(*alice_ws, [](json m) { return m["event"] == "session.started"; });
  EXPECT_EQ(started["data"]["state"], "running");

  // The admin saw them too; Bob saw nothing of it.
  ReadUntil(*admin_ws,
            [&](json m) { return m["event"] == "session.started" && m["sessionId"] == mine; });
  const std::string his = Launch(bob_);
  ReadUntil(*bob_ws,
            [&](json m) { return m["event"] == "session.started" && m["sessionId"] == his; });
  for (const json& m : Drain(*bob_ws, milliseconds(300))) {
    EXPECT_EQ(m["userId"], bob_id_) << m.dump();
  }
  for (const json& m : Drain(*alice_ws, milliseconds(300))) {
    EXPECT_EQ(m["userId"], alice_id_) << "alice received " << m.dump();
  }

  // Lifecycle: hibernate and wake publish their events.
  ASSERT_EQ(server_->http()
                .Post("/api/v1/sessions/" + mine + "/hibernate", json::object(), alice_)
                .status,
            202);
  ReadUntil(*alice_ws, [](json m) { return m["event"] == "session.hibernated"; });
  ASSERT_EQ(
      server_->http().Post("/api/v1/sessions/" + mine + "/wake", json::object(), alice_).status,
      202);
  const json woken = ReadUntil(*alice_ws, [](json m) { return m["event"] == "session.woken"; });
  EXPECT_EQ(woken["data"]["state"], "running");
  ASSERT_EQ(server_->http().Delete("/api/v1/sessions/" + mine, alice_).status, 202);
  ReadUntil(*alice_ws, [](json m) { return m["event"] == "session.stopped"; });
  ASSERT_EQ(server_->http().Delete("/api/v1/sessions/" + his, bob_).status, 202);
}

TEST_F(EventHubTest, FiltersNarrowBySessionAndEventType) {
  const std::string first = Launch(alice_);
  const std::string second = Launch(alice_);
  auto by_session = Subscribe(alice_, "&sessionIds=" + second);
  auto by_type = Subscribe(alice_);
  ASSERT_TRUE(by_session && by_type);
  // A subscription message replaces the filters: only tag changes (session.updated).
  by_type->WriteText(R"({"type":"subscribe","filters":{"eventTypes":["session.updated"]}})");
  ReadUntil(*by_type, [](json m) { return m["type"] == "subscribed"; });

  for (const auto& id : {first, second}) {
    auto r = server_->http().Patch("/api/v1/sessions/" + id, {{"tags", {"filtered"}}}, alice_);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  const json only = ReadUntil(*by_session, [](json m) {
    return m["type"] == "update" && m["data"]["tags"] == json::array({"filtered"});
  });
  EXPECT_EQ(only["sessionId"], second);
  for (const json& m : Drain(*by_session, milliseconds(500))) {
    EXPECT_EQ(m["sessionId"], second) << m.dump();
  }
  std::set<std::string> tagged;
  for (int i = 0; i < 2; ++i) {
    const json m = ReadUntil(*by_type, [](json x) {
      return x["type"] == "update" && x["data"]["tags"] == json::array({"filtered"});
    });
    EXPECT_EQ(m["event"], "session.updated");
    tagged.insert(m["sessionId"]);
  }
  for (const json& m : Drain(*by_type, milliseconds(300))) {
    EXPECT_EQ(m["event"], "session.updated") << m.dump();
  }
  EXPECT_EQ(tagged, (std::set<std::string>{first, second}));

  // Bad subscriptions are answered with an error, and the connection stays usable.
  by_type->WriteText("not json");
  EXPECT_EQ(json::parse(by_type->Read(milliseconds(5000)))["type"], "error");
  by_type->WriteText(R"({"type":"subscribe","filters":{"userId":")" + bob_id_ + R"("}})");
  const json refused = ReadUntil(*by_type, [](json m) { return m["type"] == "error"; });
  EXPECT_NE(refused["message"].get<std::string>().find("your own"), std::string::npos);
  by_type->WriteText(R"({"type":"ping"})");
  ReadUntil(*by_type, [](json m) { return m["type"] == "pong"; });
}

// Agents' health reaches operators and admins on the alerts channel, never plain users.
TEST(EventHubAlerts, AgentOutagesAreTriggeredAndResolvedForAdminsOnly) {
  TestServer server(
      TestServerOptions{.extra_args = {"--no-local-agent", "--agent-heartbeat-interval", "1"}});
  const std::string admin = server.SetupAndLoginAdmin();
  server.CreateUser(admin, "alice", "alice password 1");
  const std::string alice = server.Login("alice", "alice password 1");
  const std::string origin = "http://127.0.0.1:" + std::to_string(server.port());
  auto admin_ws = WsClient::Connect(server.port(), "/api/v1/ws/alerts?token=" + admin,
                                    {{"Origin", origin}}, "");
  auto alice_ws = WsClient::Connect(server.port(), "/api/v1/ws/alerts?token=" + alice,
                                    {{"Origin", origin}}, "");
  ASSERT_TRUE(admin_ws && alice_ws);

  auto reg =
      server.http().Post("/api/v1/agents/register", {{"agentId", "edge-1"}, {"platform", "local"}});
  ASSERT_EQ(reg.status, 201) << reg.body;
  auto approved = server.http().Post("/api/v1/agents/edge-1/approve", json::object(), admin);
  ASSERT_EQ(approved.status, 200) << approved.body;
  const std::string key = approved.Json()["apiKey"];
  auto agent = std::make_unique<AgentProcess>(server.port(), "edge-1", key,
                                              server.data_dir() + "/../edge-1");
  // Its first connection resolves the "offline" it was created with.
  auto up = [](json m) {
    return m["event"] == "alert.resolved" && m["data"]["agentId"] == "edge-1";
  };
  EventHubTest::ReadUntil(*admin_ws, up);
  agent->Kill();
  const json degraded = EventHubTest::ReadUntil(*admin_ws, [](json m) {
    return m["event"] == "alert.triggered" && m["data"]["status"] == "degraded";
  });
  EXPECT_EQ(degraded["data"]["severity"], "warning");
  EXPECT_FALSE(degraded.contains("userId"));
  const json offline = EventHubTest::ReadUntil(*admin_ws, [](json m) {
    return m["event"] == "alert.triggered" && m["data"]["status"] == "offline";
  });
  EXPECT_EQ(offline["data"]["severity"], "critical");
  agent->Start();
  EventHubTest::ReadUntil(*admin_ws, up);
  // Alice saw none of it.
  for (const json& m : EventHubTest::Drain(*alice_ws, std::chrono::milliseconds(300))) {
    ADD_FAILURE() << "a user received " << m.dump();
  }
}

}  // namespace
}  // namespace sp::test
