#include "agent/platform/docker_platform.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <curl/curl.h>

#include <fmt/format.h>

#include "agent/platform/container_session.hpp"
#include "agent/platform/endpoint_probe.hpp"
#include "agent/platform/spec_text.hpp"
#include "common/log.hpp"

namespace sp::agent {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr auto kReadyTimeout = std::chrono::seconds(30);
constexpr auto kPollInterval = std::chrono::milliseconds(50);

std::string ContainerName(const std::string& session_id) { return "ss-" + session_id; }

std::string UrlEncode(const std::string& s) {
  char* out = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string r = out != nullptr ? out : "";
  curl_free(out);
  return r;
}

std::string PortKey(const std::string& protocol, int http_port) {
  return std::to_string(protocol == "http" ? http_port : kContainerVncPort) + "/tcp";
}

// The host port the engine published for `key` ("5900/tcp"), or 0.
int PublishedPort(const json& inspect, const std::string& key) {
  const json* ports = nullptr;
  if (auto ns = inspect.find("NetworkSettings"); ns != inspect.end() && ns->is_object()) {
    if (auto p = ns->find("Ports"); p != ns->end() && p->is_object()) ports = &*p;
  }
  if (ports == nullptr) return 0;
  auto it = ports->find(key);
  if (it == ports->end() || !it->is_array() || it->empty()) return 0;
  const json& binding = (*it)[0];
  const std::string port = binding.value("HostPort", "");
  return port.empty() ? 0 : std::atoi(port.c_str());
}

bool Running(const json& inspect) {
  auto st = inspect.find("State");
  return st != inspect.end() && st->is_object() && st->value("Running", false);
}

Error EngineError(const std::string& what, const RestResponse& r) {
  return Error{
      r.status == 404 ? Errc::kNotFound : Errc::kUnavailable,
      what + ": the container engine answered " + std::to_string(r.status) + ": " + r.Message(),
      {},
      0};
}

}  // namespace

DockerPlatform::DockerPlatform(DockerPlatformOptions options)
    : options_(std::move(options)),
      client_(RestClientOptions{.base_url = "http://docker/v1.41",
                                .unix_socket = options_.socket_path,
                                .peer_name = "the container engine at " + options_.socket_path}) {
  if (options_.agent_id.empty()) {
    throw std::invalid_argument("docker platform: agent id is required");
  }
  if (options_.data_dir.empty()) {
    throw std::invalid_argument("docker platform: data_dir is required");
  }
  fs::create_directories(fs::path(options_.data_dir) / "states");
  for (const auto& entry : fs::directory_iterator(fs::path(options_.data_dir) / "states")) {
    std::ifstream in(entry.path());
    std::string state;
    if (in >> state) states_[entry.path().filename().string()] = state;
  }
}

Status DockerPlatform::Ping() const {
  auto r = client_.Call("GET", "/version");
  if (!r) return Fail(r.error());
  if (r->status != 200) return Fail(EngineError("version", *r));
  return Ok();
}

void DockerPlatform::SetState(const std::string& session_id, const std::string& state) {
  std::lock_guard lock(mu_);
  const fs::path path = fs::path(options_.data_dir) / "states" / session_id;
  if (state.empty()) {
    states_.erase(session_id);
    std::error_code ec;
    fs::remove(path, ec);
    return;
  }
  states_[session_id] = state;
  std::ofstream(path.string() + ".tmp") << state << "\n";
  std::error_code ec;
  fs::rename(path.string() + ".tmp", path, ec);
}

std::string DockerPlatform::GetState(const std::string& session_id) {
  std::lock_guard lock(mu_);
  auto it = states_.find(session_id);
  return it == states_.end() ? "" : it->second;
}

Result<std::optional<json>> DockerPlatform::Inspect(const std::string& session_id) const {
  auto r = client_.Call("GET", "/containers/" + ContainerName(session_id) + "/json");
  if (!r) return Fail(r.error());
  if (r->status == 404) return std::optional<json>();
  if (r->status != 200) return Fail(EngineError("inspect", *r));
  return std::optional<json>(std::move(r->json));
}

