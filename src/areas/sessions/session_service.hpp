// Sessions: the rules. Who may see and change a session, the state machine, placement on
// an agent, quotas, connect tokens, activity and idle hibernation. Implements what agents
// report (AgentObserver) and what quotas count (UsageSource).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "areas/agents/agent_service.hpp"
#include "areas/session_events/session_event_service.hpp"
#include "areas/sessions/session.hpp"
#include "areas/sessions/session_repository.hpp"
#include "areas/templates/template_service.hpp"
#include "areas/users/user_repository.hpp"
#include "areas/users/user_service.hpp"
#include "auth/jwt.hpp"
#include "auth/principal.hpp"
#include "protocol/session_spec.hpp"

namespace sp::sessions {

// Live viewer connections per session; implemented by the VNC proxy.
class ViewerCounter {
 public:
  virtual ~ViewerCounter() = default;
  virtual int Viewers(const std::string& session_id) const = 0;
};

// Told of every committed change to a session (the event hub publishes them). Event names
// are the user event hub's (spec B.2).
class SessionWatcher {
 public:
  virtual ~SessionWatcher() = default;
  virtual void OnSessionChanged(std::string_view event, const Session& session) = 0;
};

namespace notice {
inline constexpr std::string_view kCreated = "session.created";
inline constexpr std::string_view kStarted = "session.started";
inline constexpr std::string_view kUpdated = "session.updated";
inline constexpr std::string_view kHibernated = "session.hibernated";
inline constexpr std::string_view kWoken = "session.woken";
inline constexpr std::string_view kStopped = "session.stopped";
}  // namespace notice

struct SessionOptions {
  std::chrono::seconds connect_token_ttl{120};
  // How long the HTTP proxy's session cookie lasts (a web app loads its assets long after
  // the connect URL's token expired); every request still checks the session and user.
  std::chrono::seconds proxy_cookie_ttl{8 * 3600};
};

struct SessionPage {
  std::vector<Session> sessions;
  int64_t total = 0;
};

// What the VNC proxy needs to open a viewer's tunnel.
struct ViewerGrant {
  Session session;
  std::string user_id;
  std::string username;
  bool view_only = false;
};

class SessionService final : public agents::AgentObserver, public users::UsageSource {
 public:
  SessionService(db::Database& db, SessionRepository& repo, templates::TemplateService& templates,
                 users::UserRepository& users, agents::AgentService& agents,
                 session_events::SessionEventService& events, const auth::JwtCodec& tokens,
                 const Clock& clock, SessionOptions options)
      : db_(db),
        repo_(repo),
        templates_(templates),
        users_(users),
        agents_(agents),
        events_(events),
        tokens_(tokens),
        clock_(clock),
        options_(options) {}

  void SetViewerCounter(const ViewerCounter* viewers) { viewers_ = viewers; }
  void SetWatcher(SessionWatcher* watcher) { watcher_ = watcher; }
  const SessionOptions& options() const { return options_; }

  Result<Session> Create(const auth::Principal& who, const CreateSessionRequest& req);
  Result<SessionPage> List(const auth::Principal& who, SessionFilter filter,
                           const http::Page& page);
  Result<Session> Get(const auth::Principal& who, const std::string& id);
  Result<Session> Update(const auth::Principal& who, const std::string& id,
                         const UpdateSessionRequest& req);
  Result<Session> Delete(const auth::Principal& who, const std::string& id);
  Result<Session> Hibernate(const auth::Principal& who, const std::string& id);
  Result<Session> Wake(const auth::Principal& who, const std::string& id);
  // Wakes a hibernated session on the way.
  Result<ConnectInfo> Connect(const auth::Principal& who, const std::string& id);
  Result<Session> Heartbeat(const auth::Principal& who, const std::string& id);
  Result<Activity> GetActivity(const auth::Principal& who, const std::string& id);

  // --- The VNC proxy ---
  // Checks a viewer token for the session named in the URL; the session must still be
  // visible to the token's user.
  Result<ViewerGrant> AuthorizeViewer(std::string_view token, const std::string& session_id);
  // A viewer token like the grant's, valid for proxy_cookie_ttl.
  Result<std::string> ProxyCookieToken(const ViewerGrant& grant);
  // The session as it is now (no authorisation: the caller holds a grant).
  Result<Session> Current(const std::string& session_id);
  void RecordViewer(const ViewerGrant& grant, bool connected, const std::string& client_ip);
  void TouchActivity(const std::string& session_id);
  // Queues an open_tunnel command on the session's agent; kUnavailable if the agent is away.
  Status OpenTunnel(const Session& s, const std::string& tunnel_id, const std::string& target);

  // --- Jobs ---
  // Hibernates running sessions idle past their threshold with no viewer connected.
  Status HibernateIdle();

  // --- AgentObserver ---
  void OnCommandAcked(db::Conn& c, const agents::AgentCommand& cmd) override;
  void OnCommandCompleted(db::Conn& c, const agents::AgentCommand& cmd,
                          const nlohmann::json& result) override;
  void OnCommandFailed(db::Conn& c, const agents::AgentCommand& cmd,
                       const std::string& error) override;
  void OnSessionStatus(db::Conn& c, const std::string& agent_id,
                       const protocol::SessionReport& report) override;
  std::vector<std::string> OnSessionsReport(
      db::Conn& c, const std::string& agent_id,
      const std::vector<protocol::SessionReport>& reports) override;
  void OnAgentOffline(db::Conn& c, const std::string& agent_id) override;

  // --- UsageSource ---
  quotas::QuotaLimits UserUsage(db::Conn& c, const std::string& user_id) override;

 private:
  Result<Session> FindVisible(db::Conn& c, const auth::Principal& who, const std::string& id);
  Result<Session> FindManageable(db::Conn& c, const auth::Principal& who, const std::string& id);
  // Moves the session to `to` (checked), saves it and records the event.
  Status Move(db::Conn& c, Session& s, std::string_view to, std::string reason,
              const std::optional<std::string>& actor);
  // Queues the command that carries out `to` (hibernating, waking, stopping).
  Status Dispatch(db::Conn& c, Session& s, std::string_view action);
  Result<protocol::SessionSpec> SpecFor(db::Conn& c, const Session& s);
  Result<Session> ChangeState(const auth::Principal& who, const std::string& id,
                              std::string_view to);
  void Event(db::Conn& c, const Session& s, std::string_view type, std::string description,
             const std::optional<std::string>& user_id, nlohmann::json metadata = {});
  // Tells the watcher about `s` once the transaction of `c` commits.
  void Notify(db::Conn& c, std::string_view event, const Session& s);

  db::Database& db_;
  SessionRepository& repo_;
  templates::TemplateService& templates_;
  users::UserRepository& users_;
  agents::AgentService& agents_;
  session_events::SessionEventService& events_;
  const auth::JwtCodec& tokens_;
  const Clock& clock_;
  SessionOptions options_;
  const ViewerCounter* viewers_ = nullptr;
  SessionWatcher* watcher_ = nullptr;
};

}  // namespace sp::sessions
