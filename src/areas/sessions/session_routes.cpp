#include "areas/sessions/session_routes.hpp"

#include "areas/sessions/session_json.hpp"

namespace sp::sessions {
namespace {

using http::Request;
using http::Response;

std::string Id(const Request& r) { return std::string(r.PathParam("id")); }

Response SessionResponse(const Result<Session>& s, int status = 200) {
  if (!s) return http::ErrorResponse(s.error());
  return http::JsonResponse(status, ToJson(*s));
}

Response ListHandler(SessionService& sessions, Request& req) {
  auto page = http::ParsePage(req.query);
  if (!page) return http::ErrorResponse(page.error());
  SessionFilter f;
  if (auto v = req.query.Get("user")) f.user_id = std::string(*v);
  if (auto v = req.query.Get("state")) f.state = std::string(*v);
  if (auto v = req.query.Get("tag")) f.tag = std::string(*v);
  auto all = http::ParseBoolParam(req.query, "all");
  if (!all) return http::ErrorResponse(all.error());
  f.include_stopped = all->value_or(false);
  auto list = sessions.List(req.Caller(), f, *page);
  if (!list) return http::ErrorResponse(list.error());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& s : list->sessions) items.push_back(ToJson(s));
  return http::JsonResponse(200, http::PagedBody("sessions", std::move(items), list->total, *page));
}

}  // namespace

void RegisterRoutes(http::Router& router, SessionService& sessions) {
  http::RouteGroup api(router, "/api/v1", "sessions");
  api.Post("/sessions", [&sessions](Request& r) {
    auto body = ParseCreate(r.body);
    if (!body) return http::ErrorResponse(body.error());
    return SessionResponse(sessions.Create(r.Caller(), *body), 201);
  });
  api.Get("/sessions", [&sessions](Request& r) { return ListHandler(sessions, r); });
  api.Get("/sessions/:id",
          [&sessions](Request& r) { return SessionResponse(sessions.Get(r.Caller(), Id(r))); });
  api.Patch("/sessions/:id", [&sessions](Request& r) {
    auto body = ParseUpdate(r.body);
    if (!body) return http::ErrorResponse(body.error());
    return SessionResponse(sessions.Update(r.Caller(), Id(r), *body));
  });
  api.Delete("/sessions/:id", [&sessions](Request& r) {
    return SessionResponse(sessions.Delete(r.Caller(), Id(r)), 202);
  });
  api.Post("/sessions/:id/hibernate", [&sessions](Request& r) {
    return SessionResponse(sessions.Hibernate(r.Caller(), Id(r)), 202);
  });
  api.Post("/sessions/:id/wake", [&sessions](Request& r) {
    return SessionResponse(sessions.Wake(r.Caller(), Id(r)), 202);
  });
  api.Get("/sessions/:id/connect", [&sessions](Request& r) {
    auto info = sessions.Connect(r.Caller(), Id(r));
    if (!info) return http::ErrorResponse(info.error());
    return http::JsonResponse(200, ToJson(*info, r.Header("host")));
  });
  api.Post("/sessions/:id/heartbeat", [&sessions](Request& r) {
    auto s = sessions.Heartbeat(r.Caller(), Id(r));
    if (!s) return http::ErrorResponse(s.error());
    return http::JsonResponse(200, {{"sessionId", s->id},
                                    {"lastActivity", s->last_activity.value_or("")},
                                    {"message", "heartbeat recorded"}});
  });
  api.Get("/sessions/:id/activity", [&sessions](Request& r) {
    auto a = sessions.GetActivity(r.Caller(), Id(r));
    if (!a) return http::ErrorResponse(a.error());
    return http::JsonResponse(200, ToJson(*a));
  });
}

}  // namespace sp::sessions
