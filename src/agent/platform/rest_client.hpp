// RestClient: JSON over HTTP with libcurl, for the APIs platforms drive: the Docker Engine
// API on a unix socket, and the Kubernetes API over TLS with a bearer token or a client
// certificate. Blocking; one curl handle per call, so it may be used from any thread.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace sp::agent {

struct RestClientOptions {
  std::string base_url;     // "http://docker/v1.41", "https://10.96.0.1:443"
  std::string unix_socket;  // connect here instead of the URL's host (Docker)
  std::string peer_name;    // for error messages: "the container engine at /run/docker.sock"
  // TLS: PEM text of the CAs to trust instead of the system's, and a client certificate.
  std::string ca_pem;
  std::string client_cert_pem;
  std::string client_key_pem;
  bool insecure_skip_tls_verify = false;
  // Authorization: Bearer. token_file wins and is read on every call, because projected
  // service account tokens are rotated on disk while the agent runs.
  std::string bearer_token;
  std::string token_file;
  long timeout_s = 120;
};

// clang-tidy 14 takes nlohmann::json's noexcept move for one that throws.
struct RestResponse {  // NOLINT(bugprone-exception-escape)
  long status = 0;
  nlohmann::json json;  // the body parsed, or null when it is not JSON
  std::string body;

  // The peer's error text ({"message": ...}, as both Docker and Kubernetes answer) or the
  // start of the raw body.
  std::string Message() const;
};

class RestClient {
 public:
  explicit RestClient(RestClientOptions options);

  // kUnavailable when the peer cannot be reached; any HTTP status is a response.
  Result<RestResponse> Call(std::string_view method, const std::string& path,
                            const nlohmann::json* body = nullptr,
                            std::string_view content_type = "application/json") const;
  const RestClientOptions& options() const { return options_; }

 private:
  RestClientOptions options_;
};

}  // namespace sp::agent
