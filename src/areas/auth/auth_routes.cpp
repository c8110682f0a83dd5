#include "areas/auth/auth_routes.hpp"

#include "areas/users/user_json.hpp"
#include "http/json_reader.hpp"

namespace sp::authn {
namespace {

using http::Access;
using http::Request;
using http::Response;

// The web UI keeps its access token in memory only (out of reach of stored-XSS that reads
// storage) and its refresh token in this cookie: HttpOnly (scripts cannot read it),
// SameSite=Strict and scoped to the auth endpoints (other sites cannot make the browser send
// it), and refresh by cookie also needs a custom header, which a cross-site form cannot set.
constexpr std::string_view kRefreshCookie = "ss_refresh";
constexpr std::string_view kCsrfHeader = "x-streamspace-csrf";

std::string RefreshCookie(const Request& req, std::string_view value, int64_t max_age) {
  std::string c =
      std::string(kRefreshCookie) + "=" + std::string(value) +
      "; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (req.Header("x-forwarded-proto") == "https") c += "; Secure";
  return c;
}

Response TokenResponse(const Request& req, const Result<LoginResult>& r, int64_t refresh_ttl_s) {
  if (!r) return http::ErrorResponse(r.error());
  Response res = http::JsonResponse(200, {{"token", r->token},
                                          {"refreshToken", r->refresh_token},
                                          {"expiresAt", r->expires_at},
                                          {"user", users::ToJson(r->user)}});
  res.SetHeader("Set-Cookie", RefreshCookie(req, r->refresh_token, refresh_ttl_s));
  return res;
}

Response SetupStatusHandler(SetupService& setup) {
  auto s = setup.GetStatus();
  if (!s) return http::ErrorResponse(s.error());
  return http::JsonResponse(200, {{"setupRequired", s->setup_required},
                                  {"adminExists", s->admin_exists},
                                  {"hasPassword", s->has_password},
                                  {"message", s->setup_required ? "Setup wizard is enabled"
                                                                : "Setup wizard is disabled"}});
}

Response SetupHandler(SetupService& setup, Request& req) {
  http::JsonReader r(req.body);
  SetupRequest body;
  body.password = r.String("password", {.required = true, .max = 256, .trim = false}).value_or("");
  body.password_confirm =
      r.String("passwordConfirm", {.required = true, .max = 256, .trim = false}).value_or("");
  body.email = r.String("email", {.required = true, .max = 254, .email = true}).value_or("");
  if (auto st = r.Finish(); !st) return http::ErrorResponse(st.error());
  auto admin = setup.Setup(body, req.client_ip);
  if (!admin) return http::ErrorResponse(admin.error());
  return http::JsonResponse(200, {{"message", "Admin account configured; you can now log in"},
                                  {"username", admin->username},
                                  {"email", admin->email}});
}

Response LoginHandler(AuthService& auth, Request& req) {
  http::JsonReader r(req.body);
  auto username = r.String("username", {.required = true, .max = 100});
  auto password = r.String("password", {.required = true, .max = 256, .trim = false});
  if (auto st = r.Finish(); !st) return http::ErrorResponse(st.error());
  return TokenResponse(req, auth.Login(*username, *password, req.client_ip),
                       auth.ttls().refresh.count());
}

Response RefreshHandler(AuthService& auth, Request& req) {
  http::JsonReader r(req.body.empty() ? std::string_view("{}") : std::string_view(req.body));
  auto token = r.String("refreshToken", {.max = 200});
  if (auto st = r.Finish(); !st) return http::ErrorResponse(st.error());
  std::string refresh = token.value_or("");
  if (refresh.empty()) {
    refresh = std::string(req.Cookie(kRefreshCookie));
    if (refresh.empty()) {
      // Not signed in: what a web page asks on load before anyone logged in.
      return http::ErrorResponse(
          401, "unauthorized", "not signed in: no refreshToken in the body and no session cookie");
    }
    if (req.Header(kCsrfHeader).empty()) {
      return http::ErrorResponse(403, "forbidden",
                                 "refreshing with the session cookie needs the "
                                 "X-StreamSpace-CSRF header");
    }
  }
  return TokenResponse(req, auth.Refresh(refresh, req.client_ip), auth.ttls().refresh.count());
}

}  // namespace

void RegisterRoutes(http::Router& router, AuthService& auth, SetupService& setup) {
  http::RouteGroup api(router, "/api/v1/auth", "auth");
  api.Get(
      "/setup/status", [&setup](Request&) { return SetupStatusHandler(setup); }, Access::kPublic);
  api.Post(
      "/setup", [&setup](Request& r) { return SetupHandler(setup, r); }, Access::kPublic);
  api.Post(
      "/login", [&auth](Request& r) { return LoginHandler(auth, r); }, Access::kPublic);
  api.Post(
      "/refresh", [&auth](Request& r) { return RefreshHandler(auth, r); }, Access::kPublic);
  api.Post("/logout", [&auth](Request& r) {
    auto st = auth.Logout(r.Caller());
    if (!st) return http::ErrorResponse(st.error());
    Response res = http::SuccessResponse("logged out");
    res.SetHeader("Set-Cookie", RefreshCookie(r, "", 0));
    return res;
  });
}

}  // namespace sp::authn
