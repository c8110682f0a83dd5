#include "areas/apikeys/api_key_routes.hpp"

#include "areas/apikeys/api_key_json.hpp"

namespace sp::apikeys {
namespace {

using http::Request;
using http::Response;

Response KeyResponse(const Result<ApiKey>& k) {
  if (!k) return http::ErrorResponse(k.error());
  return http::JsonResponse(200, ToJson(*k));
}

std::string Id(const Request& r) { return std::string(r.PathParam("id")); }

}  // namespace

void RegisterRoutes(http::Router& router, ApiKeyService& keys) {
  http::RouteGroup api(router, "/api/v1", "apikeys");
  api.Post("/apikeys", [&keys](Request& r) {
    auto body = ParseCreate(r.body);
    if (!body) return http::ErrorResponse(body.error());
    auto issued = keys.Create(r.Caller(), std::move(*body));
    if (!issued) return http::ErrorResponse(issued.error());
    return http::JsonResponse(201, IssuedJson(*issued));
  });
  api.Get("/apikeys", [&keys](Request& r) {
    auto list = keys.ListOwn(r.Caller());
    if (!list) return http::ErrorResponse(list.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& k : *list) items.push_back(ToJson(k));
    return http::JsonResponse(200, {{"apiKeys", items}, {"total", items.size()}});
  });
  api.Get("/apikeys/:id", [&keys](Request& r) { return KeyResponse(keys.Get(r.Caller(), Id(r))); });
  api.Put("/apikeys/:id", [&keys](Request& r) {
    auto body = ParseUpdate(r.body);
    if (!body) return http::ErrorResponse(body.error());
    return KeyResponse(keys.Update(r.Caller(), Id(r), std::move(*body)));
  });
  api.Delete("/apikeys/:id", [&keys](Request& r) {
    auto st = keys.Delete(r.Caller(), Id(r));
    if (!st) return http::ErrorResponse(st.error());
    return http::SuccessResponse("API key deleted");
  });
  api.Post("/apikeys/:id/revoke",
           [&keys](Request& r) { return KeyResponse(keys.Revoke(r.Caller(), Id(r))); });
  api.Post("/apikeys/:id/rotate", [&keys](Request& r) {
    auto issued = keys.Rotate(r.Caller(), Id(r));
    if (!issued) return http::ErrorResponse(issued.error());
    return http::JsonResponse(200, IssuedJson(*issued));
  });
  api.Get("/apikeys/:id/usage", [&keys](Request& r) {
    auto k = keys.Get(r.Caller(), Id(r));
    if (!k) return http::ErrorResponse(k.error());
    return http::JsonResponse(200, UsageJson(*k));
  });

  http::RouteGroup admin(router, "/api/v1/admin", "apikeys");
  admin.Get(
      "/apikeys",
      [&keys](Request& r) {
        auto page = http::ParsePage(r.query);
        if (!page) return http::ErrorResponse(page.error());
        auto list = keys.ListAll(r.Caller(), *page);
        if (!list) return http::ErrorResponse(list.error());
        nlohmann::json items = nlohmann::json::array();
        for (const auto& k : list->keys) {
          nlohmann::json j = ToJson(k);
          j["username"] = k.username;
          items.push_back(std::move(j));
        }
        return http::JsonResponse(200,
                                  http::PagedBody("apiKeys", std::move(items), list->total, *page));
      },
      http::Access::kAdmin);
}

}  // namespace sp::apikeys
