// DockerPlatform: each session is a container on a Docker (or podman) engine, driven through
// the Engine API on its unix socket. The container runs the template's image with Xvnc and
// the app (or, for http templates, the web app), CPU and memory limits from the session, the
// user's home in a named volume (ss-home-<user>-<template>) that outlives the container, and
// labels naming the session, user, template and agent. Its VNC (or HTTP) port is published
// on 127.0.0.1 only, where the agent's tunnels reach it.
//
// Hibernate stops the container (its processes end, the volume stays); wake starts it
// again. The agent remembers which stopped containers are hibernated in small state files,
// and finds its containers again by label after a restart.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "agent/platform/platform.hpp"
#include "agent/platform/rest_client.hpp"

namespace sp::agent {

struct DockerPlatformOptions {
  std::string socket_path = "/var/run/docker.sock";
  std::string agent_id;  // label value: which agent's containers these are
  std::string data_dir;  // state files
  std::string publish_ip = "127.0.0.1";
};

class DockerPlatform final : public Platform {
 public:
  // Throws std::invalid_argument on an empty agent id or data_dir.
  explicit DockerPlatform(DockerPlatformOptions options);

  std::string Name() const override { return "docker"; }
  Status Start(const SessionSpec& spec) override;
  Status Hibernate(const std::string& session_id) override;
  Status Wake(const SessionSpec& spec) override;
  Status Delete(const std::string& session_id) override;
  std::vector<SessionStatus> List() override;
  std::vector<SessionStatus> CollectExited() override;
  Result<Endpoint> Resolve(const std::string& session_id, const std::string& target) override;

  // The engine answers (a startup check with a clear message).
  Status Ping() const;

 private:
  // The container's inspect document; nullopt when there is no such container.
  Result<std::optional<nlohmann::json>> Inspect(const std::string& session_id) const;
  // This agent's containers by session id: {engine State, engine Status text}.
  Result<std::map<std::string, std::pair<std::string, std::string>>> ListContainers() const;
  Status Create(const SessionSpec& spec);
  Status WaitReady(const std::string& session_id, const std::string& protocol, int http_port);
  void SetState(const std::string& session_id, const std::string& state);
  std::string GetState(const std::string& session_id);

  DockerPlatformOptions options_;
  RestClient client_;
  std::mutex mu_;
  std::map<std::string, std::string> states_;  // session -> running/hibernated/stopped/failed
};

// "unix:///run/docker.sock" or "/run/docker.sock" -> "/run/docker.sock"; empty for other
// schemes (tcp:// engines are not supported).
std::string DockerSocketPath(std::string_view docker_host);

}  // namespace sp::agent
