// DockerClient: the Docker Engine API (v1.41) over its unix socket, with libcurl. Podman's
// Docker-compatible service answers the same calls. Blocking; one curl handle per call, so
// it may be used from any thread.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace sp::agent {

struct DockerResponse {
  long status = 0;
  nlohmann::json json;  // the body parsed, or null when it is not JSON
  std::string body;

  // The engine's error text ({"message": ...}) or the raw body.
  std::string Message() const;
};

class DockerClient {
 public:
  explicit DockerClient(std::string socket_path, std::string api_version = "v1.41");

  // kUnavailable when the engine cannot be reached; any HTTP status is a response.
  Result<DockerResponse> Call(std::string_view method, const std::string& path,
                              const nlohmann::json* body = nullptr) const;
  const std::string& socket_path() const { return socket_path_; }

 private:
  std::string socket_path_;
  std::string api_version_;
};

// "unix:///run/docker.sock" or "/run/docker.sock" -> "/run/docker.sock"; empty for other
// schemes (tcp:// engines are not supported).
std::string DockerSocketPath(std::string_view docker_host);

}  // namespace sp::agent
