// The container engine the docker and kubernetes end-to-end tests look into: podman's
// Docker-compatible API at SP_TEST_DOCKER_HOST (started by scripts/test.sh).
#pragma once

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace sp::test {

// "unix:///.../podman.sock", or empty when the tests run without an engine.
std::string DockerHost();

// One Engine API call (/v1.41 + path): {HTTP status, body}; status 0 when unreachable.
std::pair<int, std::string> Engine(const std::string& method, const std::string& path,
                                   const nlohmann::json* body = nullptr);

// Runs `argv` in the container and returns its output (the multiplexed stream's text).
std::string Exec(const std::string& container, const nlohmann::json& argv);

// The query-string form of a JSON filter (?filters=...).
std::string EncodeFilters(const nlohmann::json& filters);

}  // namespace sp::test
