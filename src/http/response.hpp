#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace sp::http {

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void SetHeader(std::string name, std::string value);
};

Response JsonResponse(int status, const nlohmann::json& body);
Response TextResponse(int status, std::string content_type, std::string body);
// {"error": ..., "message": ...} with the status for the error's code.
Response ErrorResponse(const Error& error);
Response ErrorResponse(int status, std::string_view error, std::string_view message);
// The shared {"message": ...} body of spec section 36.
Response SuccessResponse(std::string_view message);
int StatusFor(Errc code);

}  // namespace sp::http
