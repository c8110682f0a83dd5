#include "agent/platform/kube_config.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/crypto.hpp"

namespace sp::agent {
namespace {

namespace fs = std::filesystem;

class KubeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sp-kubeconfig-" + HexEncode(RandomBytes(6)));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

TEST_F(KubeConfigTest, CurrentContextWithCaDataTokenAndNamespace) {
  // "-----BEGIN CERTIFICATE-----\nX\n" in base64, wrapped as kubectl never does but YAML may.
  const std::string path = Write("config", R"(apiVersion: v1
kind: Config
current-context: work
clusters:
- name: other
  cluster: {server: https://other.example:6443}
- name: lab
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClgK
contexts:
- name: work
  context: {cluster: lab, user: agent, namespace: sessions}
users:
- name: agent
  user: {token: abc.def}
)");
  auto c = KubeconfigConnection(path);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->client.base_url, "https://127.0.0.1:6443");
  EXPECT_EQ(c->client.ca_pem, "-----BEGIN CERTIFICATE-----\nX\n");
  EXPECT_EQ(c->client.bearer_token, "abc.def");
  EXPECT_EQ(c->namespace_, "sessions");
  EXPECT_FALSE(c->client.insecure_skip_tls_verify);
}

TEST_F(KubeConfigTest, ClientCertificateFilesAreRelativeToTheKubeconfig) {
  Write("client.crt", "CERT");
  Write("client.key", "KEY");
  const std::string path = Write("config", R"(current-context: c
clusters: [{name: k, cluster: {server: "https://k:443", insecure-skip-tls-verify: true}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {client-certificate: client.crt, client-key: client.key}}]
)");
  auto c = KubeconfigConnection(path);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->client.client_cert_pem, "CERT");
  EXPECT_EQ(c->client.client_key_pem, "KEY");
  EXPECT_TRUE(c->client.insecure_skip_tls_verify);
  EXPECT_EQ(c->namespace_, "");
}

TEST_F(KubeConfigTest, RefusesWhatItCannotUseWithTheReason) {
  auto exec = KubeconfigConnection(Write("exec", R"(current-context: c
clusters: [{name: k, cluster: {server: "https://k"}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {exec: {command: aws}}}]
)"));
  ASSERT_FALSE(exec);
  EXPECT_NE(exec.error().message.find("exec plugin"), std::string::npos);

  auto missing = KubeconfigConnection(Write("nocontext", "current-context: gone\n"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("'gone' is not defined"), std::string::npos);

  auto bad = KubeconfigConnection(Write("baddata", R"(current-context: c
clusters: [{name: k, cluster: {server: "https://k", certificate-authority-data: "%%%"}}]
contexts: [{name: c, context: {cluster: k}}]
)"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("not base64"), std::string::npos);

  EXPECT_FALSE(KubeconfigConnection((dir_ / "absent").string()));
}

TEST_F(KubeConfigTest, InClusterReadsTheServiceAccountMount) {
  Write("ca.crt", "CA");
  Write("token", "tok\n");
  Write("namespace", "streamspace\n");
  ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto c = InClusterConnection(dir_.string());
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->client.base_url, "https://10.96.0.1:443");
  EXPECT_EQ(c->client.ca_pem, "CA");
  EXPECT_EQ(c->client.token_file, (dir_ / "token").string());
  EXPECT_EQ(c->namespace_, "streamspace");

  auto outside = InClusterConnection(dir_.string());
  ASSERT_FALSE(outside);
  EXPECT_NE(outside.error().message.find("--kubeconfig"), std::string::npos);
}

}  // namespace
}  // namespace sp::agent
