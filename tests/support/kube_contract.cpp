#include "tests/support/kube_contract.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/container_engine.hpp"
#include "tests/support/test_server.hpp"

#ifndef SP_SOURCE_DIR
#error "SP_SOURCE_DIR must name the source tree"
#endif

namespace sp::test {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

KubeContractServer::KubeContractServer(KubeContractOptions options) {
  char tmpl[] = "/tmp/sp-kube-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  std::vector<std::string> args = {
      "/usr/bin/python3",
      std::string(SP_SOURCE_DIR) + "/tests/kube_contract/kube_contract_server.py",
      "--state-dir",
      dir_,
      "--namespace",
      options.namespace_,
      "--runtime",
      options.runtime,
      "--ready-delay-ms",
      std::to_string(options.ready_delay_ms)};
  if (!options.rbac_file.empty()) {
    args.push_back("--rbac");
    args.push_back(options.rbac_file);
  }
  if (options.runtime == "docker") {
    args.push_back("--docker-host");
    args.push_back(DockerHost());
  }
  pid_ = SpawnLogged(std::move(args), dir_ + "/server.log", /*append=*/false);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < give_up) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("contract server exited during start-up:\n" + Log());
    }
    const std::string text = Log();
    if (size_t at = text.find("READY "); at != std::string::npos) {
      const size_t end = text.find('\n', at);
      if (end != std::string::npos) {
        url_ = text.substr(at + 6, end - at - 6);
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  throw std::runtime_error("contract server did not start:\n" + Log());
}

KubeContractServer::~KubeContractServer() {
  if (pid_ > 0) {
    // SIGTERM: it removes the containers and volumes it made, then exits.
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 600; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string KubeContractServer::Log() const { return ReadAll(dir_ + "/server.log"); }
std::string KubeContractServer::ca_pem() const { return ReadAll(dir_ + "/ca.crt"); }
std::string KubeContractServer::token() const {
  std::string t = ReadAll(dir_ + "/token");
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t;
}

agent::RestResponse KubeContractServer::Api(const std::string& method, const std::string& path,
                                            const nlohmann::json* body) const {
  std::string admin = ReadAll(dir_ + "/admin-token");
  agent::RestClient client(agent::RestClientOptions{.base_url = url_,
                                                    .peer_name = "the contract server",
                                                    .ca_pem = ca_pem(),
                                                    .bearer_token = admin});
  auto r = client.Call(method, path, body);
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(*r);
}

agent::RestResponse KubeContractServer::Hook(const std::string& method, const std::string& path,
                                             const nlohmann::json* body) const {
  return Api(method, "/_contract/" + path, body);
}

nlohmann::json KubeContractServer::Requests() const {
  return Hook("GET", "requests", nullptr).json;
}
void KubeContractServer::ClearRequests() const { Hook("DELETE", "requests", nullptr); }

void KubeContractServer::InjectConflict(const std::string& resource, const std::string& name,
                                        int count) const {
  const nlohmann::json body = {{"resource", resource}, {"name", name}, {"count", count}};
  auto r = Hook("POST", "conflict", &body);
  if (r.status >= 300) throw std::runtime_error("conflict hook: " + r.body);
}

void KubeContractServer::FailPods(const std::string& label_selector, int exit_code) const {
  const nlohmann::json body = {{"labelSelector", label_selector}, {"exitCode", exit_code}};
  auto r = Hook("POST", "fail-pod", &body);
  if (r.status >= 300) throw std::runtime_error("fail-pod hook: " + r.body);
}

}  // namespace sp::test
