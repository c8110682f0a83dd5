// The kubernetes platform against the Kubernetes API contract server (tests/kube_contract):
// a local HTTPS server that checks every request against the API's resource schemas and
// answers as the API server would. No cluster runs on these machines, so this is what the
// platform is verified against.
//
// KubernetesContract drives the platform directly (the server simulates pods becoming
// ready); KubernetesE2E runs a whole session through the control plane and a
// `streamspace agent --platform kubernetes`, with the contract server running each pod as a
// podman container (SP_TEST_DOCKER_HOST) so that a viewer gets real pixels.
#include "agent/platform/kubernetes_platform.hpp"

#include <filesystem>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "agent/platform/container_session.hpp"
#include "tests/support/container_engine.hpp"
#include "tests/support/kube_contract.hpp"
#include "tests/support/session_checks.hpp"
#include "tests/support/test_server.hpp"

namespace sp::test {
namespace {

using nlohmann::json;

constexpr const char* kImage = "localhost/streamspace-session-terminal:1";
constexpr const char* kDeployments = "/apis/apps/v1/namespaces/streamspace/deployments/";
constexpr const char* kServices = "/api/v1/namespaces/streamspace/services/";
constexpr const char* kClaims = "/api/v1/namespaces/streamspace/persistentvolumeclaims/";

const std::string kAgentRbac = std::string(SP_SOURCE_DIR) + "/deploy/kubernetes/agent.yaml";

bool HavePython() { return std::filesystem::exists("/usr/bin/python3"); }

agent::SessionSpec Spec(const std::string& id) {
  agent::SessionSpec spec;
  spec.session_id = id;
  spec.user_id = "0b6f8c1e-8a4f-4d7e-9c55-3f1d2a7b9e10";
  spec.username = "alice";
  spec.template_name = "terminal";
  spec.command = {"xterm"};
  spec.image = kImage;
  spec.cpu_millicores = 500;
  spec.memory_mib = 768;
  spec.home_key = spec.user_id + "/terminal";
  return spec;
}

class KubernetesContract : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HavePython()) GTEST_SKIP() << "/usr/bin/python3 missing (scripts/setup.sh --test)";
    // The agent's token may do what deploy/kubernetes grants the agent, nothing more.
    server_ = std::make_unique<KubeContractServer>(KubeContractOptions{.rbac_file = kAgentRbac});
    platform_ = MakePlatform("agent-k1");
    ASSERT_TRUE(platform_->Ping()) << server_->Log();
  }

  std::unique_ptr<agent::KubernetesPlatform> MakePlatform(const std::string& agent_id) {
    auto connection = agent::KubeconfigConnection(server_->kubeconfig());
    EXPECT_TRUE(connection) << connection.error().message;
    agent::KubernetesPlatformOptions options;
    options.connection = *connection;
    options.agent_id = agent_id;
    options.ready_timeout = std::chrono::seconds(30);
    options.poll_interval = std::chrono::milliseconds(50);
    return std::make_unique<agent::KubernetesPlatform>(std::move(options));
  }

  json Get(const std::string& path) {
    auto r = server_->Api("GET", path);
    return r.status == 200 ? r.json : json();
  }
  int StatusOf(const std::string& path) {
    return static_cast<int>(server_->Api("GET", path).status);
  }
  json Pods(const std::string& id) {
    return Get("/api/v1/namespaces/streamspace/pods?labelSelector=streamspace.io%2Fsession%3D" + id)
        .value("items", json::array());
  }
  // Requests with this method whose path contains `needle`.
  std::vector<json> Seen(const std::string& method, const std::string& needle) {
    std::vector<json> out;
    for (const json& r : server_->Requests()) {
      if (r.value("method", "") == method &&
          r.value("path", "").find(needle) != std::string::npos) {
        out.push_back(r);
      }
    }
    return out;
  }

  std::unique_ptr<KubeContractServer> server_;
  std::unique_ptr<agent::KubernetesPlatform> platform_;
};

