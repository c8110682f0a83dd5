// Agents: registration and approval, keys, the WebSocket link, heartbeat status, command
// redelivery after an outage, reconciliation, placement, and a control plane killed while
// sessions start.
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

template <class Pred>
json WaitFor(const TestServer& server, const std::string& token, const std::string& path, Pred pred,
             std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  json last;
  while (std::chrono::steady_clock::now() < give_up) {
    auto r = server.http().Get(path, token);
    last = r.Json();
    if (r.status == 200 && pred(last)) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return last;
}

// Registers an agent as it would itself, approves it as admin, returns its key.
std::string RegisterAndApprove(const TestServer& server, const std::string& admin,
                               const std::string& agent_id) {
  return RegisterAndApproveAgent(server, admin, agent_id, "local",
                                 {{"region", "lab"}, {"capacity", {{"maxSessions", 5}}}});
}

class AgentsE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>(
        TestServerOptions{.extra_args = {"--no-local-agent", "--agent-heartbeat-interval", "1"}});
    admin_ = server_->SetupAndLoginAdmin();
    server_->CreateUser(admin_, "alice", "alice password 1");
    alice_ = server_->Login("alice", "alice password 1");
    agent_dir_ = server_->data_dir() + "/../agents";
  }
  json Agent(const std::string& id) {
    return server_->http().Get("/api/v1/agents/" + id, admin_).Json();
  }

  std::unique_ptr<TestServer> server_;
  std::string admin_, alice_, agent_dir_;
};

TEST_F(AgentsE2E, RegistrationApprovalAndKeys) {
  auto reg = server_->http().Post("/api/v1/agents/register",
                                  {{"agentId", "edge-1"}, {"platform", "local"}});
  ASSERT_EQ(reg.status, 201);
  EXPECT_EQ(reg.Json()["approved"], false);
  EXPECT_EQ(server_->http().Post("/api/v1/agents/register", {{"agentId", "x"}}).status, 400);
  EXPECT_EQ(server_->http()
                .Post("/api/v1/agents/register", {{"agentId", "edge-2"}, {"platform", "mainframe"}})
                .status,
            400);
  // Only admins approve; users do not even see agents.
  EXPECT_EQ(server_->http().Post("/api/v1/agents/edge-1/approve", json::object(), alice_).status,
            403);
  EXPECT_EQ(server_->http().Get("/api/v1/agents", alice_).status, 403);
  auto approved = server_->http().Post("/api/v1/agents/edge-1/approve", json::object(), admin_);
  ASSERT_EQ(approved.status, 200);
  const std::string key = approved.Json()["apiKey"];
  EXPECT_EQ(key.rfind("ak_", 0), 0u);
  EXPECT_EQ(server_->http().Get("/api/v1/agents", admin_).body.find(key), std::string::npos);
  // Re-registering an approved agent needs its key.
  EXPECT_EQ(server_->http()
                .Post("/api/v1/agents/register", {{"agentId", "edge-1"}, {"platform", "local"}})
                .status,
            401);
  EXPECT_EQ(server_->http()
                .Send("POST", "/api/v1/agents/register",
                      json{{"agentId", "edge-1"}, {"platform", "local"}}.dump(), key)
                .status,
            200);
  // The HTTP heartbeat takes the key.
  EXPECT_EQ(server_->http()
                .Send("POST", "/api/v1/agents/edge-1/heartbeat",
                      json{{"status", "online"}, {"activeSessions", 0}}.dump(), key)
                .status,
            200);
  EXPECT_EQ(server_->http()
                .Send("POST", "/api/v1/agents/edge-1/heartbeat", json{{"status", "online"}}.dump(),
                      "ak_wrong")
                .status,
            401);
  // Rotation kills the old key at once.
  auto rotated =
      server_->http().Post("/api/v1/admin/agents/edge-1/rotate-key", json::object(), admin_);
  ASSERT_EQ(rotated.status, 200);
  EXPECT_EQ(
      server_->http()
          .Send("POST", "/api/v1/agents/edge-1/heartbeat", json{{"status", "online"}}.dump(), key)
          .status,
      401);
  // A command to an agent that is not connected: 503.
  auto cmd = server_->http().Post("/api/v1/agents/edge-1/command",
                                  {{"action", "stop_session"}, {"sessionId", "s1"}}, admin_);
  EXPECT_EQ(cmd.status, 503);
  EXPECT_EQ(server_->http()
                .Post("/api/v1/agents/nope/command", {{"action", "stop_session"}}, admin_)
                .status,
            404);
  // Reject, deregister.
  server_->http().Post("/api/v1/agents/register", {{"agentId", "rogue"}, {"platform", "local"}});
  EXPECT_EQ(
      server_->http().Post("/api/v1/agents/rogue/reject", json::object(), admin_).Json()["status"],
      "rejected");
  EXPECT_EQ(server_->http()
                .Post("/api/v1/agents/register", {{"agentId", "rogue"}, {"platform", "local"}})
                .status,
            403);
  EXPECT_EQ(server_->http().Delete("/api/v1/agents/rogue", admin_).status, 200);
  EXPECT_EQ(server_->http().Get("/api/v1/agents/rogue", admin_).status, 404);
}

