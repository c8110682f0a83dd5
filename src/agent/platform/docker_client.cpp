#include "agent/platform/docker_client.hpp"

#include <mutex>

#include <curl/curl.h>

namespace sp::agent {
namespace {

size_t Collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

}  // namespace

std::string DockerResponse::Message() const {
  if (json.is_object() && json.contains("message") && json["message"].is_string()) {
    return json["message"].get<std::string>();
  }
  return body.substr(0, 500);
}

std::string DockerSocketPath(std::string_view docker_host) {
  if (docker_host.starts_with("unix://")) return std::string(docker_host.substr(7));
  if (docker_host.starts_with("/")) return std::string(docker_host);
  return {};
}

DockerClient::DockerClient(std::string socket_path, std::string api_version)
    : socket_path_(std::move(socket_path)), api_version_(std::move(api_version)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<DockerResponse> DockerClient::Call(std::string_view method, const std::string& path,
                                          const nlohmann::json* body) const {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Fail(Errc::kInternal, "cannot create a curl handle");
  const std::string url = "http://docker/" + api_version_ + path;
  const std::string payload = body != nullptr ? body->dump() : std::string();
  const std::string verb(method);
  std::string received;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket_path_.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, verb.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // Stopping a container waits for it (t seconds): allow for that, but never hang.
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
  if (body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
  } else if (verb == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
  }
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return Fail(Errc::kUnavailable, "cannot reach the container engine at " + socket_path_ + ": " +
                                        curl_easy_strerror(rc));
  }
  DockerResponse r;
  r.status = status;
  r.json = nlohmann::json::parse(received, nullptr, /*allow_exceptions=*/false);
  if (r.json.is_discarded()) r.json = nullptr;
  r.body = std::move(received);
  return r;
}

}  // namespace sp::agent