TEST_F(KubernetesContract, StartCreatesAClaimAServiceAndADeploymentTheApiAccepts) {
  const agent::SessionSpec spec = Spec("4f6a2c1d-0000-4b1e-8e2a-5c7d9f1a3b21");
  ASSERT_TRUE(platform_->Start(spec)) << server_->Log();
  const std::string name = "ss-" + spec.session_id;

  const json d = Get(kDeployments + name);
  ASSERT_TRUE(d.is_object()) << server_->Log();
  EXPECT_EQ(d["metadata"]["labels"]["streamspace.io/session"], spec.session_id);
  EXPECT_EQ(d["metadata"]["labels"]["streamspace.io/agent"], "agent-k1");
  EXPECT_EQ(d["metadata"]["labels"]["streamspace.io/user"], spec.user_id);
  EXPECT_EQ(d["metadata"]["annotations"]["streamspace.io/state"], "running");
  EXPECT_EQ(d["spec"]["replicas"], 1);
  EXPECT_EQ(d["spec"]["strategy"]["type"], "Recreate");
  const json& pod = d["spec"]["template"]["spec"];
  const json& c = pod["containers"][0];
  EXPECT_EQ(c["image"], kImage);
  const std::string cpu = c["resources"]["limits"]["cpu"];
  EXPECT_TRUE(cpu == "500m") << cpu;
  const std::string memory = c["resources"]["limits"]["memory"];
  EXPECT_TRUE(memory == "768Mi") << memory;
  EXPECT_EQ(c["resources"]["requests"], c["resources"]["limits"]);
  EXPECT_EQ(c["readinessProbe"]["tcpSocket"]["port"], 5900);
  EXPECT_EQ(pod["automountServiceAccountToken"], false);
  const std::string claim = agent::HomeVolumeName(spec);
  EXPECT_EQ(pod["volumes"][0]["persistentVolumeClaim"]["claimName"], claim);

  const json s = Get(kServices + name);
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["spec"]["ports"][0]["port"], 5900);
  EXPECT_EQ(s["spec"]["selector"]["streamspace.io/session"], spec.session_id);
  const json pvc = Get(kClaims + claim);
  ASSERT_TRUE(pvc.is_object());
  EXPECT_EQ(pvc["spec"]["resources"]["requests"]["storage"], "1Gi");
  EXPECT_EQ(pvc["spec"]["accessModes"][0], "ReadWriteOnce");

  // Every create asked for strict field validation and was accepted as sent.
  const auto creates = Seen("POST", "/namespaces/streamspace/");
  ASSERT_EQ(creates.size(), 3u) << server_->Requests().dump(1);
  for (const json& r : creates) {
    EXPECT_EQ(r.value("status", 0), 201) << r.dump();
    EXPECT_EQ(r.value("fieldValidation", ""), "Strict") << r.dump();
  }
  ASSERT_EQ(Pods(spec.session_id).size(), 1u);

  // The tunnel goes to the Service's cluster IP.
  auto endpoint = platform_->Resolve(spec.session_id, "vnc");
  ASSERT_TRUE(endpoint) << endpoint.error().message;
  EXPECT_EQ(endpoint->kind, agent::Endpoint::Kind::kTcp);
  EXPECT_EQ(endpoint->host, s["spec"]["clusterIP"].get<std::string>());
  EXPECT_EQ(endpoint->port, 5900);
  auto http = platform_->Resolve(spec.session_id, "http");
  ASSERT_FALSE(http);
  EXPECT_EQ(http.error().code, Errc::kFailedPrecondition);

  // A start delivered again (after a reconnect) changes nothing.
  server_->ClearRequests();
  ASSERT_TRUE(platform_->Start(spec));
  EXPECT_TRUE(Seen("PUT", "/deployments/").empty());
  for (const json& r : Seen("POST", "/namespaces/")) EXPECT_EQ(r.value("status", 0), 409);
  EXPECT_EQ(Pods(spec.session_id).size(), 1u);
}

