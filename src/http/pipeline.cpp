#include "http/pipeline.hpp"

#include <chrono>
#include <exception>

#include "common/crypto.hpp"
#include "common/log.hpp"

namespace sp::http {

Pipeline::Pipeline(const Router& router, Authenticator& authenticator, const Clock& clock,
                   PipelineOptions options)
    : router_(router),
      authenticator_(authenticator),
      limiter_(clock, options.rate_limit_per_second, options.rate_limit_burst) {}

void Pipeline::AddSecurityHeaders(Response& r) {
  r.SetHeader("X-Content-Type-Options", "nosniff");
  r.SetHeader("X-Frame-Options", "DENY");
  r.SetHeader("Referrer-Policy", "no-referrer");
  r.SetHeader("Cross-Origin-Opener-Policy", "same-origin");
  if (r.content_type.starts_with("text/html")) {
    r.SetHeader("Content-Security-Policy",
                "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
                "connect-src 'self' ws: wss:; frame-ancestors 'none'");
  }
  if (r.content_type == "application/json") r.SetHeader("Cache-Control", "no-store");
}

namespace {

bool IsSafeRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string_view BearerCredential(const Request& req) {
  std::string_view h = req.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() > kBearer.size() &&
      (h.substr(0, kBearer.size()) == kBearer || h.substr(0, kBearer.size()) == "bearer ")) {
    return h.substr(kBearer.size());
  }
  return {};
}

}  // namespace

bool ScopeAllows(const std::vector<std::string>& scopes, const Route& route, Method method) {
  if (scopes.empty()) return true;
  const bool read = method == Method::kGet || method == Method::kHead;
  for (const auto& s : scopes) {
    if (s == "admin:all" || s == "*") return true;
    if (route.access == Access::kAdmin || route.scope.empty()) continue;
    if (s == route.scope + ":write") return true;
    if (read && s == route.scope + ":read") return true;
  }
  return false;
}

Response Pipeline::Handle(Request& req) {
  const auto started = std::chrono::steady_clock::now();
  requests_.fetch_add(1, std::memory_order_relaxed);
  if (std::string_view incoming = req.Header("x-request-id"); IsSafeRequestId(incoming)) {
    req.request_id = std::string(incoming);
  } else {
    req.request_id = HexEncode(RandomBytes(8));
  }
  Response res;
  try {
    res = Dispatch(req);
  } catch (const std::exception& e) {
    // Caught once, here: anything a handler or library threw is a 500 with a generic body.
    spdlog::error("unhandled exception request_id={} method={} path={} error={}", req.request_id,
                  MethodName(req.method), req.path, e.what());
    res = ErrorResponse(Error{Errc::kInternal, {}, {}, 0});
  }
  res.SetHeader("X-Request-ID", req.request_id);
  AddSecurityHeaders(res);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  spdlog::info("http request_id={} method={} path={} status={} duration_us={} client={} user={}",
               req.request_id, MethodName(req.method), req.path, res.status, micros, req.client_ip,
               req.principal ? req.principal->username : "-");
  return res;
}

Response Pipeline::Dispatch(Request& req) {
  if (int wait = limiter_.Acquire("ip:" + req.client_ip); wait > 0) {
    Error e{Errc::kResourceExhausted, "too many requests; retry later", {}, wait};
    return ErrorResponse(e);
  }
  Router::Match match = router_.Find(req.method, req.path);
  if (match.route == nullptr) {
    if (fallback_ && (req.method == Method::kGet || req.method == Method::kHead) &&
        req.path != "/api" && !req.path.starts_with("/api/")) {
      return fallback_(req);
    }
    if (match.path_known) {
      Response r = ErrorResponse(405, "method_not_allowed",
                                 std::string(MethodName(req.method)) + " is not allowed here");
      r.SetHeader("Allow", match.allow);
      return r;
    }
    return ErrorResponse(404, "not_found", "no such endpoint: " + req.path);
  }
  const Route& route = *match.route;
  req.path_params = std::move(match.params);

  if (route.access != Access::kPublic) {
    const std::string_view credential = BearerCredential(req);
    if (credential.empty()) {
      Response r = ErrorResponse(401, "unauthorized", "missing bearer token or API key");
      r.SetHeader("WWW-Authenticate", "Bearer");
      return r;
    }
    auto principal = authenticator_.Authenticate(credential, req.client_ip);
    if (!principal) {
      Response r = ErrorResponse(principal.error());
      if (r.status == 401) r.SetHeader("WWW-Authenticate", "Bearer");
      return r;
    }
    principal->client_ip = req.client_ip;
    req.principal = std::move(*principal);
    const auth::Principal& who = *req.principal;
    if ((route.access == Access::kAdmin && !who.IsAdmin()) ||
        (route.access == Access::kOperator && !who.IsOperator())) {
      return ErrorResponse(
          403, "forbidden",
          "this action requires the " +
              std::string(route.access == Access::kAdmin ? "admin" : "operator or admin") +
              " role");
    }
    if (who.kind == auth::CredentialKind::kApiKey && !ScopeAllows(who.scopes, route, req.method)) {
      return ErrorResponse(403, "forbidden", "the API key's scopes do not allow this request");
    }
  }
  return route.handler(req);
}

}  // namespace sp::http
