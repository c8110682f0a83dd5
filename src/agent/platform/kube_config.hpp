// How the kubernetes platform reaches and authenticates to the API server: in a pod, the
// service account's token, CA and namespace that Kubernetes mounts; elsewhere, the current
// context of a kubeconfig file (server, CA, bearer token or client certificate).
#pragma once

#include <string>

#include "agent/platform/rest_client.hpp"
#include "common/error.hpp"

namespace sp::agent {

struct KubeConnection {
  RestClientOptions client;  // base_url = the API server, TLS and credentials set
  std::string namespace_;    // the context's or the pod's namespace; may be empty
};

// In-cluster: KUBERNETES_SERVICE_HOST/PORT and /var/run/secrets/kubernetes.io/serviceaccount.
// `root` replaces that directory (tests). kFailedPrecondition when not in a pod.
Result<KubeConnection> InClusterConnection(
    const std::string& root = "/var/run/secrets/kubernetes.io/serviceaccount");

// The kubeconfig's current context. Credentials by exec plugins or auth providers are not
// supported (kInvalidArgument says so); relative file paths are relative to the file.
Result<KubeConnection> KubeconfigConnection(const std::string& path);

}  // namespace sp::agent
