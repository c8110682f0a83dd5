// Agents: registration and approval, keys, heartbeats and status, and the command queue.
//
// A command is a row in agent_commands before it is sent (Enqueue, inside the caller's
// transaction); Flush() then asks the hub to deliver what is pending. An agent that
// reconnects receives every command it has not acknowledged; agents apply commands
// idempotently by command_id, so redelivery is safe. What agents report about sessions is
// passed to the AgentObserver (the sessions area), in the same transaction as the command
// update.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "areas/agents/agent.hpp"
#include "areas/agents/agent_repository.hpp"
#include "auth/principal.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "db/database.hpp"

namespace sp::agents {

// Delivery to connected agents; implemented by the agent hub.
class AgentLink {
 public:
  virtual ~AgentLink() = default;
  virtual bool IsConnected(const std::string& agent_id) const = 0;
  // Sends the agent's deliverable commands now (asynchronously). No-op if not connected here.
  virtual void Flush(const std::string& agent_id) = 0;
  virtual void Disconnect(const std::string& agent_id) = 0;
};

// What agents tell about sessions; implemented by the sessions area. Called inside a
// transaction.
class AgentObserver {
 public:
  virtual ~AgentObserver() = default;
  virtual void OnCommandAcked(db::Conn& c, const AgentCommand& cmd) = 0;
  virtual void OnCommandCompleted(db::Conn& c, const AgentCommand& cmd,
                                  const nlohmann::json& result) = 0;
  virtual void OnCommandFailed(db::Conn& c, const AgentCommand& cmd, const std::string& error) = 0;
  virtual void OnSessionStatus(db::Conn& c, const std::string& agent_id,
                               const protocol::SessionReport& report) = 0;
  // Returns ids of sessions the agent runs that must not run (unknown or deleted).
  virtual std::vector<std::string> OnSessionsReport(
      db::Conn& c, const std::string& agent_id,
      const std::vector<protocol::SessionReport>& reports) = 0;
  virtual void OnAgentOffline(db::Conn& c, const std::string& agent_id) = 0;
};

// Told of every committed change of an agent's health status (online, draining, degraded,
// offline); the event hub turns them into admin alerts.
class AgentWatcher {
 public:
  virtual ~AgentWatcher() = default;
  virtual void OnAgentStatusChanged(const std::string& agent_id, const std::string& from,
                                    const std::string& to) = 0;
};

struct AgentOptions {
  std::chrono::seconds heartbeat_interval{10};
};

struct IssuedAgentKey {
  Agent agent;
  std::string key;
};

class AgentService {
 public:
  AgentService(db::Database& db, AgentRepository& repo, const Clock& clock, AgentOptions options)
      : db_(db), repo_(repo), clock_(clock), options_(options) {}

  void SetLink(AgentLink* link) { link_ = link; }
  void SetObserver(AgentObserver* observer) { observer_ = observer; }
  void SetWatcher(AgentWatcher* watcher) { watcher_ = watcher; }
  const AgentOptions& options() const { return options_; }
  bool IsConnected(const std::string& agent_id) const {
    return link_ != nullptr && link_->IsConnected(agent_id);
  }

  // --- REST ---
  // New agents start pending (created = true). Re-registering an approved agent needs its key.
  Result<std::pair<Agent, bool>> Register(const RegisterRequest& req, std::string_view key);
  Result<std::vector<Agent>> List(const auth::Principal& who, const AgentFilter& filter);
  Result<Agent> Get(const auth::Principal& who, const std::string& agent_id);
  Status Deregister(const auth::Principal& who, const std::string& agent_id);
  Result<Agent> Heartbeat(const std::string& agent_id, std::string_view key, bool draining,
                          int64_t active_sessions, const std::optional<protocol::Capacity>& cap);
  Result<AgentCommand> SendCommand(const auth::Principal& who, const std::string& agent_id,
                                   const std::string& action, const std::string& session_id,
                                   const nlohmann::json& payload);
  Result<IssuedAgentKey> Approve(const auth::Principal& who, const std::string& agent_id);
  Result<Agent> Reject(const auth::Principal& who, const std::string& agent_id);
  Result<IssuedAgentKey> IssueKey(const auth::Principal& who, const std::string& agent_id,
                                  bool rotate);
  Result<Agent> SetDraining(const auth::Principal& who, const std::string& agent_id, bool draining);
  Result<std::vector<AgentCommand>> Commands(const auth::Principal& who,
                                             const std::string& agent_id);

  // --- The agent's own connection ---
  // kUnauthenticated unless the agent exists, is approved and `key` is its key.
  Result<Agent> Authenticate(const std::string& agent_id, std::string_view key);
  Status OnConnected(const std::string& agent_id, const RegisterRequest& hello);
  void OnDisconnected(const std::string& agent_id);
  Status OnHeartbeat(const std::string& agent_id, const protocol::Capacity& cap,
                     int64_t active_sessions, bool draining);
  Status OnAck(const std::string& agent_id, const std::string& command_id);
  Status OnComplete(const std::string& agent_id, const std::string& command_id,
                    const nlohmann::json& result);
  Status OnFailed(const std::string& agent_id, const std::string& command_id,
                  const std::string& error);
  Status OnStatus(const std::string& agent_id, const protocol::SessionReport& report);
  // Reconciles; returns the sessions the agent must delete.
  Result<std::vector<std::string>> OnSessionsReport(
      const std::string& agent_id, const std::vector<protocol::SessionReport>& reports);
  // Marks deliverable commands sent and returns them (pending ones; with include_unacked
  // also those sent before and never acknowledged: for a reconnect).
  Result<std::vector<AgentCommand>> TakeDeliverable(const std::string& agent_id,
                                                    bool include_unacked);

  // --- Command queue, for other areas ---
  AgentCommand Enqueue(db::Conn& c, const std::string& agent_id, std::string_view action,
                       const std::optional<std::string>& session_id, nlohmann::json payload);
  void Flush(const std::string& agent_id) {
    if (link_ != nullptr) link_->Flush(agent_id);
  }

  // --- Jobs ---
  // online -> degraded after 3 missed heartbeats, -> offline after 6.
  Status SweepHeartbeats();
  // Creates or refreshes the built-in local agent (approved) and returns a fresh key.
  Result<std::string> PrepareBuiltinAgent(const protocol::Capacity& capacity);

  static std::string NewAgentKey();

 private:
  // Tells the watcher, once `c` commits, that the agent went from `from` to `to`.
  void NotifyStatus(db::Conn& c, const std::string& agent_id, const std::string& from,
                    std::string_view to);
  Result<Agent> FindVisible(db::Conn& c, const auth::Principal& who, const std::string& id);

  db::Database& db_;
  AgentRepository& repo_;
  const Clock& clock_;
  AgentOptions options_;
  AgentLink* link_ = nullptr;
  AgentObserver* observer_ = nullptr;
  AgentWatcher* watcher_ = nullptr;
};

}  // namespace sp::agents
