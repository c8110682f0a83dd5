#include "areas/auth/auth_routes.hpp"

#include "areas/users/user_json.hpp"
#include "http/json_reader.hpp"

namespace sp::authn {
namespace {

using http::Access;
using http::Request;
using http::Response;

Response TokenResponse(const Result<LoginResult>& r) {
  if (!r) return http::ErrorResponse(r.error());
  return http::JsonResponse(200, {{"token", r->token},
                                  {"refreshToken", r->refresh_token},
                                  {"expiresAt", r->expires_at},
                                  {"user", users::ToJson(r->user)}});
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
  return TokenResponse(auth.Login(*username, *password, req.client_ip));
}

Response RefreshHandler(AuthService& auth, Request& req) {
  http::JsonReader r(req.body);
  auto token = r.String("refreshToken", {.required = true, .max = 200});
  if (auto st = r.Finish(); !st) return http::ErrorResponse(st.error());
  return TokenResponse(auth.Refresh(*token, req.client_ip));
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
    return http::SuccessResponse("logged out");
  });
}

}  // namespace sp::authn