Status DockerPlatform::Create(const SessionSpec& spec) {
  const std::string port_key = PortKey(spec.protocol, spec.http_port);
  json env = json::array();
  for (const auto& [name, value] : ContainerEnv(spec)) {
    env.push_back(fmt::format("{}={}", name, value));
  }
  json host_config = {
      {"NanoCpus", spec.cpu_millicores * 1'000'000},
      {"Memory", spec.memory_mib * 1024 * 1024},
      {"PortBindings",
       {{port_key, json::array({{{"HostIp", options_.publish_ip}, {"HostPort", ""}}})}}},
      {"RestartPolicy", {{"Name", "no"}}}};
  if (spec.persistent_home) {
    host_config["Binds"] = json::array({HomeVolumeName(spec) + ":" + kContainerHome});
  }
  const json body = {{"Image", spec.image},
                     {"Cmd", json::array({"/bin/sh", "-c", ContainerLauncher(spec)})},
                     {"Env", env},
                     {"WorkingDir", kContainerHome},
                     {"Labels",
                      {{"streamspace.session", spec.session_id},
                       {"streamspace.user", spec.user_id},
                       {"streamspace.template", spec.template_name},
                       {"streamspace.agent", options_.agent_id},
                       {"streamspace.protocol", spec.protocol},
                       {"streamspace.http-port", std::to_string(spec.http_port)}}},
                     {"ExposedPorts", {{port_key, json::object()}}},
                     {"HostConfig", host_config}};
  auto r = client_.Call("POST", "/containers/create?name=" + ContainerName(spec.session_id), &body);
  if (!r) return Fail(r.error());
  if (r->status == 404 || (r->status >= 400 && r->Message().find("image") != std::string::npos &&
                           r->Message().find("not known") != std::string::npos)) {
    return Fail(Errc::kFailedPrecondition,
                "image " + spec.image +
                    " is not on this docker host: build it (scripts/build-session-images.sh) "
                    "or pull it; agents do not pull images",
                r->Message());
  }
  if (r->status == 409) return Ok();  // created meanwhile by an earlier delivery
  if (r->status != 201) return Fail(EngineError("create", *r));
  return Ok();
}

Status DockerPlatform::WaitReady(const std::string& session_id, const std::string& protocol,
                                 int http_port) {
  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  const std::string key = PortKey(protocol, http_port);
  while (true) {
    auto inspect = Inspect(session_id);
    if (!inspect) return Fail(inspect.error());
    if (!*inspect) return Fail(Errc::kUnavailable, "the session's container disappeared");
    const json& c = **inspect;
    if (!Running(c)) {
      auto logs = client_.Call(
          "GET", "/containers/" + ContainerName(session_id) + "/logs?stdout=1&stderr=1&tail=20");
      std::string tail = logs ? logs->body : "";
      // The log stream is multiplexed: keep the printable text.
      std::erase_if(tail, [](char ch) { return (ch < 32 && ch != '\n') || ch == 127; });
      return Fail(Errc::kUnavailable, "the session's container exited during start (code " +
                                          std::to_string(c["State"].value("ExitCode", -1)) +
                                          "): " + tail.substr(0, 2000));
    }
    if (const int port = PublishedPort(c, key);
        port > 0 && EndpointAnswers({Endpoint::Kind::kTcp, "", options_.publish_ip,
                                     static_cast<uint16_t>(port)},
                                    protocol == "http")) {
      return Ok();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(Errc::kUnavailable, "the session's container did not accept " +
                                          std::string(protocol == "http" ? "HTTP" : "VNC") +
                                          " connections within 30 s");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

Status DockerPlatform::Start(const SessionSpec& spec) {
  if (auto valid = ValidateContainerSpec(spec, "docker"); !valid) return valid;
  auto inspect = Inspect(spec.session_id);
  if (!inspect) return Fail(inspect.error());
  if (!*inspect) {
    if (auto created = Create(spec); !created) return created;
  }
  if (!*inspect || !Running(**inspect)) {
    auto r = client_.Call("POST", "/containers/" + ContainerName(spec.session_id) + "/start");
    if (!r) return Fail(r.error());
    if (r->status != 204 && r->status != 304) return Fail(EngineError("start", *r));
  }
  SetState(spec.session_id, "running");
  const auto started = std::chrono::steady_clock::now();
  if (auto ready = WaitReady(spec.session_id, spec.protocol, spec.http_port); !ready) {
    SetState(spec.session_id, "failed");
    (void)client_.Call("POST", "/containers/" + ContainerName(spec.session_id) + "/stop?t=1");
    return ready;
  }
  spdlog::info("docker session started session_id={} image={} ready_ms={}", spec.session_id,
               spec.image,
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count());
  return Ok();
}

Status DockerPlatform::Wake(const SessionSpec& spec) { return Start(spec); }

Status DockerPlatform::Hibernate(const std::string& session_id) {
  if (!IsSafeName(session_id)) return Fail(Errc::kNotFound, "session does not exist here");
  // Marked first: the container's exit is then a hibernation, not a crash to report.
  SetState(session_id, "hibernated");
  auto r = client_.Call("POST", "/containers/" + ContainerName(session_id) + "/stop?t=5");
  if (!r) return Fail(r.error());
  if (r->status == 404) return Fail(Errc::kNotFound, "session does not exist on this agent");
  if (r->status != 204 && r->status != 304) return Fail(EngineError("stop", *r));
  spdlog::info("docker session hibernated session_id={}", session_id);
  return Ok();
}

Status DockerPlatform::Delete(const std::string& session_id) {
  if (!IsSafeName(session_id)) return Ok();
  // The named home volume stays (v=0): it belongs to the user and template, not the session.
  auto r = client_.Call("DELETE", "/containers/" + ContainerName(session_id) + "?force=1&v=0");
  if (!r) return Fail(r.error());
  if (r->status != 204 && r->status != 404) return Fail(EngineError("remove", *r));
  SetState(session_id, "");
  spdlog::info("docker session deleted session_id={}", session_id);
  return Ok();
}

Result<std::map<std::string, std::pair<std::string, std::string>>> DockerPlatform::ListContainers()
    const {
  const json filters = {{"label", json::array({"streamspace.agent=" + options_.agent_id})}};
  auto r = client_.Call("GET", "/containers/json?all=1&filters=" + UrlEncode(filters.dump()));
  if (!r) return Fail(r.error());
  if (r->status != 200 || !r->json.is_array()) return Fail(EngineError("list", *r));
  std::map<std::string, std::pair<std::string, std::string>> out;
  for (const json& c : r->json) {
    const json labels = c.value("Labels", json::object());
    const std::string id = labels.is_object() ? labels.value("streamspace.session", "") : "";
    if (!id.empty()) out[id] = {c.value("State", ""), c.value("Status", "")};
  }
  return out;
}

std::vector<SessionStatus> DockerPlatform::List() {
  std::vector<SessionStatus> out;
  auto containers = ListContainers();
  if (!containers) {
    spdlog::warn("docker: cannot list containers error={}", containers.error().message);
    return out;
  }
  for (const auto& [id, container] : *containers) {
    const auto& [engine_state, engine_status] = container;
    const std::string mine = GetState(id);
    if (engine_state == "running") {
      out.push_back({id, "running", ""});
    } else if (mine == "hibernated") {
      out.push_back({id, "hibernated", ""});
    } else {
      out.push_back({id, mine == "failed" ? "failed" : "stopped", engine_status});
    }
  }
  return out;
}

std::vector<SessionStatus> DockerPlatform::CollectExited() {
  std::vector<std::string> running;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, state] : states_) {
      if (state == "running") running.push_back(id);
    }
  }
  std::vector<SessionStatus> out;
  if (running.empty()) return out;
  // One list call a tick; a container is inspected only once it no longer runs.
  auto containers = ListContainers();
  if (!containers) return out;  // engine unreachable: ask again later
  for (const auto& id : running) {
    if (auto it = containers->find(id); it != containers->end() && it->second.first == "running") {
      continue;
    }
    auto inspect = Inspect(id);
    if (!inspect) continue;  // engine unreachable: ask again later
    if (!*inspect) {
      SetState(id, "failed");
      out.push_back({id, "failed", "the session's container disappeared"});
      continue;
    }
    const json& c = **inspect;
    if (Running(c) || c["State"].value("Status", "") == "created") continue;
    if (GetState(id) != "running") continue;  // hibernated meanwhile
    const int code = c["State"].value("ExitCode", -1);
    const std::string state = code == 0 ? "stopped" : "failed";
    SetState(id, state);
    out.push_back(
        {id, state, code == 0 ? "app exited" : "app exited with code " + std::to_string(code)});
    spdlog::info("docker session exited session_id={} code={}", id, code);
  }
  return out;
}

