#include "areas/agents/agent_routes.hpp"

#include "areas/agents/agent_json.hpp"

namespace sp::agents {
namespace {

using http::Access;
using http::Request;
using http::Response;

std::string Id(const Request& r) { return std::string(r.PathParam("agent_id")); }

std::string_view BearerKey(const Request& r) {
  std::string_view h = r.Header("authorization");
  if (h.size() > 7 && (h.substr(0, 7) == "Bearer " || h.substr(0, 7) == "bearer ")) {
    return h.substr(7);
  }
  return {};
}

Response AgentResponse(AgentService& agents, const Result<Agent>& a, int status = 200) {
  if (!a) return http::ErrorResponse(a.error());
  return http::JsonResponse(status, ToJson(*a, agents.IsConnected(a->agent_id)));
}

Response KeyResponse(AgentService& agents, const Result<IssuedAgentKey>& issued,
                     std::string_view message) {
  if (!issued) return http::ErrorResponse(issued.error());
  return http::JsonResponse(
      200, {{"agent", ToJson(issued->agent, agents.IsConnected(issued->agent.agent_id))},
            {"apiKey", issued->key},
            {"message", message}});
}

Response RegisterHandler(AgentService& agents, Request& req) {
  auto body = ParseRegister(req.body);
  if (!body) return http::ErrorResponse(body.error());
  auto r = agents.Register(*body, BearerKey(req));
  if (!r) return http::ErrorResponse(r.error());
  return http::JsonResponse(r->second ? 201 : 200,
                            ToJson(r->first, agents.IsConnected(r->first.agent_id)));
}

Response HeartbeatHandler(AgentService& agents, Request& req) {
  http::JsonReader r(req.body);
  auto st = r.String("status", {.required = true, .one_of = {"online", "draining"}});
  auto active = r.Int("activeSessions", {.min = 0, .max = 100000});
  if (auto fin = r.Finish(); !fin) return http::ErrorResponse(fin.error());
  std::optional<protocol::Capacity> cap;
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (auto it = j.find("capacity"); it != j.end() && it->is_object()) {
    cap = protocol::CapacityFromJson(*it);
  }
  return AgentResponse(agents, agents.Heartbeat(Id(req), BearerKey(req), *st == "draining",
                                                active.value_or(0), cap));
}

Response CommandHandler(AgentService& agents, Request& req) {
  http::JsonReader r(req.body);
  auto action = r.String(
      "action", {.required = true,
                 .one_of = {"start_session", "stop_session", "hibernate_session", "wake_session"}});
  auto session = r.String("sessionId", {.min = 1, .max = 100});
  if (auto fin = r.Finish(); !fin) return http::ErrorResponse(fin.error());
  nlohmann::json payload = nlohmann::json::object();
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (auto it = j.find("payload"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      return http::ErrorResponse(400, "invalid_request", "field 'payload': must be an object");
    }
    payload = *it;
  }
  auto cmd = agents.SendCommand(req.Caller(), Id(req), *action, session.value_or(""), payload);
  if (!cmd) return http::ErrorResponse(cmd.error());
  return http::JsonResponse(201, ToJson(*cmd));
}

}  // namespace

void RegisterRoutes(http::Router& router, AgentService& agents) {
  http::RouteGroup api(router, "/api/v1", "agents");
  // Self-service: an unknown agent may register (it then waits for approval); everything
  // else an agent does needs its key.
  api.Post(
      "/agents/register", [&agents](Request& r) { return RegisterHandler(agents, r); },
      Access::kPublic);
  api.Post(
      "/agents/:agent_id/heartbeat", [&agents](Request& r) { return HeartbeatHandler(agents, r); },
      Access::kPublic);

  api.Get(
      "/agents",
      [&agents](Request& r) {
        AgentFilter f;
        if (auto v = r.query.Get("platform")) f.platform = std::string(*v);
        if (auto v = r.query.Get("status")) f.status = std::string(*v);
        if (auto v = r.query.Get("region")) f.region = std::string(*v);
        auto list = agents.List(r.Caller(), f);
        if (!list) return http::ErrorResponse(list.error());
        nlohmann::json items = nlohmann::json::array();
        for (const auto& a : *list) items.push_back(ToJson(a, agents.IsConnected(a.agent_id)));
        return http::JsonResponse(200, {{"agents", items}, {"total", items.size()}});
      },
      Access::kOperator);
  api.Get(
      "/agents/:agent_id",
      [&agents](Request& r) { return AgentResponse(agents, agents.Get(r.Caller(), Id(r))); },
      Access::kOperator);
  api.Delete(
      "/agents/:agent_id",
      [&agents](Request& r) {
        auto st = agents.Deregister(r.Caller(), Id(r));
        if (!st) return http::ErrorResponse(st.error());
        return http::SuccessResponse("agent deregistered");
      },
      Access::kAdmin);
  api.Patch(
      "/agents/:agent_id",
      [&agents](Request& r) {
        http::JsonReader body(r.body);
        auto draining = body.Bool("draining", true);
        if (auto fin = body.Finish(); !fin) return http::ErrorResponse(fin.error());
        return AgentResponse(agents, agents.SetDraining(r.Caller(), Id(r), *draining));
      },
      Access::kAdmin);
  api.Post(
      "/agents/:agent_id/command", [&agents](Request& r) { return CommandHandler(agents, r); },
      Access::kAdmin);
  api.Get(
      "/agents/:agent_id/commands",
      [&agents](Request& r) {
        auto list = agents.Commands(r.Caller(), Id(r));
        if (!list) return http::ErrorResponse(list.error());
        nlohmann::json items = nlohmann::json::array();
        for (const auto& c : *list) items.push_back(ToJson(c));
        return http::JsonResponse(200, {{"commands", items}, {"total", items.size()}});
      },
      Access::kOperator);
  api.Post(
      "/agents/:agent_id/approve",
      [&agents](Request& r) {
        return KeyResponse(agents, agents.Approve(r.Caller(), Id(r)),
                           "Agent approved. Give it this key now: it will not be shown again.");
      },
      Access::kAdmin);
  api.Post(
      "/agents/:agent_id/reject",
      [&agents](Request& r) { return AgentResponse(agents, agents.Reject(r.Caller(), Id(r))); },
      Access::kAdmin);

  http::RouteGroup admin(router, "/api/v1/admin", "agents");
  admin.Post(
      "/agents/:agent_id/generate-key",
      [&agents](Request& r) {
        return KeyResponse(
            agents, agents.IssueKey(r.Caller(), Id(r), false),
            "New agent key: it will not be shown again; the previous key no longer works.");
      },
      Access::kAdmin);
  admin.Post(
      "/agents/:agent_id/rotate-key",
      [&agents](Request& r) {
        return KeyResponse(agents, agents.IssueKey(r.Caller(), Id(r), true),
                           "Key rotated: the previous key stopped working at once.");
      },
      Access::kAdmin);
}

}  // namespace sp::agents
