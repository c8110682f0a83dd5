// The docker platform end to end against a real engine: podman's Docker-compatible API,
// started by scripts/test.sh (SP_TEST_DOCKER_HOST), with the session image built by
// scripts/build-session-images.sh. A `streamspace agent --platform docker` runs the
// built-in terminal template as a container; a viewer gets pixels through the control
// plane; the home volume survives hibernation; limits and labels are on the container; the
// agent re-adopts its containers after a restart; a missing image is a clear failure.
#include <cctype>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/container_engine.hpp"
#include "tests/support/session_checks.hpp"
#include "tests/support/test_server.hpp"

namespace sp::test {
namespace {

using nlohmann::json;

constexpr const char* kImage = "localhost/streamspace-session-terminal:1";

class DockerPlatformE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (DockerHost().empty()) {
      GTEST_SKIP() << "SP_TEST_DOCKER_HOST not set (scripts/test.sh starts podman and sets it)";
    }
    if (Engine("GET", std::string("/images/") + kImage + "/json").first != 200) {
      GTEST_SKIP() << kImage << " missing (scripts/build-session-images.sh builds it)";
    }
    server_ = std::make_unique<TestServer>(
        TestServerOptions{.extra_args = {"--no-local-agent", "--agent-heartbeat-interval", "1"}});
    admin_ = server_->SetupAndLoginAdmin();
    server_->CreateUser(admin_, "alice", "alice password 1");
    alice_ = server_->Login("alice", "alice password 1");
    agent_id_ = "docker-" + std::to_string(::getpid());
    key_ = RegisterAndApproveAgent(*server_, admin_, agent_id_, "docker");
    StartAgent();
    ASSERT_TRUE(WaitForAgentOnline(*server_, admin_, agent_id_)) << agent_->Log();
  }
  void TearDown() override {
    agent_.reset();
    if (DockerHost().empty() || agent_id_.empty()) return;
    // Every container and volume this test made, by label and name.
    const json filters = {{"label", json::array({"streamspace.agent=" + agent_id_})}};
    auto list = Engine("GET", "/containers/json?all=1&filters=" + EncodeFilters(filters));
    const json containers = json::parse(list.second, nullptr, false);
    if (containers.is_array()) {
      for (const auto& c : containers) {
        for (const auto& m : c.value("Mounts", json::array())) volumes_.insert(m.value("Name", ""));
        Engine("DELETE", "/containers/" + c.value("Id", "") + "?force=1");
      }
    }
    for (const auto& v : volumes_) {
      if (!v.empty()) Engine("DELETE", "/volumes/" + v + "?force=1");
    }
  }
  void StartAgent() {
    agent_ = std::make_unique<AgentProcess>(
        server_->port(), agent_id_, key_, server_->data_dir() + "/../" + agent_id_,
        std::vector<std::string>{"--platform", "docker", "--docker-host", DockerHost()});
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<AgentProcess> agent_;
  std::string admin_, alice_, agent_id_, key_;
  std::set<std::string> volumes_;
};

TEST_F(DockerPlatformE2E, RunsHibernatesWakesAndReadoptsAContainerSession) {
  auto created = server_->http().Post("/api/v1/sessions", {{"template", "terminal"}}, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  EXPECT_EQ(created.Json()["agent"], agent_id_);
  const json running = WaitForSessionState(*server_, alice_, id, "running");
  ASSERT_EQ(running["state"], "running") << running.dump() << agent_->Log();
  ExpectViewerPixels(*server_, alice_, id);

  // The container: image, limits from the template, labels, the port on loopback only.
  const std::string container = "ss-" + id;
  auto inspect = Engine("GET", "/containers/" + container + "/json");
  ASSERT_EQ(inspect.first, 200) << inspect.second;
  const json c = json::parse(inspect.second);
  EXPECT_EQ(c["Config"]["Image"], kImage);
  EXPECT_EQ(c["HostConfig"]["Memory"], int64_t{1024} * 1024 * 1024);
  EXPECT_EQ(c["HostConfig"]["NanoCpus"], int64_t{1'000'000'000});
  EXPECT_EQ(c["Config"]["Labels"]["streamspace.session"], id);
  EXPECT_EQ(c["Config"]["Labels"]["streamspace.agent"], agent_id_);
  EXPECT_EQ(c["NetworkSettings"]["Ports"]["5900/tcp"][0]["HostIp"], "127.0.0.1");
  for (const auto& m : c["Mounts"]) volumes_.insert(m.value("Name", ""));
  ASSERT_EQ(volumes_.size(), 1u) << c["Mounts"].dump();

  // A file in the home volume survives hibernation (the container stops) and wake.
  const std::string wrote = Exec(
      container, json::array({"sh", "-c", "echo kept > /home/user/marker.txt && echo written"}));
  ASSERT_NE(wrote.find("written"), std::string::npos) << wrote;
  ASSERT_EQ(
      server_->http().Post("/api/v1/sessions/" + id + "/hibernate", json::object(), alice_).status,
      202);
  EXPECT_EQ(WaitForSessionState(*server_, alice_, id, "hibernated")["state"], "hibernated");
  EXPECT_EQ(
      json::parse(Engine("GET", "/containers/" + container + "/json").second)["State"]["Running"],
      false);
  ASSERT_EQ(server_->http().Post("/api/v1/sessions/" + id + "/wake", json::object(), alice_).status,
            202);
  ASSERT_EQ(WaitForSessionState(*server_, alice_, id, "running")["state"], "running")
      << agent_->Log();
  const std::string kept = Exec(container, json::array({"cat", "/home/user/marker.txt"}));
  EXPECT_NE(kept.find("kept"), std::string::npos) << kept;
  ExpectViewerPixels(*server_, alice_, id);

  // The agent dies and comes back: it finds its container by label, still running.
  agent_->Kill();
  StartAgent();
  // Connected again once its log (appended to across restarts) says so a second time.
  auto connections = [this] {
    const std::string log = agent_->Log();
    size_t n = 0;
    for (size_t at = log.find("connected to control plane"); at != std::string::npos;
         at = log.find("connected to control plane", at + 1)) {
      ++n;
    }
    return n;
  };
  for (int i = 0; i < 400 && connections() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GE(connections(), 2u) << agent_->Log();
  EXPECT_EQ(server_->http().Get("/api/v1/sessions/" + id, alice_).Json()["state"], "running");
  ExpectViewerPixels(*server_, alice_, id);
  if (HasFailure()) std::cerr << agent_->Log() << server_->Log();

  // Delete removes the container and keeps the user's home volume.
  ASSERT_EQ(server_->http().Delete("/api/v1/sessions/" + id, alice_).status, 202);
  EXPECT_EQ(WaitForSessionState(*server_, alice_, id, "stopped")["state"], "stopped");
  EXPECT_EQ(Engine("GET", "/containers/" + container + "/json").first, 404);
  EXPECT_EQ(Engine("GET", "/volumes/" + *volumes_.begin()).first, 200);
}

TEST_F(DockerPlatformE2E, AMissingImageFailsTheSessionWithAClearReason) {
  auto t = server_->http().Post("/api/v1/templates",
                                {{"name", "ghost"},
                                 {"displayName", "Ghost"},
                                 {"command", {"xterm"}},
                                 {"image", "localhost/no-such-image:1"}},
                                admin_);
  ASSERT_EQ(t.status, 201) << t.body;
  auto created = server_->http().Post("/api/v1/sessions", {{"template", "ghost"}}, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  const json s = WaitForSessionState(*server_, alice_, created.Json()["id"], "failed");
  ASSERT_EQ(s["state"], "failed");
  EXPECT_NE(s.value("stateReason", "").find("not on this docker host"), std::string::npos)
      << s.dump();
}

}  // namespace
}  // namespace sp::test
