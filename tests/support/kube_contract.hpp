// The Kubernetes API contract server (tests/kube_contract) as a test fixture: started with
// its own state directory (CA, kubeconfig, token), stopped (and its containers removed) when
// the fixture goes.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "agent/platform/rest_client.hpp"

namespace sp::test {

struct KubeContractOptions {
  std::string runtime = "none";  // or "docker": pods run as containers on DockerHost()
  std::string namespace_ = "streamspace";
  int ready_delay_ms = 200;
  // A manifest whose Roles are all the kubeconfig's token may do (403 for the rest).
  std::string rbac_file;
};

class KubeContractServer {
 public:
  explicit KubeContractServer(KubeContractOptions options = {});
  ~KubeContractServer();
  KubeContractServer(const KubeContractServer&) = delete;
  KubeContractServer& operator=(const KubeContractServer&) = delete;

  const std::string& url() const { return url_; }
  std::string kubeconfig() const { return dir_ + "/kubeconfig"; }
  std::string ca_pem() const;
  std::string token() const;  // the kubeconfig's (the agent's)
  std::string Log() const;

  // An API call with the server's admin token, which RBAC does not restrict.
  agent::RestResponse Api(const std::string& method, const std::string& path,
                          const nlohmann::json* body = nullptr) const;
  // The requests the server saw (method, path, query, status, reason, fieldValidation).
  nlohmann::json Requests() const;
  void ClearRequests() const;
  // Test hooks: the next `count` writes of the object conflict; matching pods' apps exit.
  void InjectConflict(const std::string& resource, const std::string& name, int count) const;
  void FailPods(const std::string& label_selector, int exit_code) const;

 private:
  agent::RestResponse Hook(const std::string& method, const std::string& path,
                           const nlohmann::json* body) const;

  std::string dir_;
  std::string url_;
  int pid_ = -1;
};

}  // namespace sp::test
