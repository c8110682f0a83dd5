// KubernetesPlatform: each session is a Deployment (one replica), a ClusterIP Service and,
// for a persistent home, a PersistentVolumeClaim per user and template, in the agent's
// namespace, driven through the Kubernetes REST API. The pod runs the template's image with
// Xvnc and the app (or the web app), with requests and limits from the session; a
// readiness probe on the session's port says when it can be reached.
//
// Hibernate scales the Deployment to 0 (the claim stays), wake scales it to 1. Scaling goes
// through an update of the Deployment carrying its resourceVersion, retried on conflicts
// with other writers. Everything carries labels naming the session, user, template and
// agent, so a restarted agent finds its sessions by listing them: the cluster, not the
// agent, holds the state. Tunnels go to the Service's cluster IP, so the agent must run in
// the cluster (or somewhere that routes to cluster IPs).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agent/platform/kube_config.hpp"
#include "agent/platform/platform.hpp"
#include "agent/platform/rest_client.hpp"

namespace sp::agent {

struct KubernetesPlatformOptions {
  KubeConnection connection;
  std::string namespace_;  // empty: the connection's, else "default"
  std::string agent_id;
  std::string storage_class;  // empty: the cluster's default
  std::string home_size = "1Gi";
  std::chrono::seconds ready_timeout{180};  // image pulls and volume attachment take time
  std::chrono::milliseconds poll_interval{250};
};

class KubernetesPlatform final : public Platform {
 public:
  // Throws std::invalid_argument on an empty agent id.
  explicit KubernetesPlatform(KubernetesPlatformOptions options);

  std::string Name() const override { return "kubernetes"; }
  Status Start(const SessionSpec& spec) override;
  Status Hibernate(const std::string& session_id) override;
  Status Wake(const SessionSpec& spec) override;
  Status Delete(const std::string& session_id) override;
  std::vector<SessionStatus> List() override;
  std::vector<SessionStatus> CollectExited() override;
  Result<Endpoint> Resolve(const std::string& session_id, const std::string& target) override;

  // The API answers and lets the agent list deployments in its namespace (a startup check
  // whose message names what is missing: network, credentials or RBAC).
  Status Ping() const;
  const std::string& namespace_name() const { return namespace_; }

 private:
  using Json = nlohmann::json;

  Result<RestResponse> Call(std::string_view method, const std::string& path,
                            const Json* body = nullptr,
                            std::string_view content_type = "application/json") const;
  Status EnsureHome(const SessionSpec& spec);
  Status EnsureService(const SessionSpec& spec);
  Status EnsureDeployment(const SessionSpec& spec);
  // Sets spec.replicas and the state annotation (running, hibernated, stopped, failed: what
  // a restarted agent reports for a Deployment at 0); retries conflicts. only_if_running:
  // kFailedPrecondition unless the Deployment is at 1 and says running.
  Status Scale(const std::string& session_id, int replicas, const std::string& state,
               bool only_if_running = false);
  Status WaitReady(const std::string& session_id);
  Status WaitNoPods(const std::string& session_id);
  Result<Json> Pods(const std::string& selector) const;
  void SetState(const std::string& session_id, const std::string& state);

  KubernetesPlatformOptions options_;
  std::string namespace_;
  RestClient client_;
  std::mutex mu_;
  // Sessions this agent holds running (to report app exits); rebuilt by List().
  std::map<std::string, std::string> states_;
  std::chrono::steady_clock::time_point last_exit_check_{};
};

// The Kubernetes object name of a session's Deployment and Service: "ss-<id>" when the id
// is a valid DNS label, else "ss-" and a hash of it.
std::string KubeObjectName(const std::string& session_id);
// A valid label value for any text: itself when valid, else "h-" and a hash.
std::string KubeLabelValue(const std::string& text);
// "1Gi", "500Mi", "1.5G": a plain storage quantity (no exponents), as --kube-home-size takes.
// (Hand-written: std::regex trips GCC 12's maybe-uninitialized in sanitizer builds.)
bool IsStorageQuantity(std::string_view s);

}  // namespace sp::agent
