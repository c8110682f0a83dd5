#include "areas/templates/template_routes.hpp"

#include <algorithm>

#include "areas/templates/template_json.hpp"

namespace sp::templates {
namespace {

using http::Request;
using http::Response;

std::string Id(const Request& r) { return std::string(r.PathParam("id")); }

Response TemplateResponse(const Result<Template>& t, int status = 200) {
  if (!t) return http::ErrorResponse(t.error());
  return http::JsonResponse(status, ToJson(*t));
}

Response ListTemplates(TemplateService& templates, Request& req) {
  auto page = http::ParsePage(req.query);
  if (!page) return http::ErrorResponse(page.error());
  TemplateFilter filter;
  if (auto category = req.query.Get("category")) filter.category = std::string(*category);
  if (auto tag = req.query.Get("tag")) filter.tag = std::string(*tag);
  if (auto search = req.query.Get("search")) filter.search = std::string(*search);
  if (auto app_type = req.query.Get("appType")) {
    if (std::find(kAppTypes.begin(), kAppTypes.end(), *app_type) == kAppTypes.end()) {
      return http::ErrorResponse(Error{Errc::kInvalidArgument,
                                       "query parameter 'appType' must be one of: desktop, webapp",
                                       {},
                                       0});
    }
    filter.app_type = std::string(*app_type);
  }
  auto enabled = http::ParseBoolParam(req.query, "enabled");
  if (!enabled) return http::ErrorResponse(enabled.error());
  filter.enabled = *enabled;
  auto list = templates.List(req.Caller(), std::move(filter), *page);
  if (!list) return http::ErrorResponse(list.error());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& t : list->templates) items.push_back(ToJson(t));
  return http::JsonResponse(200,
                            http::PagedBody("templates", std::move(items), list->total, *page));
}

}  // namespace

void RegisterRoutes(http::Router& router, TemplateService& templates) {
  http::RouteGroup api(router, "/api/v1", "templates");
  api.Get("/templates", [&templates](Request& r) { return ListTemplates(templates, r); });
  api.Post(
      "/templates",
      [&templates](Request& r) {
        auto body = ParseCreateTemplate(r.body);
        if (!body) return http::ErrorResponse(body.error());
        return TemplateResponse(templates.Create(r.Caller(), std::move(*body)), 201);
      },
      http::Access::kAdmin);
  api.Get("/templates/:id",
          [&templates](Request& r) { return TemplateResponse(templates.Get(r.Caller(), Id(r))); });
  api.Patch(
      "/templates/:id",
      [&templates](Request& r) {
        auto body = ParseUpdateTemplate(r.body);
        if (!body) return http::ErrorResponse(body.error());
        return TemplateResponse(templates.Update(r.Caller(), Id(r), std::move(*body)));
      },
      http::Access::kAdmin);
  api.Delete(
      "/templates/:id",
      [&templates](Request& r) {
        auto st = templates.Delete(r.Caller(), Id(r));
        if (!st) return http::ErrorResponse(st.error());
        return http::SuccessResponse("template deleted");
      },
      http::Access::kAdmin);
}

}  // namespace sp::templates