TEST_F(KubernetesContract, HibernateScalesToZeroAndWakeRetriesConflicts) {
  const agent::SessionSpec spec = Spec("7d1e3a5b-1111-4c2d-9e3f-0a1b2c3d4e5f");
  const std::string name = "ss-" + spec.session_id;
  ASSERT_TRUE(platform_->Start(spec)) << server_->Log();
  const std::string uid = Get(kDeployments + name)["metadata"]["uid"];

  ASSERT_TRUE(platform_->Hibernate(spec.session_id)) << server_->Log();
  json d = Get(kDeployments + name);
  EXPECT_EQ(d["spec"]["replicas"], 0);
  EXPECT_EQ(d["metadata"]["annotations"]["streamspace.io/state"], "hibernated");
  EXPECT_EQ(d["metadata"]["uid"], uid);  // scaled, not re-created
  EXPECT_TRUE(Pods(spec.session_id).empty());
  EXPECT_EQ(StatusOf(kClaims + agent::HomeVolumeName(spec)), 200);  // the home stays
  auto listed = platform_->List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].state, "hibernated");
  auto resolved = platform_->Resolve(spec.session_id, "vnc");
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error().code, Errc::kNotFound);

  // Another writer changes the Deployment twice between our read and our update.
  server_->ClearRequests();
  server_->InjectConflict("deployments", name, 2);
  ASSERT_TRUE(platform_->Wake(spec)) << server_->Log();
  const auto puts = Seen("PUT", "/deployments/" + name);
  ASSERT_EQ(puts.size(), 3u) << server_->Requests().dump(1);
  EXPECT_EQ(puts[0].value("status", 0), 409);
  EXPECT_EQ(puts[1].value("status", 0), 409);
  EXPECT_EQ(puts[2].value("status", 0), 200);
  d = Get(kDeployments + name);
  EXPECT_EQ(d["spec"]["replicas"], 1);
  EXPECT_EQ(d["metadata"]["annotations"]["streamspace.io/state"], "running");
  ASSERT_EQ(Pods(spec.session_id).size(), 1u);
  EXPECT_TRUE(platform_->Resolve(spec.session_id, "vnc"));

  // A conflict that never ends is an error, not a loop.
  server_->InjectConflict("deployments", name, 100);
  auto stuck = platform_->Hibernate(spec.session_id);
  ASSERT_FALSE(stuck);
  EXPECT_NE(stuck.error().message.find("409"), std::string::npos) << stuck.error().message;
}

TEST_F(KubernetesContract, ARestartedAgentFindsItsSessionsByLabel) {
  const agent::SessionSpec a = Spec("a0000000-2222-4000-8000-000000000001");
  agent::SessionSpec b = Spec("b0000000-2222-4000-8000-000000000002");
  b.template_name = "firefox";
  b.home_key = b.user_id + "/firefox";
  ASSERT_TRUE(platform_->Start(a)) << server_->Log();
  ASSERT_TRUE(platform_->Start(b)) << server_->Log();
  ASSERT_TRUE(platform_->Hibernate(b.session_id));

  auto restarted = MakePlatform("agent-k1");
  auto listed = restarted->List();
  std::map<std::string, std::string> states;
  for (const auto& s : listed) states[s.session_id] = s.state;
  EXPECT_EQ(states.size(), 2u);
  EXPECT_EQ(states[a.session_id], "running");
  EXPECT_EQ(states[b.session_id], "hibernated");
  EXPECT_TRUE(restarted->Resolve(a.session_id, "vnc"));

  // Another agent in the same namespace sees none of them.
  EXPECT_TRUE(MakePlatform("agent-k2")->List().empty());
}

