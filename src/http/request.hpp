// Framework-neutral HTTP request and response. net/ converts Beast messages to and from these,
// so that API areas never include Beast.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/principal.hpp"
#include "http/query.hpp"

namespace sp::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method m);

// Header names are stored lower-case.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  Method method = Method::kGet;
  std::string path;  // decoded path, without the query string
  QueryParams query;
  Headers headers;
  std::string body;
  std::string client_ip;
  std::string request_id;
  std::map<std::string, std::string, std::less<>> path_params;
  std::optional<auth::Principal> principal;  // set by the authentication middleware

  std::string_view Header(std::string_view lower_name) const;
  // The value of cookie `name` in the Cookie header, or empty.
  std::string_view Cookie(std::string_view name) const;
  std::string_view PathParam(std::string_view name) const;
  // The authenticated caller; only valid on routes that require authentication.
  const auth::Principal& Caller() const { return *principal; }
};

}  // namespace sp::http
