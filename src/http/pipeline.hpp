// The middleware chain every HTTP request passes through, in order:
// request id -> per-client rate limit (429 + Retry-After) -> route lookup (404/405) ->
// authentication (401) -> role and API-key scope check (403) -> handler -> security headers
// -> one JSON access-log line. Body size (413) is enforced earlier, while reading.
// Runs on a worker thread: authentication may query the database.
#pragma once

#include <atomic>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "http/rate_limiter.hpp"
#include "http/router.hpp"

namespace sp::http {

// Turns a bearer credential (JWT or API key) into a Principal. Implemented by the auth area.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual Result<auth::Principal> Authenticate(std::string_view credential,
                                               std::string_view client_ip) = 0;
};

struct PipelineOptions {
  double rate_limit_per_second = 50;
  double rate_limit_burst = 200;
};

class Pipeline {
 public:
  Pipeline(const Router& router, Authenticator& authenticator, const Clock& clock,
           PipelineOptions options);

  Response Handle(Request& request);
  // Answers GET and HEAD requests outside /api/ that no route matches (the web UI).
  void SetFallback(Handler fallback) { fallback_ = std::move(fallback); }
  uint64_t RequestCount() const { return requests_.load(std::memory_order_relaxed); }

  // Headers every response carries (also used by net/ for responses it makes itself).
  static void AddSecurityHeaders(Response& response);

 private:
  Response Dispatch(Request& request);

  const Router& router_;
  Authenticator& authenticator_;
  Handler fallback_;
  RateLimiter limiter_;
  std::atomic<uint64_t> requests_{0};
};

// Whether a credential's scopes allow a route. Empty scopes mean every right of the owner.
bool ScopeAllows(const std::vector<std::string>& scopes, const Route& route, Method method);

}  // namespace sp::http