Result<Endpoint> DockerPlatform::Resolve(const std::string& session_id, const std::string& target) {
  if (target != "vnc" && target != "http") {
    return Fail(Errc::kInvalidArgument, "target: must be vnc or http");
  }
  if (!IsSafeName(session_id)) return Fail(Errc::kNotFound, "session does not run here");
  auto inspect = Inspect(session_id);
  if (!inspect) return Fail(inspect.error());
  if (!*inspect || !Running(**inspect)) return Fail(Errc::kNotFound, "session does not run here");
  const json& c = **inspect;
  const json labels = c["Config"].value("Labels", json::object());
  const std::string protocol =
      labels.is_object() ? labels.value("streamspace.protocol", "vnc") : "vnc";
  if (protocol != target) {
    return Fail(Errc::kFailedPrecondition, "the session does not stream over " + target);
  }
  const int http_port = std::atoi(labels.value("streamspace.http-port", "0").c_str());
  const int port = PublishedPort(c, PortKey(protocol, http_port));
  if (port <= 0) return Fail(Errc::kUnavailable, "the session's port is not published");
  return Endpoint{Endpoint::Kind::kTcp, "", options_.publish_ip, static_cast<uint16_t>(port)};
}

std::string DockerSocketPath(std::string_view docker_host) {
  if (docker_host.starts_with("unix://")) return std::string(docker_host.substr(7));
  if (docker_host.starts_with("/")) return std::string(docker_host);
  return {};
}

}  // namespace sp::agent
