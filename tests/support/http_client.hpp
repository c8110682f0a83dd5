// A small synchronous HTTP/1.1 client for tests: one connection per request, so that each
// request is independent of the others (and of a server that was just restarted).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sp::test {

struct HttpResponse {
  int status = 0;  // 0: no response (connection refused, reset, timeout)
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names

  nlohmann::json Json() const;
  std::string Header(const std::string& lower_name) const;
};

class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : port_(port) {}

  HttpResponse Send(const std::string& method, const std::string& target,
                    const std::string& body = {}, const std::string& bearer = {},
                    const std::vector<std::pair<std::string, std::string>>& headers = {}) const;
  HttpResponse Get(const std::string& target, const std::string& bearer = {}) const {
    return Send("GET", target, {}, bearer);
  }
  HttpResponse Post(const std::string& target, const nlohmann::json& body,
                    const std::string& bearer = {}) const {
    return Send("POST", target, body.dump(), bearer);
  }
  HttpResponse Put(const std::string& target, const nlohmann::json& body,
                   const std::string& bearer = {}) const {
    return Send("PUT", target, body.dump(), bearer);
  }
  HttpResponse Patch(const std::string& target, const nlohmann::json& body,
                     const std::string& bearer = {}) const {
    return Send("PATCH", target, body.dump(), bearer);
  }
  HttpResponse Delete(const std::string& target, const std::string& bearer = {}) const {
    return Send("DELETE", target, {}, bearer);
  }

  uint16_t port() const { return port_; }

 private:
  uint16_t port_;
};

}  // namespace sp::test
