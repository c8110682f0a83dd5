#include "areas/session_events/session_event_routes.hpp"

#include "areas/session_events/session_event_json.hpp"

namespace sp::session_events {
namespace {

using http::Request;
using http::Response;

nlohmann::json Items(const std::vector<Event>& events) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& e : events) items.push_back(ToJson(e));
  return items;
}

Response LogEvent(SessionEventService& events, Request& req) {
  auto body = ParseLogEvent(req.body);
  if (!body) return http::ErrorResponse(body.error());
  auto event = events.Log(req.Caller(), std::string(req.PathParam("id")), std::move(*body),
                          req.client_ip, std::string(req.Header("user-agent")));
  if (!event) return http::ErrorResponse(event.error());
  return http::JsonResponse(201, ToJson(*event));
}

Response Timeline(SessionEventService& events, Request& req) {
  auto page = http::ParsePage(req.query);
  if (!page) return http::ErrorResponse(page.error());
  auto filter = ParseEventFilter(req.query);
  if (!filter) return http::ErrorResponse(filter.error());
  const std::string id(req.PathParam("id"));
  auto list = events.Timeline(req.Caller(), id, *filter, *page);
  if (!list) return http::ErrorResponse(list.error());
  nlohmann::json body = http::PagedBody("events", Items(list->events), list->total, *page);
  body["sessionId"] = id;
  return http::JsonResponse(200, body);
}

Response Stats(SessionEventService& events, Request& req) {
  auto stats = events.Stats(req.Caller(), std::string(req.PathParam("id")));
  if (!stats) return http::ErrorResponse(stats.error());
  return http::JsonResponse(200, ToJson(*stats));
}

Response Export(SessionEventService& events, Request& req) {
  auto format = ParseExportFormat(req.query);
  if (!format) return http::ErrorResponse(format.error());
  auto filter = ParseEventFilter(req.query);
  if (!filter) return http::ErrorResponse(filter.error());
  const std::string id(req.PathParam("id"));
  auto exported = events.Export(req.Caller(), id, *filter);
  if (!exported) return http::ErrorResponse(exported.error());
  Response res;
  if (*format == ExportFormat::kCsv) {
    res = http::TextResponse(200, "text/csv; charset=utf-8", ToCsv(exported->events));
    res.SetHeader("Content-Disposition", ExportDisposition(id, "csv"));
  } else {
    const auto count = static_cast<int64_t>(exported->events.size());
    res = http::JsonResponse(200, {{"sessionId", id},
                                   {"events", Items(exported->events)},
                                   {"total", count},
                                   {"truncated", exported->truncated}});
    res.SetHeader("Content-Disposition", ExportDisposition(id, "json"));
  }
  if (exported->truncated) res.SetHeader("X-Export-Truncated", "true");
  return res;
}

Response UserActivity(SessionEventService& events, Request& req) {
  auto page = http::ParsePage(req.query);
  if (!page) return http::ErrorResponse(page.error());
  auto filter = ParseEventFilter(req.query);
  if (!filter) return http::ErrorResponse(filter.error());
  const std::string user_id(req.PathParam("id"));
  auto list = events.UserActivity(req.Caller(), user_id, *filter, *page);
  if (!list) return http::ErrorResponse(list.error());
  nlohmann::json body = http::PagedBody("events", Items(list->events), list->total, *page);
  body["userId"] = user_id;
  return http::JsonResponse(200, body);
}

}  // namespace

void RegisterRoutes(http::Router& router, SessionEventService& events) {
  http::RouteGroup api(router, "/api/v1", "sessions");
  api.Post("/sessions/:id/activity/log", [&events](Request& r) { return LogEvent(events, r); });
  api.Get("/sessions/:id/activity/timeline", [&events](Request& r) { return Timeline(events, r); });
  api.Get("/sessions/:id/activity/stats", [&events](Request& r) { return Stats(events, r); });
  api.Get("/sessions/:id/activity/export", [&events](Request& r) { return Export(events, r); });
  api.Get("/users/:id/session-activity", [&events](Request& r) { return UserActivity(events, r); });
}

}  // namespace sp::session_events