TEST_F(KubernetesContract, AnAppThatExitsEndsItsSession) {
  const agent::SessionSpec spec = Spec("c0000000-3333-4000-8000-000000000003");
  ASSERT_TRUE(platform_->Start(spec)) << server_->Log();
  platform_->List();
  server_->FailPods("streamspace.io/session=" + spec.session_id, 3);
  std::vector<agent::SessionStatus> exited;
  for (int i = 0; i < 200 && exited.empty(); ++i) {
    exited = platform_->CollectExited();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(exited.size(), 1u) << server_->Log();
  EXPECT_EQ(exited[0].session_id, spec.session_id);
  EXPECT_EQ(exited[0].state, "failed");
  EXPECT_EQ(exited[0].details, "app exited with code 3");
  // Kubernetes would restart it; the session ends instead, and says so after a restart.
  const json d = Get(kDeployments + std::string("ss-") + spec.session_id);
  EXPECT_EQ(d["spec"]["replicas"], 0);
  auto listed = MakePlatform("agent-k1")->List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].state, "failed");

  // An exit seen after a hibernate began (the Deployment no longer says running) is the
  // hibernate's doing: not reported, not scaled by this look.
  const agent::SessionSpec other = Spec("c0000000-3333-4000-8000-000000000033");
  ASSERT_TRUE(platform_->Start(other)) << server_->Log();
  platform_->List();
  const std::string path = kDeployments + std::string("ss-") + other.session_id;
  // The simulated controller writes the Deployment's status concurrently, so this update
  // reads again on a 409 as any client of the API must.
  int put_status = 0;
  for (int attempt = 0; attempt < 10 && put_status != 200; ++attempt) {
    json marked = Get(path);
    marked["metadata"]["annotations"]["streamspace.io/state"] = "hibernated";
    put_status = server_->Api("PUT", path, &marked).status;
    if (put_status != 200) {
      EXPECT_EQ(put_status, 409);
    }
  }
  ASSERT_EQ(put_status, 200);
  server_->FailPods("streamspace.io/session=" + other.session_id, 1);
  for (int i = 0; i < 60; ++i) {  // two looks (one every 2 s)
    for (const auto& s : platform_->CollectExited()) EXPECT_NE(s.session_id, other.session_id);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(Get(path)["spec"]["replicas"], 1);
}

TEST_F(KubernetesContract, DeleteRemovesTheSessionsObjectsAndKeepsTheHome) {
  const agent::SessionSpec spec = Spec("d0000000-4444-4000-8000-000000000004");
  const std::string name = "ss-" + spec.session_id;
  ASSERT_TRUE(platform_->Start(spec)) << server_->Log();
  ASSERT_TRUE(platform_->Delete(spec.session_id)) << server_->Log();
  EXPECT_EQ(StatusOf(kDeployments + name), 404);
  EXPECT_EQ(StatusOf(kServices + name), 404);
  EXPECT_EQ(StatusOf(kClaims + agent::HomeVolumeName(spec)), 200);
  for (int i = 0; i < 100 && !Pods(spec.session_id).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(Pods(spec.session_id).empty());
  EXPECT_TRUE(platform_->Delete(spec.session_id));  // again: nothing left, still fine
  EXPECT_TRUE(platform_->List().empty());
  auto resolved = platform_->Resolve(spec.session_id, "vnc");
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error().code, Errc::kNotFound);
}

TEST_F(KubernetesContract, IdsThatAreNotDnsNamesStillMakeValidObjects) {
  // Kubernetes names are lower-case DNS labels; the platform hashes what is not one, and
  // the contract server would refuse an invalid name with 422.
  agent::SessionSpec spec = Spec("Session_With.Capitals");
  spec.template_name = "A template/with a slash";
  ASSERT_TRUE(platform_->Start(spec)) << server_->Log();
  const std::string name = agent::KubeObjectName(spec.session_id);
  EXPECT_EQ(name.rfind("ss-", 0), 0u);
  const json d = Get(kDeployments + name);
  ASSERT_TRUE(d.is_object());
  EXPECT_EQ(d["metadata"]["annotations"]["streamspace.io/session-id"], spec.session_id);
  auto listed = platform_->List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].session_id, spec.session_id);
  EXPECT_TRUE(platform_->Resolve(spec.session_id, "vnc"));
}

