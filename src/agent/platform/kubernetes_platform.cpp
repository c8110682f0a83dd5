#include "agent/platform/kubernetes_platform.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <curl/curl.h>

#include "agent/platform/container_session.hpp"
#include "agent/platform/spec_text.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"

namespace sp::agent {
namespace {

using Json = nlohmann::json;

constexpr const char* kManagedBy = "app.kubernetes.io/managed-by";
constexpr const char* kSessionLabel = "streamspace.io/session";
constexpr const char* kAgentLabel = "streamspace.io/agent";
constexpr const char* kSessionIdAnnotation = "streamspace.io/session-id";
constexpr const char* kProtocolAnnotation = "streamspace.io/protocol";
constexpr const char* kStateAnnotation = "streamspace.io/state";
constexpr int kConflictRetries = 5;
// App exits are looked for at most this often: one pod list per agent per tick.
constexpr auto kExitCheckInterval = std::chrono::seconds(2);

// Waiting reasons after which a pod will not become ready without someone changing the
// image, the configuration or the app.
bool IsFatalWaiting(const std::string& reason) {
  return reason == "ErrImagePull" || reason == "ImagePullBackOff" ||
         reason == "ErrImageNeverPull" || reason == "InvalidImageName" ||
         reason == "CreateContainerConfigError" || reason == "CreateContainerError" ||
         reason == "CrashLoopBackOff";
}

std::string Escape(const std::string& s) {
  char* out = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string r = out != nullptr ? out : "";
  curl_free(out);
  return r;
}

std::string Annotation(const Json& object, const char* key) {
  const Json* meta = object.contains("metadata") ? &object["metadata"] : nullptr;
  if (meta == nullptr || !meta->contains("annotations") || !(*meta)["annotations"].is_object()) {
    return {};
  }
  return (*meta)["annotations"].value(key, "");
}

bool PodReady(const Json& pod) {
  if (pod["metadata"].contains("deletionTimestamp")) return false;
  for (const Json& c : pod["status"].value("conditions", Json::array())) {
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

// The session container's status within a pod, or null.
const Json* SessionContainer(const Json& pod) {
  const Json& status = pod["status"];
  if (!status.contains("containerStatuses")) return nullptr;
  for (const Json& c : status["containerStatuses"]) {
    if (c.value("name", "") == "session") return &c;
  }
  return nullptr;
}

// How the app last exited: {exit code, message}; nullopt while it has not.
std::optional<std::pair<int, std::string>> AppExit(const Json& container) {
  const Json* terminated = nullptr;
  if (container.contains("state") && container["state"].contains("terminated")) {
    terminated = &container["state"]["terminated"];
  } else if (container.value("restartCount", 0) > 0 && container.contains("lastState") &&
             container["lastState"].contains("terminated")) {
    terminated = &container["lastState"]["terminated"];
  }
  if (terminated == nullptr) return std::nullopt;
  return std::make_pair(terminated->value("exitCode", -1),
                        terminated->value("message", terminated->value("reason", "")));
}

Error ApiError(const std::string& what, const RestResponse& r) {
  Errc code = Errc::kUnavailable;
  std::string hint;
  if (r.status == 404) code = Errc::kNotFound;
  if (r.status == 401) hint = " (the agent's credentials were refused)";
  if (r.status == 403) {
    code = Errc::kPermissionDenied;
    hint = " (the agent's service account lacks an RBAC permission: see deploy/kubernetes)";
  }
  if (r.status == 422 || r.status == 400) code = Errc::kInvalidArgument;
  return Error{code,
               what + ": the Kubernetes API answered " + std::to_string(r.status) + ": " +
                   r.Message() + hint,
               {},
               0};
}

}  // namespace

namespace {

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool IsDnsLabelText(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// (([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?
bool IsLabelValueText(std::string_view s) {
  if (s.empty()) return true;
  if (!IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

}  // namespace

std::string KubeObjectName(const std::string& session_id) {
  if (session_id.size() <= 60 && IsDnsLabelText(session_id)) return "ss-" + session_id;
  return "ss-" + Sha256Hex(session_id).substr(0, 32);
}

std::string KubeLabelValue(const std::string& text) {
  if (text.size() <= 63 && IsLabelValueText(text)) return text;
  return "h-" + Sha256Hex(text).substr(0, 40);
}

bool IsStorageQuantity(std::string_view s) {
  size_t i = 0;
  const auto digits = [&] {
    const size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > from;
  };
  if (!digits()) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  const std::string_view suffix = s.substr(i);
  for (std::string_view ok :
       {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P", "E"}) {
    if (suffix == ok) return true;
  }
  return false;
}

KubernetesPlatform::KubernetesPlatform(KubernetesPlatformOptions options)
    : options_(std::move(options)),
      namespace_(!options_.namespace_.empty()              ? options_.namespace_
                 : !options_.connection.namespace_.empty() ? options_.connection.namespace_
                                                           : "default"),
      client_(options_.connection.client) {
  if (options_.agent_id.empty()) {
    throw std::invalid_argument("kubernetes platform: agent id is required");
  }
}

Result<RestResponse> KubernetesPlatform::Call(std::string_view method, const std::string& path,
                                              const Json* body,
                                              std::string_view content_type) const {
  return client_.Call(method, path, body, content_type);
}

Status KubernetesPlatform::Ping() const {
  auto version = Call("GET", "/version");
  if (!version) return Fail(version.error());
  if (version->status != 200) return Fail(ApiError("version", *version));
  auto list = Call("GET", "/apis/apps/v1/namespaces/" + namespace_ + "/deployments?limit=1");
  if (!list) return Fail(list.error());
  if (list->status != 200) {
    return Fail(ApiError("listing deployments in namespace " + namespace_, *list));
  }
  spdlog::info("kubernetes API reachable server={} version={} namespace={}",
               client_.options().base_url, version->json.value("gitVersion", "?"), namespace_);
  return Ok();
}

void KubernetesPlatform::SetState(const std::string& session_id, const std::string& state) {
  std::lock_guard lock(mu_);
  if (state.empty()) {
    states_.erase(session_id);
  } else {
    states_[session_id] = state;
  }
}

Status KubernetesPlatform::EnsureHome(const SessionSpec& spec) {
  Json claim_spec = {{"accessModes", Json::array({"ReadWriteOnce"})},
                     {"resources", {{"requests", {{"storage", options_.home_size}}}}}};
  if (!options_.storage_class.empty()) claim_spec["storageClassName"] = options_.storage_class;
  const Json claim = {{"apiVersion", "v1"},
                      {"kind", "PersistentVolumeClaim"},
                      {"metadata",
                       {{"name", HomeVolumeName(spec)},
                        {"labels",
                         {{kManagedBy, "streamspace"},
                          {"streamspace.io/user", KubeLabelValue(spec.user_id)},
                          {"streamspace.io/template", KubeLabelValue(spec.template_name)}}}}},
                      {"spec", claim_spec}};
  auto r = Call(
      "POST", "/api/v1/namespaces/" + namespace_ + "/persistentvolumeclaims?fieldValidation=Strict",
      &claim);
  if (!r) return Fail(r.error());
  // 409: the user's home from an earlier session of this template, which is the point.
  if (r->status != 201 && r->status != 409) return Fail(ApiError("creating the home claim", *r));
  return Ok();
}

Status KubernetesPlatform::EnsureService(const SessionSpec& spec) {
  const int port = ContainerPort(spec);
  const std::string port_name = spec.protocol == "http" ? "http" : "vnc";
  const Json service = {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata",
       {{"name", KubeObjectName(spec.session_id)},
        {"labels",
         {{kManagedBy, "streamspace"},
          {kSessionLabel, KubeLabelValue(spec.session_id)},
          {kAgentLabel, KubeLabelValue(options_.agent_id)}}},
        {"annotations",
         {{kSessionIdAnnotation, spec.session_id}, {kProtocolAnnotation, spec.protocol}}}}},
      {"spec",
       {{"type", "ClusterIP"},
        {"selector", {{kSessionLabel, KubeLabelValue(spec.session_id)}}},
        {"ports", Json::array({{{"name", port_name},
                                {"port", port},
                                {"targetPort", port},
                                {"protocol", "TCP"}}})}}}};
  auto r = Call("POST", "/api/v1/namespaces/" + namespace_ + "/services?fieldValidation=Strict",
                &service);
  if (!r) return Fail(r.error());
  if (r->status != 201 && r->status != 409) return Fail(ApiError("creating the service", *r));
  return Ok();
}

Status KubernetesPlatform::EnsureDeployment(const SessionSpec& spec) {
  const std::string name = KubeObjectName(spec.session_id);
  const std::string path = "/apis/apps/v1/namespaces/" + namespace_ + "/deployments";
  auto existing = Call("GET", path + "/" + name);
  if (!existing) return Fail(existing.error());
  if (existing->status == 200) {
    // Known already: a wake, or a start delivered again after a reconnect.
    const Json& d = existing->json;
    if (d["spec"].value("replicas", 1) != 1 || Annotation(d, kStateAnnotation) != "running") {
      return Scale(spec.session_id, 1, "running");
    }
    return Ok();
  }
  if (existing->status != 404) return Fail(ApiError("reading the deployment", *existing));

  const int port = ContainerPort(spec);
  Json env = Json::array();
  for (const auto& [key, value] : ContainerEnv(spec)) {
    env.push_back({{"name", key}, {"value", value}});
  }
  // Requests equal limits: quotas grant the limits, so the scheduler reserves them.
  const Json quantities = {{"cpu", std::to_string(spec.cpu_millicores) + "m"},
                           {"memory", std::to_string(spec.memory_mib) + "Mi"}};
  const Json labels = {{kManagedBy, "streamspace"},
                       {"app.kubernetes.io/name", "streamspace-session"},
                       {kSessionLabel, KubeLabelValue(spec.session_id)},
                       {"streamspace.io/user", KubeLabelValue(spec.user_id)},
                       {"streamspace.io/template", KubeLabelValue(spec.template_name)},
                       {kAgentLabel, KubeLabelValue(options_.agent_id)}};
  const Json annotations = {{kSessionIdAnnotation, spec.session_id},
                            {kProtocolAnnotation, spec.protocol}};
  Json home = {{"name", "home"}};
  if (spec.persistent_home) {
    home["persistentVolumeClaim"] = {{"claimName", HomeVolumeName(spec)}};
  } else {
    home["emptyDir"] = Json::object();
  }
  const Json container = {
      {"name", "session"},
      {"image", spec.image},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", Json::array({"/bin/sh", "-c", ContainerLauncher(spec)})},
      {"workingDir", kContainerHome},
      {"env", env},
      {"ports", Json::array({{{"name", spec.protocol == "http" ? "http" : "vnc"},
                              {"containerPort", port},
                              {"protocol", "TCP"}}})},
      {"resources", {{"requests", quantities}, {"limits", quantities}}},
      {"readinessProbe",
       {{"tcpSocket", {{"port", port}}}, {"periodSeconds", 1}, {"failureThreshold", 3}}},
      {"volumeMounts", Json::array({{{"name", "home"}, {"mountPath", kContainerHome}}})},
      {"securityContext", {{"allowPrivilegeEscalation", false}}}};
  Json deployment_annotations = annotations;
  deployment_annotations[kStateAnnotation] = "running";
  const Json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", name}, {"labels", labels}, {"annotations", deployment_annotations}}},
      {"spec",
       {{"replicas", 1},
        {"selector", {{"matchLabels", {{kSessionLabel, KubeLabelValue(spec.session_id)}}}}},
        // The home claim is ReadWriteOnce: the old pod must let go of it first.
        {"strategy", {{"type", "Recreate"}}},
        {"template",
         {{"metadata", {{"labels", labels}, {"annotations", annotations}}},
          {"spec",
           {{"containers", Json::array({container})},
            {"volumes", Json::array({home})},
            // Sessions have no business with the Kubernetes API or other services.
            {"automountServiceAccountToken", false},
            {"enableServiceLinks", false},
            {"terminationGracePeriodSeconds", 10}}}}}}}};
  auto created = Call("POST", path + "?fieldValidation=Strict", &deployment);
  if (!created) return Fail(created.error());
  if (created->status == 409) return Ok();  // created meanwhile by an earlier delivery
  if (created->status != 201) return Fail(ApiError("creating the deployment", *created));
  return Ok();
}

Status KubernetesPlatform::Scale(const std::string& session_id, int replicas,
                                 const std::string& state, bool only_if_running) {
  const std::string path =
      "/apis/apps/v1/namespaces/" + namespace_ + "/deployments/" + KubeObjectName(session_id);
  for (int attempt = 1;; ++attempt) {
    auto current = Call("GET", path);
    if (!current) return Fail(current.error());
    if (current->status == 404) {
      return Fail(Errc::kNotFound, "session does not exist on this agent");
    }
    if (current->status != 200) return Fail(ApiError("reading the deployment", *current));
    Json d = std::move(current->json);
    if (only_if_running &&
        (d["spec"].value("replicas", 1) == 0 || Annotation(d, kStateAnnotation) != "running")) {
      return Fail(Errc::kFailedPrecondition, "the session is no longer running");
    }
    if (d["spec"].value("replicas", 1) == replicas && Annotation(d, kStateAnnotation) == state) {
      return Ok();
    }
    // A whole-object update carrying the resourceVersion we read: if anyone changed the
    // Deployment since, the API refuses with 409 and we read it again.
    d["spec"]["replicas"] = replicas;
    d["metadata"]["annotations"][kStateAnnotation] = state;
    d.erase("status");
    auto updated = Call("PUT", path + "?fieldValidation=Strict", &d);
    if (!updated) return Fail(updated.error());
    if (updated->status == 200) return Ok();
    if (updated->status != 409 || attempt == kConflictRetries) {
      return Fail(ApiError("scaling the deployment to " + std::to_string(replicas), *updated));
    }
    spdlog::debug("kubernetes deployment changed meanwhile; retrying session_id={} attempt={}",
                  session_id, attempt);
  }
}

Result<Json> KubernetesPlatform::Pods(const std::string& selector) const {
  auto r =
      Call("GET", "/api/v1/namespaces/" + namespace_ + "/pods?labelSelector=" + Escape(selector));
  if (!r) return Fail(r.error());
  if (r->status != 200 || !r->json.is_object()) return Fail(ApiError("listing pods", *r));
  return r->json.value("items", Json::array());
}

Status KubernetesPlatform::WaitReady(const std::string& session_id) {
  const std::string selector = std::string(kSessionLabel) + "=" + KubeLabelValue(session_id);
  const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
  std::string last_news = "no pod yet";
  while (true) {
    auto pods = Pods(selector);
    if (!pods) return Fail(pods.error());
    for (const Json& pod : *pods) {
      if (PodReady(pod)) return Ok();
      if (pod["metadata"].contains("deletionTimestamp")) continue;
      const Json* c = SessionContainer(pod);
      if (c != nullptr && c->contains("state") && (*c)["state"].contains("waiting")) {
        const Json& waiting = (*c)["state"]["waiting"];
        const std::string reason = waiting.value("reason", "");
        if (IsFatalWaiting(reason)) {
          return Fail(Errc::kUnavailable, "the session's pod cannot start: " + reason + ": " +
                                              waiting.value("message", ""));
        }
        last_news = "container waiting: " + reason;
      }
      if (c != nullptr) {
        if (auto exit = AppExit(*c)) {
          return Fail(Errc::kUnavailable, "the session's container exited during start (code " +
                                              std::to_string(exit->first) + ") " + exit->second);
        }
      }
      for (const Json& cond : pod["status"].value("conditions", Json::array())) {
        if (cond.value("status", "") == "False" && cond.contains("message")) {
          last_news = cond.value("reason", "") + ": " + cond.value("message", "");
        }
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(Errc::kUnavailable, "the session's pod was not ready within " +
                                          std::to_string(options_.ready_timeout.count()) + " s (" +
                                          last_news + ")");
    }
    std::this_thread::sleep_for(options_.poll_interval);
  }
}

Status KubernetesPlatform::WaitNoPods(const std::string& session_id) {
  const std::string selector = std::string(kSessionLabel) + "=" + KubeLabelValue(session_id);
  const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
  while (true) {
    auto pods = Pods(selector);
    if (!pods) return Fail(pods.error());
    if (pods->empty()) return Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(Errc::kUnavailable, "the session's pod did not go away within " +
                                          std::to_string(options_.ready_timeout.count()) + " s");
    }
    std::this_thread::sleep_for(options_.poll_interval);
  }
}

Status KubernetesPlatform::Start(const SessionSpec& spec) {
  if (auto valid = ValidateContainerSpec(spec, "kubernetes"); !valid) return valid;
  const auto started = std::chrono::steady_clock::now();
  // The claim and the service first: the pod mounts the one and is reached by the other.
  if (spec.persistent_home) {
    if (auto home = EnsureHome(spec); !home) return home;
  }
  if (auto service = EnsureService(spec); !service) return service;
  if (auto deployment = EnsureDeployment(spec); !deployment) return deployment;
  SetState(spec.session_id, "running");
  if (auto ready = WaitReady(spec.session_id); !ready) {
    SetState(spec.session_id, "failed");
    // Stop it retrying (and holding its claim); Delete removes the rest.
    (void)Scale(spec.session_id, 0, "failed");
    return ready;
  }
  spdlog::info("kubernetes session started session_id={} namespace={} image={} ready_ms={}",
               spec.session_id, namespace_, spec.image,
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count());
  return Ok();
}

Status KubernetesPlatform::Wake(const SessionSpec& spec) { return Start(spec); }

Status KubernetesPlatform::Hibernate(const std::string& session_id) {
  // Marked first: the pod's end is then a hibernation, not an exit to report.
  SetState(session_id, "hibernated");
  if (auto scaled = Scale(session_id, 0, "hibernated"); !scaled) return scaled;
  // Done when the pod is gone: its processes ended and the home claim is free for a wake.
  if (auto gone = WaitNoPods(session_id); !gone) return gone;
  spdlog::info("kubernetes session hibernated session_id={}", session_id);
  return Ok();
}

Status KubernetesPlatform::Delete(const std::string& session_id) {
  const std::string name = KubeObjectName(session_id);
  // The home claim stays: it belongs to the user and template, not to the session.
  const std::string deployment = "/apis/apps/v1/namespaces/" + namespace_ + "/deployments/" + name +
                                 "?propagationPolicy=Background";
  const std::string service = "/api/v1/namespaces/" + namespace_ + "/services/" + name;
  for (const std::string& path : {deployment, service}) {
    auto r = Call("DELETE", path);
    if (!r) return Fail(r.error());
    if (r->status != 200 && r->status != 202 && r->status != 404) {
      return Fail(ApiError("deleting " + name, *r));
    }
  }
  SetState(session_id, "");
  spdlog::info("kubernetes session deleted session_id={}", session_id);
  return Ok();
}

std::vector<SessionStatus> KubernetesPlatform::List() {
  std::vector<SessionStatus> out;
  auto r =
      Call("GET", "/apis/apps/v1/namespaces/" + namespace_ + "/deployments?labelSelector=" +
                      Escape(std::string(kAgentLabel) + "=" + KubeLabelValue(options_.agent_id)));
  if (!r || r->status != 200 || !r->json.is_object()) {
    spdlog::warn("kubernetes: cannot list this agent's deployments error={}",
                 r ? ApiError("list", *r).message : r.error().message);
    return out;
  }
  std::map<std::string, std::string> states;
  for (const Json& d : r->json.value("items", Json::array())) {
    const std::string id = Annotation(d, kSessionIdAnnotation);
    if (id.empty()) continue;
    std::string state = "running";
    if (d["spec"].value("replicas", 1) == 0) {
      state = Annotation(d, kStateAnnotation);
      if (state != "stopped" && state != "failed") state = "hibernated";
    }
    states[id] = state;
    out.push_back({id, state, ""});
  }
  std::lock_guard lock(mu_);
  states_ = std::move(states);
  return out;
}

std::vector<SessionStatus> KubernetesPlatform::CollectExited() {
  {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_exit_check_ < kExitCheckInterval) return {};
    last_exit_check_ = now;
    if (std::none_of(states_.begin(), states_.end(),
                     [](const auto& s) { return s.second == "running"; })) {
      return {};
    }
  }
  std::vector<SessionStatus> out;
  auto pods = Pods(std::string(kAgentLabel) + "=" + KubeLabelValue(options_.agent_id));
  if (!pods) return out;  // API unreachable: ask again later
  for (const Json& pod : *pods) {
    const std::string id = Annotation(pod, kSessionIdAnnotation);
    const Json* c = SessionContainer(pod);
    // A pod being deleted ends because of a hibernate, a delete or an eviction, not its app.
    if (id.empty() || c == nullptr || pod["metadata"].contains("deletionTimestamp")) continue;
    auto exit = AppExit(*c);
    if (!exit) continue;
    {
      std::lock_guard lock(mu_);
      auto it = states_.find(id);
      if (it == states_.end() || it->second != "running") continue;
    }
    // Kubernetes would restart the app; a session ends with its app, as on every platform.
    const std::string state = exit->first == 0 ? "stopped" : "failed";
    // Conditional on the Deployment still saying running: a hibernate or delete that raced
    // with this look (commands run beside this ticker) wins, and nothing is reported.
    if (auto scaled = Scale(id, 0, state, /*only_if_running=*/true); !scaled) {
      if (scaled.error().code == Errc::kFailedPrecondition ||
          scaled.error().code == Errc::kNotFound) {
        continue;
      }
      spdlog::warn("kubernetes: cannot scale down an exited session session_id={} error={}", id,
                   scaled.error().message);
    }
    SetState(id, state);
    out.push_back(
        {id, state,
         exit->first == 0 ? "app exited" : "app exited with code " + std::to_string(exit->first)});
    spdlog::info("kubernetes session exited session_id={} code={}", id, exit->first);
  }
  return out;
}

Result<Endpoint> KubernetesPlatform::Resolve(const std::string& session_id,
                                             const std::string& target) {
  if (target != "vnc" && target != "http") {
    return Fail(Errc::kInvalidArgument, "target: must be vnc or http");
  }
  const std::string name = KubeObjectName(session_id);
  auto d = Call("GET", "/apis/apps/v1/namespaces/" + namespace_ + "/deployments/" + name);
  if (!d) return Fail(d.error());
  if (d->status == 404 || (d->status == 200 && d->json["spec"].value("replicas", 1) == 0)) {
    return Fail(Errc::kNotFound, "session does not run here");
  }
  if (d->status != 200) return Fail(ApiError("reading the deployment", *d));
  auto s = Call("GET", "/api/v1/namespaces/" + namespace_ + "/services/" + name);
  if (!s) return Fail(s.error());
  if (s->status == 404) return Fail(Errc::kNotFound, "the session's service is missing");
  if (s->status != 200) return Fail(ApiError("reading the service", *s));
  const Json& service = s->json;
  const std::string protocol = Annotation(service, kProtocolAnnotation);
  if (protocol != target) {
    return Fail(Errc::kFailedPrecondition, "the session does not stream over " + target);
  }
  const std::string ip = service["spec"].value("clusterIP", "");
  const Json ports = service["spec"].value("ports", Json::array());
  if (ip.empty() || ip == "None" || ports.empty()) {
    return Fail(Errc::kUnavailable, "the session's service has no cluster IP and port");
  }
  return Endpoint{Endpoint::Kind::kTcp, "", ip, static_cast<uint16_t>(ports[0].value("port", 0))};
}

}  // namespace sp::agent
