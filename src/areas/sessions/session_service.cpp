#include "areas/sessions/session_service.hpp"

#include <algorithm>

#include "areas/audit/audit_recorder.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"
#include "common/time_format.hpp"

namespace sp::sessions {

namespace ev = session_events;
using nlohmann::json;

namespace {

Error NotFound() { return Error{Errc::kNotFound, "session not found", {}, 0}; }

bool IsLive(std::string_view s) { return s != state::kStopped && s != state::kFailed; }

// The platforms that can run a template: the local one runs commands, containers need an
// image.
std::vector<std::string> PlatformsFor(const templates::Template& t) {
  std::vector<std::string> out;
  if (!t.command.empty()) out.emplace_back("local");
  if (!t.image.empty()) {
    out.emplace_back("docker");
    out.emplace_back("kubernetes");
  }
  return out;
}

std::string_view EventForState(std::string_view to) {
  if (to == state::kRunning) return ev::kSessionStarted;
  if (to == state::kHibernated) return ev::kSessionHibernated;
  if (to == state::kStopped) return ev::kSessionStopped;
  if (to == state::kFailed) return ev::kErrorOccurred;
  return ev::kStateChanged;
}

// The hub event of a move; the intermediate states are plain updates.
std::string_view NoticeFor(std::string_view from, std::string_view to) {
  if (to == state::kRunning) return from == state::kWaking ? notice::kWoken : notice::kStarted;
  if (to == state::kHibernated) return notice::kHibernated;
  if (to == state::kStopped) return notice::kStopped;
  return notice::kUpdated;
}

}  // namespace

void SessionService::Event(db::Conn& c, const Session& s, std::string_view type,
                           std::string description, const std::optional<std::string>& user_id,
                           json metadata) {
  ev::EventInput e;
  e.session_id = s.id;
  e.user_id = user_id;
  e.event_type = std::string(type);
  e.description = std::move(description);
  e.metadata = metadata.is_object() ? std::move(metadata) : json::object();
  events_.Record(c, e);
}

void SessionService::Notify(db::Conn& c, std::string_view event, const Session& s) {
  if (watcher_ == nullptr) return;
  c.AfterCommit([watcher = watcher_, event, s] { watcher->OnSessionChanged(event, s); });
}

Status SessionService::Move(db::Conn& c, Session& s, std::string_view to, std::string reason,
                            const std::optional<std::string>& actor) {
  if (auto st = CheckTransition(s.state, to); !st) return st;
  const std::string from = s.state;
  const std::string now = FormatTime(clock_.Now());
  s.state = std::string(to);
  s.state_reason = std::move(reason);
  s.updated_at = now;
  if (to == state::kRunning) {
    s.started_at = now;
    s.last_activity = now;  // the idle clock starts when the session does
    s.hibernated_at.reset();
  } else if (to == state::kHibernated) {
    s.hibernated_at = now;
  } else if (to == state::kStopped) {
    s.stopped_at = now;
  }
  repo_.Update(c, s);
  Event(c, s, EventForState(to), s.state_reason.empty() ? from + " -> " + s.state : s.state_reason,
        actor, {{"from", from}, {"to", s.state}});
  Notify(c, NoticeFor(from, to), s);
  return Ok();
}

Result<Session> SessionService::FindVisible(db::Conn& c, const auth::Principal& who,
                                            const std::string& id) {
  auto s = repo_.Find(c, id);
  if (!s || (s->user_id != who.user_id && !who.IsOperator())) return Fail(NotFound());
  return *s;
}

Result<Session> SessionService::FindManageable(db::Conn& c, const auth::Principal& who,
                                               const std::string& id) {
  auto s = FindVisible(c, who, id);
  if (!s) return s;
  if (s->user_id != who.user_id && !who.IsAdmin()) {
    return Fail(Errc::kPermissionDenied, "only the owner or an admin may change this session");
  }
  return s;
}

Result<protocol::SessionSpec> SessionService::SpecFor(db::Conn& c, const Session& s) {
  // A template disabled since the session started does not stop it from waking.
  auto t = templates_.FindAny(c, s.template_id);
  if (!t) return Fail(Errc::kFailedPrecondition, "the session's template no longer exists");
  protocol::SessionSpec spec;
  spec.session_id = s.id;
  spec.user_id = s.user_id;
  spec.username = s.username;
  spec.template_name = t->name;
  spec.command = t->command;
  spec.image = t->image;
  spec.protocol = t->protocol;
  spec.http_port = static_cast<int>(t->http_port);
  spec.http_path = t->http_path;
  spec.cpu_millicores = s.cpu_millicores;
  spec.memory_mib = s.memory_mib;
  spec.env = t->env;
  spec.persistent_home = t->persistent_home;
  spec.home_key = s.user_id + "/" + t->name;
  return spec;
}

Status SessionService::Dispatch(db::Conn& c, Session& s, std::string_view action) {
  if (!s.agent_id) return Fail(Errc::kFailedPrecondition, "session has no agent");
  json payload = json::object();
  if (action == protocol::action::kStartSession || action == protocol::action::kWakeSession) {
    auto spec = SpecFor(c, s);
    if (!spec) return Fail(spec.error());
    payload = protocol::ToJson(*spec);
  }
  agents_.Enqueue(c, *s.agent_id, action, s.id, std::move(payload));
  return Ok();
}

Result<Session> SessionService::Create(const auth::Principal& who,
                                       const CreateSessionRequest& req) {
  std::string agent_id;
  auto created = db_.Transaction([&](db::Conn& c) -> Result<Session> {
    auto t = templates_.Find(c, req.template_ref);
    if (!t) {
      return Fail(Errc::kInvalidArgument,
                  "field 'template': no template named '" + req.template_ref + "'");
    }
    Session s;
    s.id = NewId();
    s.user_id = who.user_id;
    s.username = who.username;
    s.template_id = t->id;
    s.template_name = t->name;
    s.tags = req.tags;
    s.cpu_millicores = req.cpu_millicores.value_or(t->cpu_millicores);
    s.memory_mib = req.memory_mib.value_or(t->memory_mib);
    s.idle_timeout_s = req.idle_timeout_s.value_or(t->idle_timeout_s);
    s.protocol = t->protocol;

    // Quotas: the user's override or the defaults (spec 22.4: pending, starting and
    // running sessions count, with their requested resources).
    quotas::QuotaLimits limits = quotas::kDefaultUserLimits;
    if (auto q = users_.FindQuota(c, who.user_id)) limits = q->limits;
    const quotas::QuotaLimits used = repo_.Usage(c, who.user_id);
    if (used.max_sessions + 1 > limits.max_sessions) {
      return Fail(Errc::kPermissionDenied,
                  "session quota exceeded: " + std::to_string(used.max_sessions) + " of " +
                      std::to_string(limits.max_sessions) + " sessions in use");
    }
    if (used.cpu_millicores + s.cpu_millicores > limits.cpu_millicores) {
      return Fail(Errc::kPermissionDenied,
                  "CPU quota exceeded: " + quotas::FormatCpu(used.cpu_millicores) + " in use, " +
                      quotas::FormatCpu(s.cpu_millicores) + " requested, limit " +
                      quotas::FormatCpu(limits.cpu_millicores));
    }
    if (used.memory_mib + s.memory_mib > limits.memory_mib) {
      return Fail(Errc::kPermissionDenied,
                  "memory quota exceeded: " + quotas::FormatMemory(used.memory_mib) + " in use, " +
                      quotas::FormatMemory(s.memory_mib) + " requested, limit " +
                      quotas::FormatMemory(limits.memory_mib));
    }

    // Placement: the least loaded online agent with room, among those connected here.
    std::vector<AgentLoad> candidates = repo_.Candidates(c, PlatformsFor(*t));
    std::erase_if(candidates, [&](const AgentLoad& a) {
      return (a.max_sessions > 0 && a.live_sessions >= a.max_sessions) ||
             !agents_.IsConnected(a.agent_id);
    });
    if (candidates.empty()) {
      return Fail(Errc::kUnavailable,
                  "no agent is available to run '" + t->name +
                      "': every agent that can run it is offline, draining or full");
    }
    const auto best = std::min_element(
        candidates.begin(), candidates.end(),
        [](const AgentLoad& a, const AgentLoad& b) { return a.live_sessions < b.live_sessions; });
    agent_id = best->agent_id;
    s.agent_id = agent_id;
    s.created_at = s.updated_at = FormatTime(clock_.Now());
    s.state = std::string(state::kPending);
    repo_.Insert(c, s);
    Notify(c, notice::kCreated, s);
    Event(c, s, ev::kSessionCreated, "session created from template " + t->name, who.user_id,
          {{"template", t->name}, {"agent", agent_id}});
    if (auto st = Dispatch(c, s, protocol::action::kStartSession); !st) return Fail(st.error());
    audit::Record(
        c, clock_, &who,
        {"session.create", "session", s.id, {{"template", t->name}, {"agent", agent_id}}});
    return s;
  });
  if (created) agents_.Flush(agent_id);
  return created;
}

Result<SessionPage> SessionService::List(const auth::Principal& who, SessionFilter filter,
                                         const http::Page& page) {
  if (!who.IsOperator()) {
    if (filter.user_id && *filter.user_id != who.user_id) {
      return SessionPage{};  // other users' sessions: nothing to see
    }
    filter.user_id = who.user_id;
  }
  if (filter.state && !IsValidState(*filter.state)) {
    return Fail(Errc::kInvalidArgument,
                "query parameter 'state': unknown state '" + *filter.state + "'");
  }
  return db_.Read([&](db::Conn& c) -> Result<SessionPage> {
    SessionPage out;
    out.sessions = repo_.List(c, filter, page, out.total);
    return out;
  });
}

Result<Session> SessionService::Get(const auth::Principal& who, const std::string& id) {
  return db_.Read([&](db::Conn& c) { return FindVisible(c, who, id); });
}

Result<Session> SessionService::ChangeState(const auth::Principal& who, const std::string& id,
                                            std::string_view to) {
  std::string agent_id;
  auto result = db_.Transaction([&](db::Conn& c) -> Result<Session> {
    auto s = FindManageable(c, who, id);
    if (!s) return s;
    std::string_view action = to == state::kHibernating ? protocol::action::kHibernateSession
                              : to == state::kWaking    ? protocol::action::kWakeSession
                                                        : protocol::action::kDeleteSession;
    if (to == state::kStopping && s->state == state::kFailed && !s->agent_id) {
      if (auto st = Move(c, *s, state::kStopped, "deleted", who.user_id); !st) {
        return Fail(st.error());
      }
      return s;
    }
    if (auto st = Move(c, *s, to, "requested by " + who.username, who.user_id); !st) {
      return Fail(st.error());
    }
    if (auto st = Dispatch(c, *s, action); !st) return Fail(st.error());
    agent_id = s->agent_id.value_or("");
    audit::Record(c, clock_, &who, {"session." + std::string(action), "session", id});
    return s;
  });
  if (result && !agent_id.empty()) agents_.Flush(agent_id);
  return result;
}

Result<Session> SessionService::Hibernate(const auth::Principal& who, const std::string& id) {
  return ChangeState(who, id, state::kHibernating);
}

Result<Session> SessionService::Wake(const auth::Principal& who, const std::string& id) {
  return ChangeState(who, id, state::kWaking);
}

Result<Session> SessionService::Delete(const auth::Principal& who, const std::string& id) {
  return ChangeState(who, id, state::kStopping);
}

Result<Session> SessionService::Update(const auth::Principal& who, const std::string& id,
                                       const UpdateSessionRequest& req) {
  if (req.state) {
    if (*req.state != state::kHibernated && *req.state != state::kRunning) {
      return Fail(Errc::kInvalidArgument, "field 'state': must be one of: hibernated, running");
    }
  }
  if (req.tags || req.cpu_millicores || req.memory_mib || req.idle_timeout_s) {
    auto updated = db_.Transaction([&](db::Conn& c) -> Result<Session> {
      auto s = FindManageable(c, who, id);
      if (!s) return s;
      json changes = json::object();
      if (req.tags) {
        s->tags = *req.tags;
        changes["tags"] = *req.tags;
        Event(c, *s, ev::kTagsUpdated, "tags updated", who.user_id, {{"tags", *req.tags}});
      }
      if (req.cpu_millicores || req.memory_mib) {
        // Resources apply from the next start or wake.
        if (req.cpu_millicores) s->cpu_millicores = *req.cpu_millicores;
        if (req.memory_mib) s->memory_mib = *req.memory_mib;
        changes["resources"] = {{"cpu", quotas::FormatCpu(s->cpu_millicores)},
                                {"memory", quotas::FormatMemory(s->memory_mib)}};
        Event(c, *s, ev::kResourcesUpdated, "resources updated", who.user_id, changes["resources"]);
      }
      if (req.idle_timeout_s) {
        s->idle_timeout_s = *req.idle_timeout_s;
        changes["idleTimeout"] = *req.idle_timeout_s;
        Event(c, *s, ev::kConfigUpdated, "idle timeout updated", who.user_id,
              {{"idleTimeout", *req.idle_timeout_s}});
      }
      s->updated_at = FormatTime(clock_.Now());
      repo_.Update(c, *s);
      Notify(c, notice::kUpdated, *s);
      audit::Record(c, clock_, &who, {"session.update", "session", id, changes});
      return s;
    });
    if (!updated) return updated;
  }
  if (req.state) {
    auto current = Get(who, id);
    if (!current) return current;
    if (*req.state == state::kHibernated && current->state != state::kHibernated &&
        current->state != state::kHibernating) {
      return Hibernate(who, id);
    }
    if (*req.state == state::kRunning && current->state != state::kRunning &&
        current->state != state::kWaking) {
      return Wake(who, id);
    }
    return current;
  }
  return Get(who, id);
}

Result<ConnectInfo> SessionService::Connect(const auth::Principal& who, const std::string& id) {
  auto s = Get(who, id);
  if (!s) return Fail(s.error());
  if (s->user_id != who.user_id && !who.IsAdmin()) {
    return Fail(Errc::kPermissionDenied, "only the owner or an admin may connect");
  }
  if (s->state == state::kHibernated) {
    auto woken = Wake(who, id);
    if (!woken) return Fail(woken.error());
    s = woken;
  }
  if (!IsLive(s->state) || s->state == state::kStopping || s->state == state::kHibernating) {
    return Fail(Errc::kFailedPrecondition, "cannot connect: the session is " + s->state);
  }
  const TimePoint expires = clock_.Now() + options_.connect_token_ttl;
  auto token = tokens_.EncodeViewer({who.user_id, id, false, expires});
  if (!token) return Fail(token.error());
  ConnectInfo info;
  info.token = *token;
  // VNC: a WebSocket for noVNC. HTTP: the web app's page, through the HTTP proxy, which
  // trades the token for a cookie scoped to the session's path.
  info.path = s->protocol == "http" ? "/api/v1/http/" + id + "/?token=" + *token
                                    : "/api/v1/sessions/" + id + "/vnc?token=" + *token;
  info.protocol = s->protocol;
  info.expires_at = FormatTime(expires);
  info.state = s->state;
  return info;
}

Result<Session> SessionService::Heartbeat(const auth::Principal& who, const std::string& id) {
  return db_.Transaction([&](db::Conn& c) -> Result<Session> {
    auto s = FindVisible(c, who, id);
    if (!s) return s;
    if (s->state != state::kRunning) {
      return Fail(Errc::kFailedPrecondition, "heartbeat ignored: the session is " + s->state);
    }
    const std::string now = FormatTime(clock_.Now());
    repo_.TouchActivity(c, id, now);
    s->last_activity = now;
    return s;
  });
}

Result<Activity> SessionService::GetActivity(const auth::Principal& who, const std::string& id) {
  auto s = Get(who, id);
  if (!s) return Fail(s.error());
  Activity a;
  a.session_id = s->id;
  a.last_activity = s->last_activity;
  a.idle_threshold_s = s->idle_timeout_s;
  a.viewers = viewers_ != nullptr ? viewers_->Viewers(id) : 0;
  if (s->last_activity) {
    if (auto t = ParseTime(*s->last_activity)) {
      a.idle_duration_s = std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::seconds>(clock_.Now() - *t).count());
    }
  }
  if (a.viewers > 0) a.idle_duration_s = 0;  // an open viewer is activity
  const bool running = s->state == state::kRunning;
  a.is_idle = running && a.idle_duration_s >= a.idle_threshold_s;
  a.is_active = running && !a.is_idle;
  a.should_hibernate = a.is_idle;
  return a;
}

