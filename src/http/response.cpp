#include "http/response.hpp"

namespace sp::http {

void Response::SetHeader(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

Response JsonResponse(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response TextResponse(int status, std::string content_type, std::string body) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

int StatusFor(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument:
      return 400;
    case Errc::kUnauthenticated:
      return 401;
    case Errc::kPermissionDenied:
      return 403;
    case Errc::kNotFound:
      return 404;
    case Errc::kAlreadyExists:
    case Errc::kFailedPrecondition:
      return 409;
    case Errc::kPayloadTooLarge:
      return 413;
    case Errc::kResourceExhausted:
      return 429;
    case Errc::kUnavailable:
      return 503;
    case Errc::kInternal:
      return 500;
  }
  return 500;
}

namespace {

std::string_view ErrorTitle(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument:
      return "invalid_request";
    case Errc::kUnauthenticated:
      return "unauthorized";
    case Errc::kPermissionDenied:
      return "forbidden";
    case Errc::kNotFound:
      return "not_found";
    case Errc::kAlreadyExists:
      return "already_exists";
    case Errc::kFailedPrecondition:
      return "conflict";
    case Errc::kPayloadTooLarge:
      return "payload_too_large";
    case Errc::kResourceExhausted:
      return "rate_limited";
    case Errc::kUnavailable:
      return "unavailable";
    case Errc::kInternal:
      return "internal_error";
  }
  return "internal_error";
}

}  // namespace

Response ErrorResponse(const Error& error) {
  // Internal details stay in the logs; clients get the safe message only.
  const std::string_view message = error.code == Errc::kInternal && error.message.empty()
                                       ? "internal server error"
                                       : std::string_view(error.message);
  Response r = ErrorResponse(StatusFor(error.code), ErrorTitle(error.code), message);
  if (error.code == Errc::kResourceExhausted && error.retry_after_s > 0) {
    r.SetHeader("Retry-After", std::to_string(error.retry_after_s));
  }
  return r;
}

Response ErrorResponse(int status, std::string_view error, std::string_view message) {
  nlohmann::json body = {{"error", error}};
  if (!message.empty()) body["message"] = message;
  return JsonResponse(status, body);
}

Response SuccessResponse(std::string_view message) {
  return JsonResponse(200, {{"message", message}});
}

}  // namespace sp::http