TEST_F(AgentsE2E, NoAgentMeans503) {
  auto r = server_->http().Post("/api/v1/sessions", {{"template", "terminal"}}, alice_);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.Json()["message"].get<std::string>().find("no agent"), std::string::npos);
}

TEST_F(AgentsE2E, OutageRedeliveryAndReconciliation) {
  if (!LocalPlatformAvailable()) GTEST_SKIP() << "Xvnc, xterm or bwrap missing";
  const std::string key = RegisterAndApprove(*server_, admin_, "edge-1");
  AgentProcess agent(server_->port(), "edge-1", key, agent_dir_ + "/edge-1");
  EXPECT_EQ(WaitFor(*server_, admin_, "/api/v1/agents/edge-1",
                    [](const json& a) {
                      return a["connected"] == true && a["status"] == "online";
                    })["status"],
            "online")
      << agent.Log();

  auto created = server_->http().Post("/api/v1/sessions", {{"template", "terminal"}}, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  EXPECT_EQ(created.Json()["agent"], "edge-1");
  ASSERT_EQ(WaitFor(*server_, alice_, "/api/v1/sessions/" + id,
                    [](const json& s) {
                      return s["state"] == "running" || s["state"] == "failed";
                    })["state"],
            "running")
      << agent.Log();

  // The agent dies; its heartbeats stop: degraded after 3 missed, offline after 6.
  agent.Kill();
  EXPECT_EQ(WaitFor(*server_, admin_, "/api/v1/agents/edge-1",
                    [](const json& a) { return a["status"] == "degraded"; })["status"],
            "degraded");
  EXPECT_EQ(WaitFor(*server_, admin_, "/api/v1/agents/edge-1",
                    [](const json& a) { return a["status"] == "offline"; })["status"],
            "offline");
  const json marked = server_->http().Get("/api/v1/sessions/" + id, alice_).Json();
  EXPECT_EQ(marked["agentStatus"], "offline");
  EXPECT_EQ(marked["stateReason"], "agent offline");
  EXPECT_FALSE(ProcessesMentioning(id).empty()) << "sessions outlive their agent";

  // A command queued while it is away...
  auto hib = server_->http().Post("/api/v1/sessions/" + id + "/hibernate", json::object(), alice_);
  ASSERT_EQ(hib.status, 202) << hib.body;
  auto commands = server_->http().Get("/api/v1/agents/edge-1/commands", admin_).Json()["commands"];
  ASSERT_FALSE(commands.empty());
  EXPECT_EQ(commands[0]["action"], "hibernate_session");
  EXPECT_EQ(commands[0]["status"], "pending");
  const std::string command_id = commands[0]["commandId"];

  // ...is delivered when it comes back, and applied once.
  agent.Start();
  EXPECT_EQ(WaitFor(*server_, alice_, "/api/v1/sessions/" + id,
                    [](const json& s) { return s["state"] == "hibernated"; })["state"],
            "hibernated")
      << agent.Log();
  EXPECT_TRUE(ProcessesMentioning(id).empty());
  const json after = server_->http().Get("/api/v1/sessions/" + id, alice_).Json();
  EXPECT_NE(after.value("stateReason", ""), "agent offline");
  EXPECT_EQ(after["agentStatus"], "online");
  std::ifstream journal(agent_dir_ + "/edge-1/commands.jsonl");
  std::string line;
  int applied = 0;
  while (std::getline(journal, line)) applied += line.find(command_id) != std::string::npos;
  EXPECT_EQ(applied, 1);
  auto cmd = WaitFor(*server_, admin_, "/api/v1/agents/edge-1/commands", [&](const json& c) {
    for (const auto& x : c["commands"]) {
      if (x["commandId"] == command_id) return x["status"] == "completed";
    }
    return false;
  });
  // A restart of the agent does not apply it again: the journal answers.
  agent.Kill();
  agent.Start();
  WaitFor(*server_, admin_, "/api/v1/agents/edge-1",
          [](const json& a) { return a["connected"] == true; });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::ifstream journal2(agent_dir_ + "/edge-1/commands.jsonl");
  applied = 0;
  while (std::getline(journal2, line)) applied += line.find(command_id) != std::string::npos;
  EXPECT_EQ(applied, 1);
  // Wake works through the reconnected agent.
  ASSERT_EQ(server_->http().Post("/api/v1/sessions/" + id + "/wake", json::object(), alice_).status,
            202);
  EXPECT_EQ(WaitFor(*server_, alice_, "/api/v1/sessions/" + id,
                    [](const json& s) { return s["state"] == "running"; })["state"],
            "running");
}

TEST_F(AgentsE2E, PlacementSkipsDrainingAgents) {
  if (!LocalPlatformAvailable()) GTEST_SKIP() << "Xvnc, xterm or bwrap missing";
  const std::string key_a = RegisterAndApprove(*server_, admin_, "edge-a");
  const std::string key_b = RegisterAndApprove(*server_, admin_, "edge-b");
  AgentProcess a(server_->port(), "edge-a", key_a, agent_dir_ + "/edge-a", {"--draining"});
  AgentProcess b(server_->port(), "edge-b", key_b, agent_dir_ + "/edge-b");
  EXPECT_EQ(WaitFor(*server_, admin_, "/api/v1/agents/edge-a",
                    [](const json& x) { return x["status"] == "draining"; })["status"],
            "draining");
  EXPECT_EQ(WaitFor(*server_, admin_, "/api/v1/agents/edge-b",
                    [](const json& x) { return x["status"] == "online"; })["status"],
            "online");
  for (int i = 0; i < 3; ++i) {
    auto r = server_->http().Post("/api/v1/sessions", {{"template", "terminal"}}, alice_);
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.Json()["agent"], "edge-b");
  }
  // An admin drains b too: nothing is left to place on.
  ASSERT_EQ(server_->http().Patch("/api/v1/agents/edge-b", {{"draining", true}}, admin_).status,
            200);
  EXPECT_EQ(server_->http().Post("/api/v1/sessions", {{"template", "terminal"}}, alice_).status,
            503);
}