Result<ViewerGrant> SessionService::AuthorizeViewer(std::string_view token,
                                                    const std::string& session_id) {
  auto claims = tokens_.DecodeViewer(token);
  if (!claims) return Fail(claims.error());
  if (claims->session_id != session_id) {
    return Fail(Errc::kPermissionDenied, "the token is for another session");
  }
  return db_.Read([&](db::Conn& c) -> Result<ViewerGrant> {
    auto user = users_.FindById(c, claims->user_id);
    if (!user || !user->active) return Fail(Errc::kUnauthenticated, "the token's user is inactive");
    auto s = repo_.Find(c, session_id);
    if (!s) return Fail(NotFound());
    if (s->user_id != user->id && user->role != "admin") return Fail(NotFound());
    if (!IsLive(s->state) || s->state == state::kStopping) {
      return Fail(Errc::kFailedPrecondition, "the session is " + s->state);
    }
    return ViewerGrant{*s, user->id, user->username, claims->view_only};
  });
}

Result<std::string> SessionService::ProxyCookieToken(const ViewerGrant& grant) {
  return tokens_.EncodeViewer(
      {grant.user_id, grant.session.id, grant.view_only, clock_.Now() + options_.proxy_cookie_ttl});
}

Result<Session> SessionService::Current(const std::string& session_id) {
  return db_.Read([&](db::Conn& c) -> Result<Session> {
    auto s = repo_.Find(c, session_id);
    if (!s) return Fail(NotFound());
    return *s;
  });
}

