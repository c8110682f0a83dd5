#include "areas/users/user_routes.hpp"

#include "areas/users/user_json.hpp"
#include "http/json_reader.hpp"

namespace sp::users {
namespace {

using http::Request;
using http::Response;

Response ListUsers(UserService& users, Request& req) {
  auto page = http::ParsePage(req.query);
  if (!page) return http::ErrorResponse(page.error());
  UserFilter filter;
  if (auto role = req.query.Get("role")) filter.role = std::string(*role);
  if (auto provider = req.query.Get("provider")) filter.provider = std::string(*provider);
  if (auto search = req.query.Get("search")) filter.search = std::string(*search);
  auto active = http::ParseBoolParam(req.query, "active");
  if (!active) return http::ErrorResponse(active.error());
  filter.active = *active;
  auto list = users.List(req.Caller(), filter, *page);
  if (!list) return http::ErrorResponse(list.error());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& u : list->users) items.push_back(ToJson(u));
  return http::JsonResponse(200, http::PagedBody("users", std::move(items), list->total, *page));
}

Response CreateUser(UserService& users, Request& req) {
  auto body = ParseCreateUser(req.body);
  if (!body) return http::ErrorResponse(body.error());
  auto user = users.Create(req.Caller(), *body);
  if (!user) return http::ErrorResponse(user.error());
  return http::JsonResponse(201, ToJson(*user));
}

Response Details(UserService& users, Request& req, const std::string& id) {
  auto d = users.Get(req.Caller(), id);
  if (!d) return http::ErrorResponse(d.error());
  nlohmann::json j = ToJson(d->user);
  j["quota"] = ToJson(d->quota);
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : d->groups) groups.push_back(g.group_id);
  j["groups"] = std::move(groups);
  return http::JsonResponse(200, j);
}

Response UpdateUser(UserService& users, Request& req) {
  auto body = ParseUpdateUser(req.body);
  if (!body) return http::ErrorResponse(body.error());
  auto user = users.Update(req.Caller(), std::string(req.PathParam("id")), std::move(*body));
  if (!user) return http::ErrorResponse(user.error());
  return http::JsonResponse(200, ToJson(*user));
}

Response QuotaResponse(const Result<UserQuota>& q) {
  if (!q) return http::ErrorResponse(q.error());
  return http::JsonResponse(200, ToJson(*q));
}

// Applies a SetQuotaRequest body over the current limits.
UserService::QuotaUpdate QuotaFromBody(const std::string& body) {
  return [body](const quotas::QuotaLimits& current) -> Result<quotas::QuotaLimits> {
    http::JsonReader r(body);
    auto limits = quotas::ReadQuotaUpdate(r, current);
    if (auto st = r.Finish(); !st) return Fail(st.error());
    return limits;
  };
}

Response SetAdminQuota(UserService& users, Request& req) {
  http::JsonReader r(req.body);
  auto username = r.String("username", {.required = true, .min = 1, .max = 100});
  if (auto st = r.Finish(); !st) return http::ErrorResponse(st.error());
  return QuotaResponse(users.SetQuotaByUsername(req.Caller(), *username, QuotaFromBody(req.body)));
}

}  // namespace

void RegisterRoutes(http::Router& router, UserService& users) {
  http::RouteGroup api(router, "/api/v1", "users");
  api.Get(
      "/users", [&users](Request& r) { return ListUsers(users, r); }, http::Access::kOperator);
  api.Post(
      "/users", [&users](Request& r) { return CreateUser(users, r); }, http::Access::kAdmin);
  api.Get("/users/me", [&users](Request& r) { return Details(users, r, r.Caller().user_id); });
  api.Get("/users/me/quota", [&users](Request& r) {
    return QuotaResponse(users.GetQuota(r.Caller(), r.Caller().user_id));
  });
  api.Get("/users/:id",
          [&users](Request& r) { return Details(users, r, std::string(r.PathParam("id"))); });
  api.Patch("/users/:id", [&users](Request& r) { return UpdateUser(users, r); });
  api.Delete("/users/:id", [&users](Request& r) {
    auto st = users.Delete(r.Caller(), std::string(r.PathParam("id")));
    if (!st) return http::ErrorResponse(st.error());
    return http::SuccessResponse("user deleted");
  });
  api.Get("/users/:id/sessions", [&users](Request& r) {
    // The sessions list owns the filtering; this is the documented 307 to it.
    const std::string id(r.PathParam("id"));
    auto seen = users.Get(r.Caller(), id);
    if (!seen) return http::ErrorResponse(seen.error());
    Response res = http::JsonResponse(
        307, {{"message", "see the sessions list"}, {"location", "/api/v1/sessions?user=" + id}});
    res.SetHeader("Location", "/api/v1/sessions?user=" + id);
    return res;
  });
  api.Get("/users/:id/quota", [&users](Request& r) {
    return QuotaResponse(users.GetQuota(r.Caller(), std::string(r.PathParam("id"))));
  });
  api.Put("/users/:id/quota", [&users](Request& r) {
    return QuotaResponse(
        users.SetQuota(r.Caller(), std::string(r.PathParam("id")), QuotaFromBody(r.body)));
  });
  api.Get("/users/:id/groups", [&users](Request& r) {
    auto groups = users.Groups(r.Caller(), std::string(r.PathParam("id")));
    if (!groups) return http::ErrorResponse(groups.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& g : *groups) items.push_back(ToJson(g));
    return http::JsonResponse(200, {{"groups", items}, {"total", items.size()}});
  });

  http::RouteGroup admin(router, "/api/v1/admin", "users");
  admin.Get(
      "/quotas",
      [&users](Request& r) {
        auto list = users.ListQuotas(r.Caller());
        if (!list) return http::ErrorResponse(list.error());
        nlohmann::json items = nlohmann::json::array();
        for (const auto& q : *list) items.push_back(ToJson(q));
        return http::JsonResponse(200, {{"quotas", items}, {"total", items.size()}});
      },
      http::Access::kAdmin);
  admin.Get(
      "/quotas/:username",
      [&users](Request& r) {
        return QuotaResponse(
            users.GetQuotaByUsername(r.Caller(), std::string(r.PathParam("username"))));
      },
      http::Access::kAdmin);
  admin.Put(
      "/quotas", [&users](Request& r) { return SetAdminQuota(users, r); }, http::Access::kAdmin);
  admin.Delete(
      "/quotas/:username",
      [&users](Request& r) {
        auto st = users.DeleteQuotaByUsername(r.Caller(), std::string(r.PathParam("username")));
        if (!st) return http::ErrorResponse(st.error());
        return http::SuccessResponse("quota reset to defaults");
      },
      http::Access::kAdmin);
}

}  // namespace sp::users