// An agent on another machine dials the control plane over TLS (here a TLS-terminating
// socat in front of it, as a reverse proxy would be), verifies its certificate against the
// CA it is given, and runs a session whose viewer tunnel also goes over TLS.
TEST_F(AgentsE2E, AgentDialsAnHttpsControlPlaneAndChecksItsCertificate) {
  if (!LocalPlatformAvailable()) GTEST_SKIP() << "Xvnc, xterm or bwrap missing";
  if (std::system("command -v socat >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "socat or openssl missing";
  const std::string tls_dir = server_->data_dir() + "/../tls";
  std::filesystem::create_directories(tls_dir);
  const std::string make_cert =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -addext "
      "subjectAltName=DNS:localhost -keyout " +
      tls_dir + "/key.pem -out " + tls_dir + "/cert.pem >/dev/null 2>&1";
  ASSERT_EQ(std::system(make_cert.c_str()), 0);
  // A free port for the TLS front.
  int tls_port = 0;
  {
    TestServer probe(TestServerOptions{.extra_args = {"--no-local-agent"}});
    tls_port = probe.port();
  }
  const std::string front = "socat OPENSSL-LISTEN:" + std::to_string(tls_port) +
                            ",bind=127.0.0.1,reuseaddr,fork,verify=0,cert=" + tls_dir +
                            "/cert.pem,key=" + tls_dir +
                            "/key.pem TCP:127.0.0.1:" + std::to_string(server_->port()) +
                            " & echo $! >" + tls_dir + "/socat.pid";
  ASSERT_EQ(std::system(front.c_str()), 0);
  struct StopFront {
    std::string pid_file;
    ~StopFront() { std::system(("kill $(cat " + pid_file + ") 2>/dev/null").c_str()); }
  } stop_front{tls_dir + "/socat.pid"};

  const std::string key = RegisterAndApprove(*server_, admin_, "edge-tls");
  // Without the CA, the self-signed certificate is refused: the agent never comes online.
  {
    AgentProcess untrusting(server_->port(), "edge-tls", key, agent_dir_ + "/untrusting",
                            {"--control-plane", "https://localhost:" + std::to_string(tls_port)});
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_NE(Agent("edge-tls")["status"], "online");
    EXPECT_NE(untrusting.Log().find("certificate verify failed"), std::string::npos)
        << untrusting.Log();
  }
  AgentProcess agent(server_->port(), "edge-tls", key, agent_dir_ + "/edge-tls",
                     {"--control-plane", "https://localhost:" + std::to_string(tls_port),
                      "--ca-file", tls_dir + "/cert.pem"});
  EXPECT_EQ(WaitFor(*server_, admin_, "/api/v1/agents/edge-tls",
                    [](const json& x) { return x["status"] == "online"; })["status"],
            "online")
      << agent.Log();
  auto r = server_->http().Post("/api/v1/sessions", {{"template", "terminal"}}, alice_);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = r.Json()["id"];
  EXPECT_EQ(WaitFor(*server_, alice_, "/api/v1/sessions/" + id,
                    [](const json& s) { return s["state"] == "running"; })["state"],
            "running")
      << agent.Log();
  // The viewer's bytes come through a tunnel the agent opened over TLS.
  const json info = server_->http().Get("/api/v1/sessions/" + id + "/connect", alice_).Json();
  int status = 0;
  auto ws = WsClient::Connect(server_->port(), info["path"], {}, "binary", &status);
  ASSERT_NE(ws, nullptr) << status << agent.Log();
  WsRfbTransport transport(*ws);
  RfbClient rfb(transport);
  EXPECT_GT(rfb.Handshake(true).width, 0);
  ws->Close();
  ASSERT_EQ(server_->http().Delete("/api/v1/sessions/" + id, alice_).status, 202);
  WaitFor(*server_, alice_, "/api/v1/sessions/" + id,
          [](const json& s) { return s["state"] == "stopped"; });
}

TEST(ControlPlaneCrash, SessionsStartingDuringAKillAreNeitherLostNorDuplicated) {
  if (!LocalPlatformAvailable()) GTEST_SKIP() << "Xvnc, xterm or bwrap missing";
  TestServer server;
  const std::string admin = server.SetupAndLoginAdmin();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto r = server.http().Post("/api/v1/sessions", {{"template", "terminal"}}, admin);
    ASSERT_EQ(r.status, 201) << r.body;
    ids.push_back(r.Json()["id"]);
  }
  server.Kill();  // while they start
  server.Start();
  const std::string token = server.Login("admin", kAdminPassword);
  for (const auto& id : ids) {
    EXPECT_EQ(WaitFor(server, token, "/api/v1/sessions/" + id,
                      [](const json& s) {
                        return s["state"] == "running" || s["state"] == "failed";
                      })["state"],
              "running")
        << server.Log();
  }
  auto list = server.http().Get("/api/v1/sessions", token).Json();
  EXPECT_EQ(list["total"], 3);
  // One sandbox per session: nothing started twice.
  for (const auto& id : ids) {
    const auto dir = std::filesystem::path(server.data_dir()) / "agent/local/sessions" / id;
    EXPECT_TRUE(std::filesystem::is_directory(dir)) << dir;
    EXPECT_FALSE(ProcessesMentioning(id).empty()) << id;
  }
  size_t dirs = 0;
  for (const auto& e : std::filesystem::directory_iterator(
           std::filesystem::path(server.data_dir()) / "agent/local/sessions")) {
    dirs += e.is_directory() ? 1 : 0;
  }
  EXPECT_EQ(dirs, 3u);
}

}  // namespace
}  // namespace sp::test