void SessionService::RecordViewer(const ViewerGrant& grant, bool connected,
                                  const std::string& client_ip) {
  (void)db_.Transaction([&](db::Conn& c) -> Status {
    ev::EventInput e;
    e.session_id = grant.session.id;
    e.user_id = grant.user_id;
    e.event_type = std::string(connected ? ev::kUserConnected : ev::kUserDisconnected);
    e.description = grant.username + (connected ? " connected a viewer" : " closed a viewer");
    e.ip_address = client_ip;
    events_.Record(c, e);
    repo_.TouchActivity(c, grant.session.id, FormatTime(clock_.Now()));
    return Ok();
  });
}

void SessionService::TouchActivity(const std::string& session_id) {
  (void)db_.Read([&](db::Conn& c) -> Status {
    repo_.TouchActivity(c, session_id, FormatTime(clock_.Now()));
    return Ok();
  });
}

Status SessionService::OpenTunnel(const Session& s, const std::string& tunnel_id,
                                  const std::string& target) {
  if (!s.agent_id) return Fail(Errc::kFailedPrecondition, "session has no agent");
  if (!agents_.IsConnected(*s.agent_id)) {
    return Fail(Errc::kUnavailable, "the session's agent is not connected");
  }
  auto st = db_.Transaction([&](db::Conn& c) -> Status {
    agents_.Enqueue(c, *s.agent_id, protocol::action::kOpenTunnel, s.id,
                    {{"tunnelId", tunnel_id}, {"target", target}});
    return Ok();
  });
  if (st) agents_.Flush(*s.agent_id);
  return st;
}