TEST_F(KubernetesContract, RefusalsComeBackWithTheirReasons) {
  agent::SessionSpec no_image = Spec("e0000000-5555-4000-8000-000000000005");
  no_image.image.clear();
  auto refused = platform_->Start(no_image);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("image"), std::string::npos);

  // A home size the API cannot decode: its 400 comes back with the reason.
  auto connection = agent::KubeconfigConnection(server_->kubeconfig());
  ASSERT_TRUE(connection);
  agent::KubernetesPlatformOptions bad_size;
  bad_size.connection = *connection;
  bad_size.agent_id = "agent-k1";
  bad_size.home_size = "lots";
  auto invalid =
      agent::KubernetesPlatform(bad_size).Start(Spec("f0000000-6666-4000-8000-000000000006"));
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, Errc::kInvalidArgument);
  EXPECT_NE(invalid.error().message.find("answered 400"), std::string::npos)
      << invalid.error().message;
  EXPECT_NE(invalid.error().message.find("quantities must match"), std::string::npos)
      << invalid.error().message;

  // Wrong credentials and an untrusted server certificate fail the startup check.
  agent::KubernetesPlatformOptions wrong_token = bad_size;
  wrong_token.connection.client.bearer_token = "not-the-token";
  auto unauthorized = agent::KubernetesPlatform(wrong_token).Ping();
  ASSERT_FALSE(unauthorized);
  EXPECT_NE(unauthorized.error().message.find("401"), std::string::npos)
      << unauthorized.error().message;
  // A namespace the agent's Role does not cover: the API's 403 names the missing grant.
  agent::KubernetesPlatformOptions elsewhere = bad_size;
  elsewhere.namespace_ = "elsewhere";
  auto forbidden = agent::KubernetesPlatform(elsewhere).Ping();
  ASSERT_FALSE(forbidden);
  EXPECT_EQ(forbidden.error().code, Errc::kPermissionDenied);
  EXPECT_NE(forbidden.error().message.find("cannot list resource \"deployments\""),
            std::string::npos)
      << forbidden.error().message;
  EXPECT_NE(forbidden.error().message.find("RBAC"), std::string::npos);
  agent::KubernetesPlatformOptions untrusted = bad_size;
  untrusted.connection.client.ca_pem.clear();  // the system's CAs do not know the server
  auto tls = agent::KubernetesPlatform(untrusted).Ping();
  ASSERT_FALSE(tls);
  EXPECT_EQ(tls.error().code, Errc::kUnavailable);
}

