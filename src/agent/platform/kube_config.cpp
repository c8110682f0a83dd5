#include "agent/platform/kube_config.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "common/crypto.hpp"
#include "common/file_text.hpp"
#include "common/strings.hpp"

namespace sp::agent {
namespace {

namespace fs = std::filesystem;

// The entry of a kubeconfig list (clusters, users, contexts) with this name, under `field`.
YAML::Node Named(const YAML::Node& root, const char* list, const std::string& name,
                 const char* field) {
  const YAML::Node items = root[list];
  if (!items || !items.IsSequence()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& item : items) {
    if (item["name"] && item["name"].as<std::string>() == name) return item[field];
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string Str(const YAML::Node& node, const char* key) {
  const YAML::Node v = node[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

// PEM text from "<key>-data" (base64) or "<key>" (a file path).
Result<std::string> Pem(const YAML::Node& node, const std::string& key, const fs::path& base) {
  if (const std::string data = Str(node, (key + "-data").c_str()); !data.empty()) {
    auto pem = Base64Decode(data);
    if (!pem) return Fail(Errc::kInvalidArgument, "kubeconfig: " + key + "-data is not base64");
    return *pem;
  }
  if (const std::string file = Str(node, key.c_str()); !file.empty()) {
    const fs::path path = fs::path(file).is_absolute() ? fs::path(file) : base / file;
    auto pem = ReadSmallFile(path.string());
    if (!pem) return Fail(Errc::kInvalidArgument, "kubeconfig: cannot read " + path.string());
    return *pem;
  }
  return std::string();
}

}  // namespace

Result<KubeConnection> InClusterConnection(const std::string& root) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0') {
    return Fail(Errc::kFailedPrecondition,
                "not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST is not set): give "
                "--kubeconfig");
  }
  const fs::path dir(root);
  auto ca = ReadSmallFile((dir / "ca.crt").string());
  if (!ca) {
    return Fail(Errc::kFailedPrecondition,
                "no service account CA at " + (dir / "ca.crt").string() +
                    ": is automountServiceAccountToken off for the agent's pod?");
  }
  if (!fs::exists(dir / "token")) {
    return Fail(Errc::kFailedPrecondition,
                "no service account token at " + (dir / "token").string());
  }
  KubeConnection c;
  std::string h(host);
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6 service address
  c.client.base_url = "https://" + h + ":" + port;
  c.client.peer_name = "the Kubernetes API at " + c.client.base_url;
  c.client.ca_pem = *ca;
  c.client.token_file = (dir / "token").string();
  c.client.timeout_s = 60;
  if (auto ns = ReadSmallFile((dir / "namespace").string())) c.namespace_ = TrimSpace(*ns);
  return c;
}

Result<KubeConnection> KubeconfigConnection(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return Fail(Errc::kInvalidArgument, "kubeconfig " + path + ": no such file");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return Fail(Errc::kInvalidArgument, "kubeconfig " + path + ": " + e.what());
  }
  const fs::path base = fs::absolute(fs::path(path)).parent_path();
  const std::string context_name = Str(root, "current-context");
  if (context_name.empty()) {
    return Fail(Errc::kInvalidArgument, "kubeconfig " + path + ": no current-context");
  }
  const YAML::Node context = Named(root, "contexts", context_name, "context");
  if (!context) {
    return Fail(Errc::kInvalidArgument,
                "kubeconfig " + path + ": context '" + context_name + "' is not defined");
  }
  const YAML::Node cluster = Named(root, "clusters", Str(context, "cluster"), "cluster");
  if (!cluster || Str(cluster, "server").empty()) {
    return Fail(Errc::kInvalidArgument,
                "kubeconfig " + path + ": cluster '" + Str(context, "cluster") + "' has no server");
  }
  KubeConnection c;
  c.client.base_url = Str(cluster, "server");
  while (c.client.base_url.ends_with('/')) c.client.base_url.pop_back();
  c.client.peer_name = "the Kubernetes API at " + c.client.base_url;
  c.client.timeout_s = 60;
  c.client.insecure_skip_tls_verify = Str(cluster, "insecure-skip-tls-verify") == "true";
  auto ca = Pem(cluster, "certificate-authority", base);
  if (!ca) return Fail(ca.error());
  c.client.ca_pem = *ca;
  c.namespace_ = Str(context, "namespace");

  const std::string user_name = Str(context, "user");
  const YAML::Node user = user_name.empty() ? YAML::Node(YAML::NodeType::Undefined)
                                            : Named(root, "users", user_name, "user");
  if (user) {
    if (user["exec"] || user["auth-provider"]) {
      return Fail(Errc::kInvalidArgument,
                  "kubeconfig " + path + ": user '" + user_name +
                      "' authenticates with an exec plugin or auth provider, which the agent "
                      "does not run; use a service account token or a client certificate");
    }
    c.client.bearer_token = Str(user, "token");
    if (const std::string file = Str(user, "tokenFile"); !file.empty()) {
      c.client.token_file = fs::path(file).is_absolute() ? file : (base / file).string();
    }
    auto cert = Pem(user, "client-certificate", base);
    if (!cert) return Fail(cert.error());
    auto key = Pem(user, "client-key", base);
    if (!key) return Fail(key.error());
    c.client.client_cert_pem = *cert;
    c.client.client_key_pem = *key;
  }
  return c;
}

}  // namespace sp::agent