Status SessionService::HibernateIdle() {
  std::vector<std::string> agents_to_flush;
  auto st = db_.Transaction([&](db::Conn& c) -> Status {
    const TimePoint now = clock_.Now();
    for (Session& s : repo_.IdleCandidates(c, FormatTime(now))) {
      if (viewers_ != nullptr && viewers_->Viewers(s.id) > 0) continue;
      const auto last = ParseTime(s.last_activity.value_or(s.started_at.value_or(s.created_at)));
      if (!last || now - *last < std::chrono::seconds(s.idle_timeout_s)) continue;
      if (auto moved =
              Move(c, s, state::kHibernating,
                   "idle for over " + std::to_string(s.idle_timeout_s) + " s", std::nullopt);
          !moved) {
        continue;
      }
      if (auto d = Dispatch(c, s, protocol::action::kHibernateSession); !d) return d;
      spdlog::info("idle session hibernating session_id={} idle_timeout_s={}", s.id,
                   s.idle_timeout_s);
      if (s.agent_id) agents_to_flush.push_back(*s.agent_id);
    }
    return Ok();
  });
  for (const auto& a : agents_to_flush) agents_.Flush(a);
  return st;
}

// --- What agents report ---

void SessionService::OnCommandAcked(db::Conn& c, const agents::AgentCommand& cmd) {
  if (cmd.action != protocol::action::kStartSession || !cmd.session_id) return;
  auto s = repo_.Find(c, *cmd.session_id);
  if (s && s->state == state::kPending) (void)Move(c, *s, state::kStarting, "", std::nullopt);
}

