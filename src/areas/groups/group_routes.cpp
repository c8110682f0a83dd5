#include "areas/groups/group_routes.hpp"

#include <algorithm>

#include "areas/groups/group_json.hpp"
#include "http/json_reader.hpp"

namespace sp::groups {
namespace {

using http::Request;
using http::Response;

std::string Id(const Request& r) { return std::string(r.PathParam("id")); }
std::string UserId(const Request& r) { return std::string(r.PathParam("userId")); }

Response GroupResponse(const Result<Group>& g, int status = 200) {
  if (!g) return http::ErrorResponse(g.error());
  return http::JsonResponse(status, ToJson(*g));
}

Response QuotaResponse(const Result<GroupQuota>& q) {
  if (!q) return http::ErrorResponse(q.error());
  return http::JsonResponse(200, ToJson(*q));
}

Response Success(const Status& st, std::string_view message) {
  if (!st) return http::ErrorResponse(st.error());
  return http::SuccessResponse(message);
}

Response ListGroups(GroupService& groups, Request& req) {
  auto page = http::ParsePage(req.query);
  if (!page) return http::ErrorResponse(page.error());
  GroupFilter filter;
  if (auto type = req.query.Get("type")) {
    if (std::find(kGroupTypes.begin(), kGroupTypes.end(), *type) == kGroupTypes.end()) {
      return http::ErrorResponse(
          Error{Errc::kInvalidArgument,
                "query parameter 'type' must be one of: team, department, project",
                {},
                0});
    }
    filter.type = std::string(*type);
  }
  if (auto parent = req.query.Get("parentId")) filter.parent_id = std::string(*parent);
  if (auto search = req.query.Get("search")) filter.search = std::string(*search);
  auto list = groups.List(req.Caller(), std::move(filter), *page);
  if (!list) return http::ErrorResponse(list.error());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& g : list->groups) items.push_back(ToJson(g));
  return http::JsonResponse(200, http::PagedBody("groups", std::move(items), list->total, *page));
}

// Applies a SetQuotaRequest body over the current limits.
GroupService::QuotaUpdate QuotaFromBody(const std::string& body) {
  return [body](const quotas::QuotaLimits& current) -> Result<quotas::QuotaLimits> {
    http::JsonReader r(body);
    auto limits = quotas::ReadQuotaUpdate(r, current);
    if (auto st = r.Finish(); !st) return Fail(st.error());
    return limits;
  };
}

}  // namespace

void RegisterRoutes(http::Router& router, GroupService& groups) {
  http::RouteGroup api(router, "/api/v1", "groups");
  api.Get("/groups", [&groups](Request& r) { return ListGroups(groups, r); });
  api.Post(
      "/groups",
      [&groups](Request& r) {
        auto body = ParseCreateGroup(r.body);
        if (!body) return http::ErrorResponse(body.error());
        return GroupResponse(groups.Create(r.Caller(), std::move(*body)), 201);
      },
      http::Access::kAdmin);
  api.Get("/groups/:id",
          [&groups](Request& r) { return GroupResponse(groups.Get(r.Caller(), Id(r))); });
  api.Patch("/groups/:id", [&groups](Request& r) {
    auto body = ParseUpdateGroup(r.body);
    if (!body) return http::ErrorResponse(body.error());
    return GroupResponse(groups.Update(r.Caller(), Id(r), std::move(*body)));
  });
  api.Delete("/groups/:id", [&groups](Request& r) {
    return Success(groups.Delete(r.Caller(), Id(r)), "group deleted");
  });

  api.Get("/groups/:id/members", [&groups](Request& r) {
    auto members = groups.Members(r.Caller(), Id(r));
    if (!members) return http::ErrorResponse(members.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& m : *members) items.push_back(ToJson(m));
    return http::JsonResponse(200, {{"members", items}, {"total", items.size()}});
  });
  api.Post("/groups/:id/members", [&groups](Request& r) {
    auto body = ParseAddMember(r.body);
    if (!body) return http::ErrorResponse(body.error());
    return Success(groups.AddMember(r.Caller(), Id(r), std::move(*body)), "member added");
  });
  api.Delete("/groups/:id/members/:userId", [&groups](Request& r) {
    return Success(groups.RemoveMember(r.Caller(), Id(r), UserId(r)), "member removed");
  });
  api.Patch("/groups/:id/members/:userId", [&groups](Request& r) {
    auto role = ParseMemberRole(r.body);
    if (!role) return http::ErrorResponse(role.error());
    return Success(groups.SetMemberRole(r.Caller(), Id(r), UserId(r), *role),
                   "member role updated");
  });

  api.Get("/groups/:id/quota",
          [&groups](Request& r) { return QuotaResponse(groups.GetQuota(r.Caller(), Id(r))); });
  api.Put(
      "/groups/:id/quota",
      [&groups](Request& r) {
        return QuotaResponse(groups.SetQuota(r.Caller(), Id(r), QuotaFromBody(r.body)));
      },
      http::Access::kOperator);
}

}  // namespace sp::groups
