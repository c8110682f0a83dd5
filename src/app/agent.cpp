#include "app/agent.hpp"

#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include <boost/asio/signal_set.hpp>

#include "agent/agent_runner.hpp"
#include "agent/platform/docker_platform.hpp"
#include "agent/platform/kubernetes_platform.hpp"
#include "agent/platform/local_platform.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"

namespace sp::app {

int RunAgent(const config::AgentCommandConfig& config) {
  InitCrypto();
  if (config.platform != "local" && config.platform != "docker" &&
      config.platform != "kubernetes") {
    std::cerr << "streamspace: platform '" << config.platform
              << "' is not available (local, docker or kubernetes)\n";
    return 2;
  }
  if (config.agent_id.empty()) {
    std::cerr << "streamspace: --agent-id is required\n";
    return 2;
  }
  if (config.key.empty()) {
    std::cerr << "streamspace: an agent key is required (--key or STREAMSPACE_AGENT_KEY). "
                 "Register the agent with POST /api/v1/agents/register and have an admin "
                 "approve it: approval returns the key.\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    std::cerr << "streamspace: cannot create " << config.data_dir << ": " << ec.message() << "\n";
    return 1;
  }
  try {
    std::unique_ptr<agent::Platform> platform;
    if (config.platform == "docker") {
      const std::string socket = agent::DockerSocketPath(config.docker_host);
      if (socket.empty()) {
        std::cerr << "streamspace: --docker-host must be unix:///path/to/docker.sock, got '"
                  << config.docker_host << "'\n";
        return 2;
      }
      auto docker = std::make_unique<agent::DockerPlatform>(agent::DockerPlatformOptions{
          socket, config.agent_id, (std::filesystem::path(config.data_dir) / "docker").string()});
      if (auto up = docker->Ping(); !up) {
        std::cerr << "streamspace: " << up.error().message << "\n";
        return 1;
      }
      platform = std::move(docker);
    } else if (config.platform == "kubernetes") {
      if (!agent::IsStorageQuantity(config.kube_home_size)) {
        std::cerr << "streamspace: --kube-home-size must be a storage quantity such as 1Gi or "
                     "500Mi, got '"
                  << config.kube_home_size << "'\n";
        return 2;
      }
      auto connection = config.kubeconfig.empty() ? agent::InClusterConnection()
                                                  : agent::KubeconfigConnection(config.kubeconfig);
      if (!connection) {
        std::cerr << "streamspace: " << connection.error().message << "\n";
        return 2;
      }
      agent::KubernetesPlatformOptions options;
      options.connection = std::move(*connection);
      options.namespace_ = config.kube_namespace;
      options.agent_id = config.agent_id;
      options.storage_class = config.kube_storage_class;
      options.home_size = config.kube_home_size;
      auto kube = std::make_unique<agent::KubernetesPlatform>(std::move(options));
      if (auto up = kube->Ping(); !up) {
        std::cerr << "streamspace: " << up.error().message << "\n";
        return 1;
      }
      platform = std::move(kube);
    } else {
      platform = std::make_unique<agent::LocalPlatform>(
          agent::LocalPlatformOptions{(std::filesystem::path(config.data_dir) / "local").string()});
    }
    net::asio::io_context io(1);
    net::WorkerPool workers(8);
    agent::AgentConfig ac;
    ac.control_plane = config.control_plane;
    ac.ca_file = config.ca_file;
    ac.agent_id = config.agent_id;
    ac.key = config.key;
    ac.region = config.region;
    ac.data_dir = config.data_dir;
    ac.version = SP_VERSION;
    ac.max_sessions = config.max_sessions;
    ac.draining = config.draining;
    ac.heartbeat_interval = std::chrono::seconds(config.heartbeat_interval_s);
    agent::AgentRunner runner(io, ac, *platform, workers);
    runner.Start();
    net::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& error, int) {
      if (error) return;
      spdlog::info("agent stopping; sessions keep running and are re-adopted at next start");
      runner.Stop();
      io.stop();
    });
    spdlog::info("agent starting agent_id={} platform={} control_plane={}", config.agent_id,
                 config.platform, config.control_plane);
    io.run();
    workers.Stop();
  } catch (const std::exception& e) {
    std::cerr << "streamspace: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace sp::app