void SessionService::OnCommandCompleted(db::Conn& c, const agents::AgentCommand& cmd,
                                        const json& result) {
  if (!cmd.session_id) return;
  auto s = repo_.Find(c, *cmd.session_id);
  if (!s) return;
  if (auto it = result.find("endpoint"); it != result.end() && it->is_object()) {
    s->endpoint = *it;
  }
  const std::string& a = cmd.action;
  if (a == protocol::action::kStartSession &&
      (s->state == state::kPending || s->state == state::kStarting)) {
    (void)Move(c, *s, state::kRunning, "", std::nullopt);
  } else if (a == protocol::action::kWakeSession && s->state == state::kWaking) {
    (void)Move(c, *s, state::kRunning, "", std::nullopt);
    Event(c, *s, ev::kSessionWoken, "session woken", std::nullopt);
  } else if (a == protocol::action::kHibernateSession && s->state == state::kHibernating) {
    (void)Move(c, *s, state::kHibernated, s->state_reason, std::nullopt);  // keep the why
  } else if (a == protocol::action::kDeleteSession || a == protocol::action::kStopSession) {
    if (s->state != state::kStopped) {
      if (s->state != state::kStopping) (void)Move(c, *s, state::kStopping, "", std::nullopt);
      (void)Move(c, *s, state::kStopped, "deleted", std::nullopt);
      Event(c, *s, ev::kSessionDeleted, "session deleted", std::nullopt);
    }
  }
}

