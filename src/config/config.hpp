// Configuration of `streamspace serve`: plain structs filled once, from command-line flags,
// then environment variables, then an optional YAML file, then the embedded defaults, in
// that order of precedence; validated once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.hpp"

namespace sp::config {

struct ServeConfig {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  std::string data_dir = "./data";
  std::string database_url;    // empty: sqlite://<data_dir>/streamspace.db
  std::string jwt_secret;      // empty: generated on first start and stored in the database
  std::string admin_password;  // empty: the setup wizard sets it
  std::string log_level = "info";
  double rate_limit_per_second = 50;  // per client address; 0 disables
  double rate_limit_burst = 200;
  uint64_t max_body_bytes = 1024 * 1024;
  int io_threads = 0;                   // 0: one per core
  int worker_threads = 0;               // 0: 4 per core, at least 8
  int db_pool_size = 0;                 // 0: as many as worker threads
  std::string web_dir;                  // empty: next to the binary (share/streamspace/web)
  int agent_heartbeat_interval_s = 10;  // agents beat this often; 3 missed: degraded, 6: offline
  int idle_check_interval_s = 15;       // how often idle sessions are looked for
  bool local_agent = true;              // run the built-in local agent
  int local_agent_max_sessions = 20;
  int connect_token_ttl_s = 120;  // how long a viewer URL from /connect stays usable
};

// What the command line and the environment said; unset fields fall through.
struct ServeOverrides {
  std::optional<std::string> listen;  // HOST:PORT
  std::optional<std::string> data_dir;
  std::optional<std::string> database_url;
  std::optional<std::string> config_file;
  std::optional<std::string> log_level;
  std::optional<std::string> web_dir;
  std::optional<std::string> jwt_secret;
  std::optional<std::string> admin_password;
  std::optional<double> rate_limit_per_second;
  std::optional<double> rate_limit_burst;
  std::optional<uint64_t> max_body_bytes;
  std::optional<int> worker_threads;
  std::optional<int> agent_heartbeat_interval_s;
  std::optional<int> idle_check_interval_s;
  std::optional<bool> local_agent;
  std::optional<int> connect_token_ttl_s;
};

// `streamspace agent`.
struct AgentCommandConfig {
  std::string platform = "local";
  std::string control_plane = "http://127.0.0.1:8080";
  std::string ca_file;  // https control planes: CAs to trust instead of the system's
  std::string docker_host = "unix:///var/run/docker.sock";  // --platform docker
  // --platform kubernetes: in a pod the service account is used unless a kubeconfig is given.
  std::string kubeconfig;
  std::string kube_namespace;      // empty: the service account's or the context's
  std::string kube_storage_class;  // empty: the cluster's default
  std::string kube_home_size = "1Gi";
  std::string agent_id;
  std::string key;  // environment STREAMSPACE_AGENT_KEY or --key
  std::string region;
  std::string data_dir = "./agent-data";
  std::string log_level = "info";
  int max_sessions = 10;
  bool draining = false;
  int heartbeat_interval_s = 10;
};

Result<ServeConfig> ResolveServeConfig(const ServeOverrides& overrides);
// "127.0.0.1:8080", "[::1]:8080", ":8080" (loopback), "8080".
Status ParseListen(const std::string& text, std::string& host, uint16_t& port);

}  // namespace sp::config
