#include "areas/agents/agent_service.hpp"

#include "areas/audit/audit_recorder.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"
#include "common/time_format.hpp"

namespace sp::agents {
namespace {

Error NotFound() { return Error{Errc::kNotFound, "agent not found", {}, 0}; }

bool KeyMatches(const Agent& a, std::string_view key) {
  return a.api_key_hash && !key.empty() && ConstantTimeEquals(*a.api_key_hash, Sha256Hex(key));
}

}  // namespace

std::string AgentService::NewAgentKey() {
  return std::string(kAgentKeyPrefix) + Base64UrlEncode(RandomBytes(32));
}

Result<std::pair<Agent, bool>> AgentService::Register(const RegisterRequest& req,
                                                      std::string_view key) {
  return db_.Transaction([&](db::Conn& c) -> Result<std::pair<Agent, bool>> {
    const std::string now = FormatTime(clock_.Now());
    if (auto existing = repo_.Find(c, req.agent_id)) {
      if (existing->status == status::kRejected) {
        return Fail(Errc::kPermissionDenied, "agent '" + req.agent_id + "' was rejected");
      }
      if (existing->approved && !KeyMatches(*existing, key)) {
        return Fail(Errc::kUnauthenticated,
                    "agent '" + req.agent_id + "' is registered; present its key to re-register");
      }
      existing->platform = req.platform;
      existing->region = req.region;
      existing->capacity = req.capacity;
      existing->metadata = req.metadata;
      if (!req.version.empty()) existing->version = req.version;
      existing->updated_at = now;
      repo_.Update(c, *existing);
      return std::make_pair(*existing, false);
    }
    Agent a;
    a.id = NewId();
    a.agent_id = req.agent_id;
    a.platform = req.platform;
    a.region = req.region;
    a.capacity = req.capacity;
    a.metadata = req.metadata;
    a.version = req.version;
    a.status = std::string(status::kPending);
    a.created_at = a.updated_at = now;
    repo_.Insert(c, a);
    audit::Record(c, clock_, nullptr,
                  {"agent.register", "agent", a.agent_id, {{"platform", a.platform}}});
    return std::make_pair(a, true);
  });
}

Result<Agent> AgentService::FindVisible(db::Conn& c, const auth::Principal& who,
                                        const std::string& id) {
  if (!who.IsOperator()) return Fail(NotFound());
  auto a = repo_.Find(c, id);
  if (!a) return Fail(NotFound());
  return *a;
}

Result<std::vector<Agent>> AgentService::List(const auth::Principal& who,
                                              const AgentFilter& filter) {
  if (!who.IsOperator()) {
    return Fail(Errc::kPermissionDenied, "requires the operator or admin role");
  }
  return db_.Read([&](db::Conn& c) -> Result<std::vector<Agent>> { return repo_.List(c, filter); });
}

Result<Agent> AgentService::Get(const auth::Principal& who, const std::string& agent_id) {
  return db_.Read([&](db::Conn& c) { return FindVisible(c, who, agent_id); });
}

Status AgentService::Deregister(const auth::Principal& who, const std::string& agent_id) {
  if (!who.IsAdmin()) return Fail(Errc::kPermissionDenied, "requires the admin role");
  auto st = db_.Transaction([&](db::Conn& c) -> Status {
    auto a = repo_.Find(c, agent_id);
    if (!a) return Fail(NotFound());
    if (agent_id == kBuiltinAgentId) {
      return Fail(Errc::kFailedPrecondition, "the built-in local agent cannot be deregistered");
    }
    if (int64_t n = repo_.CountLiveSessions(c, agent_id); n > 0) {
      return Fail(Errc::kFailedPrecondition,
                  "agent runs " + std::to_string(n) + " sessions; drain it and stop them first");
    }
    repo_.Delete(c, agent_id);  // its commands go with it (ON DELETE CASCADE)
    audit::Record(c, clock_, &who, {"agent.deregister", "agent", agent_id});
    return Ok();
  });
  if (st && link_ != nullptr) link_->Disconnect(agent_id);
  return st;
}

Result<Agent> AgentService::Heartbeat(const std::string& agent_id, std::string_view key,
                                      bool draining, int64_t active_sessions,
                                      const std::optional<protocol::Capacity>& cap) {
  return db_.Transaction([&](db::Conn& c) -> Result<Agent> {
    auto a = repo_.Find(c, agent_id);
    if (!a || !a->approved || !KeyMatches(*a, key)) {
      return Fail(Errc::kUnauthenticated, "invalid agent id or key");
    }
    const std::string now = FormatTime(clock_.Now());
    repo_.RecordHeartbeat(c, agent_id, cap.value_or(a->capacity), active_sessions,
                          draining ? status::kDraining : status::kOnline, now);
    return *repo_.Find(c, agent_id);
  });
}

Result<AgentCommand> AgentService::SendCommand(const auth::Principal& who,
                                               const std::string& agent_id,
                                               const std::string& action,
                                               const std::string& session_id,
                                               const nlohmann::json& payload) {
  if (!who.IsAdmin()) return Fail(Errc::kPermissionDenied, "requires the admin role");
  auto cmd = db_.Transaction([&](db::Conn& c) -> Result<AgentCommand> {
    auto a = repo_.Find(c, agent_id);
    if (!a) return Fail(NotFound());
    if (!IsConnected(agent_id)) {
      return Fail(Errc::kUnavailable, "agent '" + agent_id + "' is not connected");
    }
    auto command = Enqueue(c, agent_id, action,
                           session_id.empty() ? std::nullopt : std::optional(session_id), payload);
    audit::Record(
        c, clock_, &who,
        {"agent.command", "agent", agent_id, {{"action", action}, {"sessionId", session_id}}});
    return command;
  });
  if (cmd) Flush(agent_id);
  return cmd;
}

Result<IssuedAgentKey> AgentService::Approve(const auth::Principal& who,
                                             const std::string& agent_id) {
  if (!who.IsAdmin()) return Fail(Errc::kPermissionDenied, "requires the admin role");
  const std::string key = NewAgentKey();
  return db_.Transaction([&](db::Conn& c) -> Result<IssuedAgentKey> {
    auto a = repo_.Find(c, agent_id);
    if (!a) return Fail(NotFound());
    if (a->approved) {
      return Fail(Errc::kFailedPrecondition,
                  "agent is already approved; use rotate-key for a new key");
    }
    const std::string now = FormatTime(clock_.Now());
    a->approved = true;
    a->status = std::string(status::kOffline);  // until it connects
    a->api_key_hash = Sha256Hex(key);
    a->api_key_created_at = now;
    a->updated_at = now;
    repo_.Update(c, *a);
    audit::Record(c, clock_, &who, {"agent.approve", "agent", agent_id});
    return IssuedAgentKey{*a, key};
  });
}

Result<Agent> AgentService::Reject(const auth::Principal& who, const std::string& agent_id) {
  if (!who.IsAdmin()) return Fail(Errc::kPermissionDenied, "requires the admin role");
  auto a = db_.Transaction([&](db::Conn& c) -> Result<Agent> {
    auto agent = repo_.Find(c, agent_id);
    if (!agent) return Fail(NotFound());
    if (agent_id == kBuiltinAgentId) {
      return Fail(Errc::kFailedPrecondition, "the built-in local agent cannot be rejected");
    }
    if (int64_t n = repo_.CountLiveSessions(c, agent_id); n > 0) {
      return Fail(Errc::kFailedPrecondition,
                  "agent runs " + std::to_string(n) + " sessions; stop them first");
    }
    agent->approved = false;
    agent->status = std::string(status::kRejected);
    agent->api_key_hash.reset();
    agent->updated_at = FormatTime(clock_.Now());
    repo_.Update(c, *agent);
    audit::Record(c, clock_, &who, {"agent.reject", "agent", agent_id});
    return *agent;
  });
  if (a && link_ != nullptr) link_->Disconnect(agent_id);
  return a;
}

Result<IssuedAgentKey> AgentService::IssueKey(const auth::Principal& who,
                                              const std::string& agent_id, bool rotate) {
  if (!who.IsAdmin()) return Fail(Errc::kPermissionDenied, "requires the admin role");
  const std::string key = NewAgentKey();
  auto issued = db_.Transaction([&](db::Conn& c) -> Result<IssuedAgentKey> {
    auto a = repo_.Find(c, agent_id);
    if (!a) return Fail(NotFound());
    if (!a->approved) return Fail(Errc::kFailedPrecondition, "approve the agent first");
    const std::string now = FormatTime(clock_.Now());
    a->api_key_hash = Sha256Hex(key);
    a->api_key_created_at = now;
    a->updated_at = now;
    repo_.Update(c, *a);
    audit::Record(c, clock_, &who,
                  {rotate ? "agent.rotate_key" : "agent.generate_key", "agent", agent_id});
    return IssuedAgentKey{*a, key};
  });
  // The old key stops working at once: its live connection is closed too.
  if (issued && link_ != nullptr) link_->Disconnect(agent_id);
  return issued;
}

Result<Agent> AgentService::SetDraining(const auth::Principal& who, const std::string& agent_id,
                                        bool draining) {
  if (!who.IsAdmin()) return Fail(Errc::kPermissionDenied, "requires the admin role");
  return db_.Transaction([&](db::Conn& c) -> Result<Agent> {
    auto a = repo_.Find(c, agent_id);
    if (!a) return Fail(NotFound());
    if (!a->approved) return Fail(Errc::kFailedPrecondition, "agent is not approved");
    const std::string now = FormatTime(clock_.Now());
    std::string_view to =
        draining ? status::kDraining : (IsConnected(agent_id) ? status::kOnline : status::kOffline);
    repo_.SetStatus(c, agent_id, to, now);
    audit::Record(c, clock_, &who, {draining ? "agent.drain" : "agent.undrain", "agent", agent_id});
    return *repo_.Find(c, agent_id);
  });
}

Result<std::vector<AgentCommand>> AgentService::Commands(const auth::Principal& who,
                                                         const std::string& agent_id) {
  return db_.Read([&](db::Conn& c) -> Result<std::vector<AgentCommand>> {
    auto a = FindVisible(c, who, agent_id);
    if (!a) return Fail(a.error());
    return repo_.ListCommands(c, agent_id, 200);
  });
}

Result<Agent> AgentService::Authenticate(const std::string& agent_id, std::string_view key) {
  return db_.Read([&](db::Conn& c) -> Result<Agent> {
    auto a = repo_.Find(c, agent_id);
    if (!a || !a->approved || !KeyMatches(*a, key)) {
      return Fail(Errc::kUnauthenticated, "invalid agent id or key");
    }
    return *a;
  });
}

void AgentService::NotifyStatus(db::Conn& c, const std::string& agent_id, const std::string& from,
                                std::string_view to) {
  if (watcher_ == nullptr || from == to) return;
  c.AfterCommit([watcher = watcher_, agent_id, from, to = std::string(to)] {
    watcher->OnAgentStatusChanged(agent_id, from, to);
  });
}

Status AgentService::OnConnected(const std::string& agent_id, const RegisterRequest& hello) {
  return db_.Transaction([&](db::Conn& c) -> Status {
    auto a = repo_.Find(c, agent_id);
    if (!a) return Fail(NotFound());
    const std::string now = FormatTime(clock_.Now());
    if (!hello.platform.empty()) a->platform = hello.platform;
    if (!hello.region.empty()) a->region = hello.region;
    if (!hello.version.empty()) a->version = hello.version;
    if (hello.capacity.max_sessions > 0) a->capacity = hello.capacity;
    // A drained agent stays drained across reconnects: that is an operator's decision.
    const std::string before = a->status;
    if (a->status != status::kDraining) a->status = std::string(status::kOnline);
    NotifyStatus(c, agent_id, before, a->status);
    a->updated_at = now;
    repo_.Update(c, *a);
    repo_.RecordHeartbeat(c, agent_id, a->capacity, a->active_sessions, a->status, now);
    return Ok();
  });
}

void AgentService::OnDisconnected(const std::string& agent_id) {
  // Heartbeats, not the socket, decide degraded/offline: a reconnect within seconds should
  // not disturb anything.
  spdlog::info("agent disconnected agent_id={}", agent_id);
}

Status AgentService::OnHeartbeat(const std::string& agent_id, const protocol::Capacity& cap,
                                 int64_t active_sessions, bool draining) {
  return db_.Transaction([&](db::Conn& c) -> Status {
    auto a = repo_.Find(c, agent_id);
    if (!a) return Fail(NotFound());
    std::string_view st =
        draining || a->status == status::kDraining ? status::kDraining : status::kOnline;
    repo_.RecordHeartbeat(c, agent_id, cap.max_sessions > 0 ? cap : a->capacity, active_sessions,
                          st, FormatTime(clock_.Now()));
    NotifyStatus(c, agent_id, a->status, st);
    return Ok();
  });
}

namespace {

// The command must exist and belong to the agent that reports on it.
Result<AgentCommand> OwnCommand(AgentRepository& repo, db::Conn& c, const std::string& agent_id,
                                const std::string& command_id) {
  auto cmd = repo.FindCommand(c, command_id);
  if (!cmd || cmd->agent_id != agent_id) {
    return Fail(Errc::kNotFound, "unknown command " + command_id);
  }
  return *cmd;
}

}  // namespace

Status AgentService::OnAck(const std::string& agent_id, const std::string& command_id) {
  return db_.Transaction([&](db::Conn& c) -> Status {
    auto cmd = OwnCommand(repo_, c, agent_id, command_id);
    if (!cmd) return Fail(cmd.error());
    if (repo_.Transition(c, command_id, command_status::kAck, FormatTime(clock_.Now()),
                         std::nullopt, std::nullopt) &&
        observer_ != nullptr) {
      observer_->OnCommandAcked(c, *cmd);
    }
    return Ok();
  });
}

Status AgentService::OnComplete(const std::string& agent_id, const std::string& command_id,
                                const nlohmann::json& result) {
  return db_.Transaction([&](db::Conn& c) -> Status {
    auto cmd = OwnCommand(repo_, c, agent_id, command_id);
    if (!cmd) return Fail(cmd.error());
    if (repo_.Transition(c, command_id, command_status::kCompleted, FormatTime(clock_.Now()),
                         result.dump(), std::nullopt) &&
        observer_ != nullptr) {
      observer_->OnCommandCompleted(c, *cmd, result);
    }
    return Ok();
  });
}

Status AgentService::OnFailed(const std::string& agent_id, const std::string& command_id,
                              const std::string& error) {
  return db_.Transaction([&](db::Conn& c) -> Status {
    auto cmd = OwnCommand(repo_, c, agent_id, command_id);
    if (!cmd) return Fail(cmd.error());
    if (repo_.Transition(c, command_id, command_status::kFailed, FormatTime(clock_.Now()),
                         std::nullopt, error.substr(0, 2000)) &&
        observer_ != nullptr) {
      observer_->OnCommandFailed(c, *cmd, error);
    }
    return Ok();
  });
}

Status AgentService::OnStatus(const std::string& agent_id, const protocol::SessionReport& report) {
  return db_.Transaction([&](db::Conn& c) -> Status {
    if (observer_ != nullptr) observer_->OnSessionStatus(c, agent_id, report);
    return Ok();
  });
}

Result<std::vector<std::string>> AgentService::OnSessionsReport(
    const std::string& agent_id, const std::vector<protocol::SessionReport>& reports) {
  return db_.Transaction([&](db::Conn& c) -> Result<std::vector<std::string>> {
    if (observer_ == nullptr) return std::vector<std::string>{};
    return observer_->OnSessionsReport(c, agent_id, reports);
  });
}

Result<std::vector<AgentCommand>> AgentService::TakeDeliverable(const std::string& agent_id,
                                                                bool include_unacked) {
  return db_.Transaction([&](db::Conn& c) -> Result<std::vector<AgentCommand>> {
    auto list = repo_.Deliverable(c, agent_id, include_unacked);
    const std::string now = FormatTime(clock_.Now());
    for (const auto& cmd : list) repo_.MarkSent(c, cmd.command_id, now);
    return list;
  });
}

AgentCommand AgentService::Enqueue(db::Conn& c, const std::string& agent_id,
                                   std::string_view action,
                                   const std::optional<std::string>& session_id,
                                   nlohmann::json payload) {
  AgentCommand cmd;
  cmd.id = NewId();
  cmd.command_id = "cmd-" + NewId();
  cmd.agent_id = agent_id;
  cmd.session_id = session_id;
  cmd.action = std::string(action);
  cmd.payload = std::move(payload);
  cmd.created_at = FormatTime(clock_.Now());
  repo_.InsertCommand(c, cmd);
  return cmd;
}

Status AgentService::SweepHeartbeats() {
  const auto now_tp = clock_.Now();
  const std::string now = FormatTime(now_tp);
  const std::string degraded_before = FormatTime(now_tp - 3 * options_.heartbeat_interval);
  const std::string offline_before = FormatTime(now_tp - 6 * options_.heartbeat_interval);
  return db_.Transaction([&](db::Conn& c) -> Status {
    for (const auto& id :
         repo_.DemoteStale(c, {"online", "draining"}, status::kDegraded, degraded_before, now)) {
      spdlog::warn("agent degraded agent_id={} reason=missed heartbeats", id);
      NotifyStatus(c, id, "online", status::kDegraded);
    }
    for (const auto& id :
         repo_.DemoteStale(c, {"degraded"}, status::kOffline, offline_before, now)) {
      spdlog::warn("agent offline agent_id={} reason=missed heartbeats", id);
      NotifyStatus(c, id, std::string(status::kDegraded), status::kOffline);
      if (observer_ != nullptr) observer_->OnAgentOffline(c, id);
    }
    return Ok();
  });
}

Result<std::string> AgentService::PrepareBuiltinAgent(const protocol::Capacity& capacity) {
  const std::string key = NewAgentKey();
  auto st = db_.Transaction([&](db::Conn& c) -> Status {
    const std::string now = FormatTime(clock_.Now());
    auto a = repo_.Find(c, std::string(kBuiltinAgentId));
    if (!a) {
      Agent fresh;
      fresh.id = NewId();
      fresh.agent_id = std::string(kBuiltinAgentId);
      fresh.platform = "local";
      fresh.region = "local";
      fresh.created_at = now;
      a = fresh;
      a->approved = true;
      a->status = std::string(status::kOffline);
      a->capacity = capacity;
      a->api_key_hash = Sha256Hex(key);
      a->api_key_created_at = now;
      a->updated_at = now;
      repo_.Insert(c, *a);
      return Ok();
    }
    // A fresh key at every start: it lives only in this process's memory.
    a->approved = true;
    a->capacity = capacity;
    a->api_key_hash = Sha256Hex(key);
    a->api_key_created_at = now;
    a->updated_at = now;
    repo_.Update(c, *a);
    return Ok();
  });
  if (!st) return Fail(st.error());
  return key;
}

}  // namespace sp::agents