void SessionService::OnCommandFailed(db::Conn& c, const agents::AgentCommand& cmd,
                                     const std::string& error) {
  if (!cmd.session_id || cmd.action == protocol::action::kOpenTunnel) return;
  auto s = repo_.Find(c, *cmd.session_id);
  if (!s || s->state == state::kStopped || s->state == state::kFailed) return;
  (void)Move(c, *s, state::kFailed, cmd.action + " failed: " + error.substr(0, 500), std::nullopt);
}

void SessionService::OnSessionStatus(db::Conn& c, const std::string& agent_id,
                                     const protocol::SessionReport& report) {
  auto s = repo_.Find(c, report.session_id);
  if (!s || s->agent_id != agent_id) return;
  // Processes that ended on their own (the user closed the app, or it crashed).
  if ((report.state == "stopped" || report.state == "failed") && s->state == state::kRunning) {
    if (report.state == "stopped") {
      (void)Move(c, *s, state::kStopping, "", std::nullopt);
      (void)Move(c, *s, state::kStopped, "the application exited", std::nullopt);
    } else {
      (void)Move(c, *s, state::kFailed, "the session exited: " + report.details.substr(0, 500),
                 std::nullopt);
    }
  }
}

std::vector<std::string> SessionService::OnSessionsReport(
    db::Conn& c, const std::string& agent_id, const std::vector<protocol::SessionReport>& reports) {
  std::map<std::string, std::string> reported;
  for (const auto& r : reports) reported[r.session_id] = r.state;
  std::vector<std::string> to_delete;
  for (Session& s : repo_.OnAgent(c, agent_id)) {
    auto it = reported.find(s.id);
    const std::string there = it == reported.end() ? "" : it->second;
    if (it != reported.end()) reported.erase(it);
    if (s.state == state::kStopped) {
      if (there == "running" || there == "hibernated") to_delete.push_back(s.id);
      continue;
    }
    if (!s.state_reason.empty() && s.state_reason == "agent offline") {
      s.state_reason.clear();
      s.updated_at = FormatTime(clock_.Now());
      repo_.Update(c, s);
      Notify(c, notice::kUpdated, s);
    }
    // Commands still in the queue will be (re)delivered: leave sessions in transition alone.
    if (s.state == state::kRunning) {
      if (there == "running") continue;
      if (there == "hibernated") {
        (void)Move(c, s, state::kHibernating, "found hibernated on reconnect", std::nullopt);
        (void)Move(c, s, state::kHibernated, "found hibernated on reconnect", std::nullopt);
      } else {
        (void)Move(c, s, state::kFailed, "the session was gone when its agent reconnected",
                   std::nullopt);
      }
    } else if (s.state == state::kHibernated && there == "running") {
      (void)Move(c, s, state::kWaking, "found running on reconnect", std::nullopt);
      (void)Move(c, s, state::kRunning, "found running on reconnect", std::nullopt);
    }
  }
  // What the agent runs that the control plane does not know: stop it.
  for (const auto& [id, st] : reported) {
    if (st == "running" || st == "hibernated") to_delete.push_back(id);
  }
  for (const auto& id : to_delete) {
    agents_.Enqueue(c, agent_id, protocol::action::kDeleteSession, id, json::object());
    spdlog::warn(
        "reconcile: deleting session the control plane does not run agent_id={} "
        "session_id={}",
        agent_id, id);
  }
  return to_delete;
}

void SessionService::OnAgentOffline(db::Conn& c, const std::string& agent_id) {
  for (Session& s : repo_.OnAgent(c, agent_id)) {
    if (!IsLive(s.state)) continue;
    s.state_reason = "agent offline";
    s.updated_at = FormatTime(clock_.Now());
    repo_.Update(c, s);
    Notify(c, notice::kUpdated, s);
    Event(c, s, ev::kErrorOccurred, "the session's agent went offline", std::nullopt,
          {{"agent", agent_id}});
  }
}

quotas::QuotaLimits SessionService::UserUsage(db::Conn& c, const std::string& user_id) {
  return repo_.Usage(c, user_id);
}

}  // namespace sp::sessions
