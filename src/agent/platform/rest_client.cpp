#include "agent/platform/rest_client.hpp"

#include <fstream>
#include <mutex>
#include <sstream>

#include <curl/curl.h>

#include "common/file_text.hpp"
#include "common/strings.hpp"

namespace sp::agent {
namespace {

size_t Collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// Hands PEM text to curl without a temporary file (curl >= 7.77 for CA blobs).
void SetBlob(CURL* curl, CURLoption option, const std::string& pem) {
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(curl, option, &blob);
}

}  // namespace

std::string RestResponse::Message() const {
  if (json.is_object() && json.contains("message") && json["message"].is_string()) {
    return json["message"].get<std::string>();
  }
  return body.substr(0, 500);
}

RestClient::RestClient(RestClientOptions options) : options_(std::move(options)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<RestResponse> RestClient::Call(std::string_view method, const std::string& path,
                                      const nlohmann::json* body,
                                      std::string_view content_type) const {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Fail(Errc::kInternal, "cannot create a curl handle");
  const std::string url = options_.base_url + path;
  const std::string payload = body != nullptr ? body->dump() : std::string();
  const std::string verb(method);
  std::string received;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Content-Type: " + std::string(content_type)).c_str());
  headers = curl_slist_append(headers, "Accept: application/json");
  const std::string token =
      options_.token_file.empty()
          ? options_.bearer_token
          : std::string(TrimSpace(ReadSmallFile(options_.token_file).value_or("")));
  if (!token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  }
  if (!options_.unix_socket.empty()) {
    curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, options_.unix_socket.c_str());
  }
  if (!options_.ca_pem.empty()) SetBlob(curl, CURLOPT_CAINFO_BLOB, options_.ca_pem);
  if (!options_.client_cert_pem.empty()) {
    SetBlob(curl, CURLOPT_SSLCERT_BLOB, options_.client_cert_pem);
    curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
  }
  if (!options_.client_key_pem.empty()) {
    SetBlob(curl, CURLOPT_SSLKEY_BLOB, options_.client_key_pem);
    curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (options_.insecure_skip_tls_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, verb.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // Stopping a container waits for it: allow for that, but never hang.
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, options_.timeout_s);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
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
    return Fail(Errc::kUnavailable,
                "cannot reach " + options_.peer_name + ": " + curl_easy_strerror(rc));
  }
  RestResponse r;
  r.status = status;
  r.json = nlohmann::json::parse(received, nullptr, /*allow_exceptions=*/false);
  if (r.json.is_discarded()) r.json = nullptr;
  r.body = std::move(received);
  return r;
}

}  // namespace sp::agent
