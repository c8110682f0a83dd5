// SQL for agents and agent_commands.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "areas/agents/agent.hpp"
#include "db/database.hpp"

namespace sp::agents {

class AgentRepository {
 public:
  std::optional<Agent> Find(db::Conn& c, const std::string& agent_id);
  std::optional<Agent> FindByKeyHash(db::Conn& c, const std::string& hash);
  std::vector<Agent> List(db::Conn& c, const AgentFilter& filter);
  void Insert(db::Conn& c, const Agent& a);
  void Update(db::Conn& c, const Agent& a);  // every mutable column
  void Delete(db::Conn& c, const std::string& agent_id);
  void SetStatus(db::Conn& c, const std::string& agent_id, std::string_view status,
                 const std::string& now);
  void RecordHeartbeat(db::Conn& c, const std::string& agent_id, const protocol::Capacity& cap,
                       int64_t active_sessions, std::string_view status, const std::string& now);
  // Agents whose last heartbeat is older than `before` and whose status is one of `from`;
  // moves them to `to` and returns their ids.
  std::vector<std::string> DemoteStale(db::Conn& c, const std::vector<std::string>& from,
                                       std::string_view to, const std::string& before,
                                       const std::string& now);
  int64_t CountLiveSessions(db::Conn& c, const std::string& agent_id);

  void InsertCommand(db::Conn& c, const AgentCommand& cmd);
  std::optional<AgentCommand> FindCommand(db::Conn& c, const std::string& command_id);
  std::vector<AgentCommand> ListCommands(db::Conn& c, const std::string& agent_id, int64_t limit);
  // Commands to (re)send: pending ones, and with `include_unacked` also sent-but-unacknowledged.
  std::vector<AgentCommand> Deliverable(db::Conn& c, const std::string& agent_id,
                                        bool include_unacked);
  void MarkSent(db::Conn& c, const std::string& command_id, const std::string& now);
  // Moves a command forward; a command already completed or failed is left as it is.
  // Returns false when nothing changed.
  bool Transition(db::Conn& c, const std::string& command_id, std::string_view to,
                  const std::string& now, const std::optional<std::string>& result,
                  const std::optional<std::string>& error);
};

}  // namespace sp::agents
