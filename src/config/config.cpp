#include "config/config.hpp"

#include <charconv>
#include <filesystem>
#include <thread>

#include <yaml-cpp/yaml.h>

namespace sp::config {

Status ParseListen(const std::string& text, std::string& host, uint16_t& port) {
  std::string h;
  std::string p;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Fail(Errc::kInvalidArgument, "listen address must be HOST:PORT, got '" + text + "'");
    }
    h = text.substr(1, close - 1);
    p = text.substr(close + 2);
  } else if (const size_t colon = text.rfind(':'); colon != std::string::npos) {
    h = text.substr(0, colon);
    p = text.substr(colon + 1);
  } else {
    p = text;
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || value > 65535) {
    return Fail(Errc::kInvalidArgument, "listen port must be 0-65535, got '" + text + "'");
  }
  host = h.empty() ? "127.0.0.1" : h;
  port = static_cast<uint16_t>(value);
  return Ok();
}

namespace {

template <class T>
Status ReadYaml(const YAML::Node& node, const char* key, T& out) {
  if (!node[key]) return Ok();
  try {
    out = node[key].as<T>();
  } catch (const YAML::Exception& e) {
    return Fail(Errc::kInvalidArgument, std::string("config file: '") + key + "' " + e.what());
  }
  return Ok();
}

}  // namespace

Result<ServeConfig> ResolveServeConfig(const ServeOverrides& o) {
  ServeConfig c;
  std::string listen;
  if (o.config_file) {
    YAML::Node file;
    try {
      file = YAML::LoadFile(*o.config_file);
    } catch (const YAML::Exception& e) {
      return Fail(Errc::kInvalidArgument,
                  "cannot read config file " + *o.config_file + ": " + e.what());
    }
    for (Status st :
         {ReadYaml(file, "listen", listen), ReadYaml(file, "data_dir", c.data_dir),
          ReadYaml(file, "database", c.database_url), ReadYaml(file, "jwt_secret", c.jwt_secret),
          ReadYaml(file, "log_level", c.log_level),
          ReadYaml(file, "rate_limit_per_second", c.rate_limit_per_second),
          ReadYaml(file, "rate_limit_burst", c.rate_limit_burst),
          ReadYaml(file, "max_body_bytes", c.max_body_bytes),
          ReadYaml(file, "worker_threads", c.worker_threads),
          ReadYaml(file, "io_threads", c.io_threads), ReadYaml(file, "web_dir", c.web_dir),
          ReadYaml(file, "agent_heartbeat_interval", c.agent_heartbeat_interval_s),
          ReadYaml(file, "idle_check_interval", c.idle_check_interval_s),
          ReadYaml(file, "local_agent", c.local_agent),
          ReadYaml(file, "local_agent_max_sessions", c.local_agent_max_sessions)}) {
      if (!st) return Fail(st.error());
    }
  }
  if (o.listen) listen = *o.listen;
  if (!listen.empty()) {
    if (auto st = ParseListen(listen, c.listen_host, c.listen_port); !st) return Fail(st.error());
  }
  if (o.data_dir) c.data_dir = *o.data_dir;
  if (o.database_url) c.database_url = *o.database_url;
  if (o.log_level) c.log_level = *o.log_level;
  if (o.web_dir) c.web_dir = *o.web_dir;
  if (o.jwt_secret) c.jwt_secret = *o.jwt_secret;
  if (o.admin_password) c.admin_password = *o.admin_password;
  if (o.rate_limit_per_second) c.rate_limit_per_second = *o.rate_limit_per_second;
  if (o.rate_limit_burst) c.rate_limit_burst = *o.rate_limit_burst;
  if (o.max_body_bytes) c.max_body_bytes = *o.max_body_bytes;
  if (o.worker_threads) c.worker_threads = *o.worker_threads;
  if (o.agent_heartbeat_interval_s) c.agent_heartbeat_interval_s = *o.agent_heartbeat_interval_s;
  if (o.idle_check_interval_s) c.idle_check_interval_s = *o.idle_check_interval_s;
  if (o.local_agent) c.local_agent = *o.local_agent;
  if (o.connect_token_ttl_s) c.connect_token_ttl_s = *o.connect_token_ttl_s;
  if (c.connect_token_ttl_s < 1 || c.connect_token_ttl_s > 3600) {
    return Fail(Errc::kInvalidArgument, "connect token lifetime must be 1-3600 seconds");
  }
  if (c.agent_heartbeat_interval_s < 1 || c.agent_heartbeat_interval_s > 300) {
    return Fail(Errc::kInvalidArgument, "agent heartbeat interval must be 1-300 seconds");
  }
  if (c.idle_check_interval_s < 1 || c.idle_check_interval_s > 3600) {
    return Fail(Errc::kInvalidArgument, "idle check interval must be 1-3600 seconds");
  }

  if (c.data_dir.empty()) return Fail(Errc::kInvalidArgument, "data directory must not be empty");
  if (c.database_url.empty()) {
    c.database_url = "sqlite://" + (std::filesystem::path(c.data_dir) / "streamspace.db").string();
  }
  if (c.rate_limit_per_second < 0 || c.rate_limit_burst < 0) {
    return Fail(Errc::kInvalidArgument, "rate limits must not be negative");
  }
  if (c.max_body_bytes < 1024) return Fail(Errc::kInvalidArgument, "max body size must be >= 1024");
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (c.io_threads <= 0) c.io_threads = cores;
  if (c.worker_threads <= 0) c.worker_threads = std::max(8, 4 * cores);
  if (c.db_pool_size <= 0) c.db_pool_size = c.worker_threads;
  return c;
}

}  // namespace sp::config
