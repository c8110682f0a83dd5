#include "tests/support/container_engine.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "agent/platform/docker_platform.hpp"
#include "agent/platform/rest_client.hpp"

namespace sp::test {

using nlohmann::json;

std::string DockerHost() {
  const char* host = std::getenv("SP_TEST_DOCKER_HOST");
  return host != nullptr ? host : "";
}

std::pair<int, std::string> Engine(const std::string& method, const std::string& path,
                                   const json* body) {
  const std::string socket = agent::DockerSocketPath(DockerHost());
  agent::RestClient client(agent::RestClientOptions{
      .base_url = "http://d/v1.41", .unix_socket = socket, .peer_name = socket});
  auto r = client.Call(method, path, body);
  if (!r) return {0, r.error().message};
  return {static_cast<int>(r->status), r->body};
}

std::string Exec(const std::string& container, const json& argv) {
  const json exec = {{"Cmd", argv}, {"AttachStdout", true}, {"AttachStderr", true}};
  auto created = Engine("POST", "/containers/" + container + "/exec", &exec);
  if (created.first != 201) return "exec create failed: " + created.second;
  const std::string id = json::parse(created.second)["Id"];
  const json start = {{"Detach", false}};
  auto started = Engine("POST", "/exec/" + id + "/start", &start);
  std::string text = started.second;
  std::erase_if(text, [](char c) { return (c < 32 && c != '\n') || c == 127; });
  return text;
}

std::string EncodeFilters(const json& filters) {
  std::string encoded;
  for (char c : filters.dump()) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      encoded += c;
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      encoded += hex;
    }
  }
  return encoded;
}

}  // namespace sp::test