// The whole product path on the contract server with pods run by podman.
class KubernetesE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HavePython()) GTEST_SKIP() << "/usr/bin/python3 missing (scripts/setup.sh --test)";
    if (DockerHost().empty()) {
      GTEST_SKIP() << "SP_TEST_DOCKER_HOST not set (scripts/test.sh starts podman and sets it)";
    }
    if (Engine("GET", std::string("/images/") + kImage + "/json").first != 200) {
      GTEST_SKIP() << kImage << " missing (scripts/build-session-images.sh builds it)";
    }
    kube_ = std::make_unique<KubeContractServer>(
        KubeContractOptions{.runtime = "docker", .rbac_file = kAgentRbac});
    server_ = std::make_unique<TestServer>(
        TestServerOptions{.extra_args = {"--no-local-agent", "--agent-heartbeat-interval", "1"}});
    admin_ = server_->SetupAndLoginAdmin();
    server_->CreateUser(admin_, "alice", "alice password 1");
    alice_ = server_->Login("alice", "alice password 1");
    agent_id_ = "kube-" + std::to_string(::getpid());
    const std::string key = RegisterAndApproveAgent(*server_, admin_, agent_id_, "kubernetes");
    agent_ = std::make_unique<AgentProcess>(
        server_->port(), agent_id_, key, server_->data_dir() + "/../kube",
        std::vector<std::string>{"--platform", "kubernetes", "--kubeconfig", kube_->kubeconfig()});
    ASSERT_TRUE(WaitForAgentOnline(*server_, admin_, agent_id_)) << agent_->Log();
  }
  void TearDown() override {
    agent_.reset();
    server_.reset();
    kube_.reset();  // removes its containers and volumes
  }

  // The podman container running the session's pod now.
  std::string PodContainer(const std::string& id) {
    const json pods = kube_
                          ->Api("GET",
                                "/api/v1/namespaces/streamspace/pods?labelSelector=streamspace.io"
                                "%2Fsession%3D" +
                                    id)
                          .json.value("items", json::array());
    for (const json& p : pods) {
      if (!p["metadata"].contains("deletionTimestamp")) {
        return "kc-" + p["metadata"]["name"].get<std::string>();
      }
    }
    return "";
  }

  std::unique_ptr<KubeContractServer> kube_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<AgentProcess> agent_;
  std::string admin_, alice_, agent_id_;
};

TEST_F(KubernetesE2E, ASessionRunsHibernatesAndWakesWithItsHome) {
  auto created = server_->http().Post("/api/v1/sessions", {{"template", "terminal"}}, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["id"];
  EXPECT_EQ(created.Json()["agent"], agent_id_);
  const json running = WaitForSessionState(*server_, alice_, id, "running");
  ASSERT_EQ(running["state"], "running") << running.dump() << agent_->Log() << kube_->Log();
  // More readiness probes (one a second) than TigerVNC tolerates by default before it
  // blacklists their source, which here is every client's: viewers must still get in.
  std::this_thread::sleep_for(std::chrono::seconds(7));
  ExpectViewerPixels(*server_, alice_, id);

  const std::string first = PodContainer(id);
  ASSERT_FALSE(first.empty()) << kube_->Log();
  const std::string wrote =
      Exec(first, json::array({"sh", "-c", "echo kept > /home/user/marker.txt && echo written"}));
  ASSERT_NE(wrote.find("written"), std::string::npos) << wrote;

  ASSERT_EQ(
      server_->http().Post("/api/v1/sessions/" + id + "/hibernate", json::object(), alice_).status,
      202);
  EXPECT_EQ(WaitForSessionState(*server_, alice_, id, "hibernated")["state"], "hibernated");
  EXPECT_EQ(PodContainer(id), "");
  EXPECT_EQ(Engine("GET", "/containers/" + first + "/json").first, 404);  // no process left

  ASSERT_EQ(server_->http().Post("/api/v1/sessions/" + id + "/wake", json::object(), alice_).status,
            202);
  ASSERT_EQ(WaitForSessionState(*server_, alice_, id, "running")["state"], "running")
      << agent_->Log() << kube_->Log();
  const std::string second = PodContainer(id);
  ASSERT_FALSE(second.empty());
  EXPECT_NE(second, first);  // a new pod, the same claim
  const std::string kept = Exec(second, json::array({"cat", "/home/user/marker.txt"}));
  EXPECT_NE(kept.find("kept"), std::string::npos) << kept;
  ExpectViewerPixels(*server_, alice_, id);

  ASSERT_EQ(server_->http().Delete("/api/v1/sessions/" + id, alice_).status, 202);
  EXPECT_EQ(WaitForSessionState(*server_, alice_, id, "stopped")["state"], "stopped");
  EXPECT_EQ(kube_->Api("GET", std::string(kDeployments) + "ss-" + id).status, 404);
  if (HasFailure()) std::cerr << agent_->Log() << server_->Log() << kube_->Log();
}

}  // namespace
}  // namespace sp::test
