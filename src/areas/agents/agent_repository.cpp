#include "areas/agents/agent_repository.hpp"

namespace sp::agents {
namespace {

constexpr const char* kAgentColumns =
    "id, agent_id, platform, region, status, approved, max_sessions, capacity, active_sessions, "
    "metadata, version, api_key_hash, api_key_created_at, last_heartbeat, created_at, updated_at";

nlohmann::json ParseObject(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

Agent ReadAgent(const soci::row& r) {
  Agent a;
  a.id = db::GetString(r, 0);
  a.agent_id = db::GetString(r, 1);
  a.platform = db::GetString(r, 2);
  a.region = db::GetString(r, 3);
  a.status = db::GetString(r, 4);
  a.approved = db::GetBool(r, 5);
  a.capacity = protocol::CapacityFromJson(ParseObject(db::GetString(r, 7)));
  a.capacity.max_sessions = db::GetInt(r, 6);
  a.active_sessions = db::GetInt(r, 8);
  a.metadata = ParseObject(db::GetString(r, 9));
  a.version = db::GetString(r, 10);
  a.api_key_hash = db::GetOptString(r, 11);
  a.api_key_created_at = db::GetOptString(r, 12);
  a.last_heartbeat = db::GetOptString(r, 13);
  a.created_at = db::GetString(r, 14);
  a.updated_at = db::GetString(r, 15);
  return a;
}

constexpr const char* kCommandColumns =
    "id, command_id, agent_id, session_id, action, payload, status, result, error_message, "
    "attempts, created_at, sent_at, acknowledged_at, completed_at";

AgentCommand ReadCommand(const soci::row& r) {
  AgentCommand c;
  c.id = db::GetString(r, 0);
  c.command_id = db::GetString(r, 1);
  c.agent_id = db::GetString(r, 2);
  c.session_id = db::GetOptString(r, 3);
  c.action = db::GetString(r, 4);
  c.payload = ParseObject(db::GetString(r, 5));
  c.status = db::GetString(r, 6);
  if (auto result = db::GetOptString(r, 7)) {
    auto j = nlohmann::json::parse(*result, nullptr, false);
    if (!j.is_discarded()) c.result = j;
  }
  c.error_message = db::GetOptString(r, 8);
  c.attempts = db::GetInt(r, 9);
  c.created_at = db::GetString(r, 10);
  c.sent_at = db::GetOptString(r, 11);
  c.acknowledged_at = db::GetOptString(r, 12);
  c.completed_at = db::GetOptString(r, 13);
  return c;
}

}  // namespace

std::optional<Agent> AgentRepository::Find(db::Conn& c, const std::string& agent_id) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kAgentColumns << " FROM agents WHERE agent_id = :a",
       soci::use(agent_id));
  for (const auto& r : rows) return ReadAgent(r);
  return std::nullopt;
}

std::optional<Agent> AgentRepository::FindByKeyHash(db::Conn& c, const std::string& hash) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kAgentColumns << " FROM agents WHERE api_key_hash = :h",
       soci::use(hash));
  for (const auto& r : rows) return ReadAgent(r);
  return std::nullopt;
}

std::vector<Agent> AgentRepository::List(db::Conn& c, const AgentFilter& f) {
  const std::string platform = f.platform.value_or("");
  const std::string st = f.status.value_or("");
  const std::string region = f.region.value_or("");
  std::string where = " WHERE 1=1";
  where += f.platform ? " AND platform = :p" : " AND :p = ''";
  where += f.status ? " AND status = :s" : " AND :s = ''";
  where += f.region ? " AND region = :r" : " AND :r = ''";
  soci::rowset<soci::row> rows = (c.sql().prepare << "SELECT " << kAgentColumns << " FROM agents"
                                                  << where << " ORDER BY agent_id",
                                  soci::use(platform), soci::use(st), soci::use(region));
  std::vector<Agent> out;
  for (const auto& r : rows) out.push_back(ReadAgent(r));
  return out;
}

void AgentRepository::Insert(db::Conn& c, const Agent& a) {
  const int approved = a.approved ? 1 : 0;
  const std::string capacity = protocol::ToJson(a.capacity).dump();
  const std::string metadata = a.metadata.dump();
  const std::string key = a.api_key_hash.value_or("");
  soci::indicator key_ind = db::Ind(a.api_key_hash);
  const std::string key_at = a.api_key_created_at.value_or("");
  soci::indicator key_at_ind = db::Ind(a.api_key_created_at);
  c.sql() << "INSERT INTO agents (id, agent_id, platform, region, status, approved, "
             "max_sessions, capacity, active_sessions, metadata, version, api_key_hash, "
             "api_key_created_at, created_at, updated_at) VALUES (:id, :aid, :p, :r, :s, :ap, "
             ":ms, :cap, 0, :md, :v, :kh, :kc, :ca, :ua)",
      soci::use(a.id), soci::use(a.agent_id), soci::use(a.platform), soci::use(a.region),
      soci::use(a.status), soci::use(approved), soci::use(a.capacity.max_sessions),
      soci::use(capacity), soci::use(metadata), soci::use(a.version), soci::use(key, key_ind),
      soci::use(key_at, key_at_ind), soci::use(a.created_at), soci::use(a.updated_at);
}

void AgentRepository::Update(db::Conn& c, const Agent& a) {
  const int approved = a.approved ? 1 : 0;
  const std::string capacity = protocol::ToJson(a.capacity).dump();
  const std::string metadata = a.metadata.dump();
  const std::string key = a.api_key_hash.value_or("");
  soci::indicator key_ind = db::Ind(a.api_key_hash);
  const std::string key_at = a.api_key_created_at.value_or("");
  soci::indicator key_at_ind = db::Ind(a.api_key_created_at);
  c.sql() << "UPDATE agents SET platform = :p, region = :r, status = :s, approved = :ap, "
             "max_sessions = :ms, capacity = :cap, metadata = :md, version = :v, api_key_hash = "
             ":kh, api_key_created_at = :kc, updated_at = :ua WHERE agent_id = :aid",
      soci::use(a.platform), soci::use(a.region), soci::use(a.status), soci::use(approved),
      soci::use(a.capacity.max_sessions), soci::use(capacity), soci::use(metadata),
      soci::use(a.version), soci::use(key, key_ind), soci::use(key_at, key_at_ind),
      soci::use(a.updated_at), soci::use(a.agent_id);
}

void AgentRepository::Delete(db::Conn& c, const std::string& agent_id) {
  c.sql() << "DELETE FROM agents WHERE agent_id = :a", soci::use(agent_id);
}

void AgentRepository::SetStatus(db::Conn& c, const std::string& agent_id, std::string_view status,
                                const std::string& now) {
  const std::string s(status);
  c.sql() << "UPDATE agents SET status = :s, updated_at = :n WHERE agent_id = :a", soci::use(s),
      soci::use(now), soci::use(agent_id);
}

void AgentRepository::RecordHeartbeat(db::Conn& c, const std::string& agent_id,
                                      const protocol::Capacity& cap, int64_t active_sessions,
                                      std::string_view status, const std::string& now) {
  const std::string s(status);
  const std::string capacity = protocol::ToJson(cap).dump();
  c.sql() << "UPDATE agents SET status = :s, last_heartbeat = :n, active_sessions = :as, "
             "capacity = :cap, max_sessions = :ms, updated_at = :n2 WHERE agent_id = :a",
      soci::use(s), soci::use(now), soci::use(active_sessions), soci::use(capacity),
      soci::use(cap.max_sessions), soci::use(now), soci::use(agent_id);
}

std::vector<std::string> AgentRepository::DemoteStale(db::Conn& c,
                                                      const std::vector<std::string>& from,
                                                      std::string_view to,
                                                      const std::string& before,
                                                      const std::string& now) {
  std::vector<std::string> ids;
  for (const auto& f : from) {
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT agent_id FROM agents WHERE status = :s AND approved = 1 AND "
                            "(last_heartbeat IS NULL OR last_heartbeat < :b)",
         soci::use(f), soci::use(before));
    for (const auto& r : rows) ids.push_back(db::GetString(r, 0));
  }
  for (const auto& id : ids) SetStatus(c, id, to, now);
  return ids;
}

int64_t AgentRepository::CountLiveSessions(db::Conn& c, const std::string& agent_id) {
  int64_t n = 0;
  c.sql() << "SELECT COUNT(*) FROM sessions WHERE agent_id = :a AND state NOT IN ('stopped', "
             "'failed')",
      soci::use(agent_id), soci::into(n);
  return n;
}

void AgentRepository::InsertCommand(db::Conn& c, const AgentCommand& cmd) {
  const std::string payload = cmd.payload.dump();
  const std::string session = cmd.session_id.value_or("");
  soci::indicator session_ind = db::Ind(cmd.session_id);
  c.sql() << "INSERT INTO agent_commands (id, command_id, agent_id, session_id, action, payload, "
             "status, attempts, created_at) VALUES (:id, :cid, :a, :s, :ac, :p, :st, 0, :ca)",
      soci::use(cmd.id), soci::use(cmd.command_id), soci::use(cmd.agent_id),
      soci::use(session, session_ind), soci::use(cmd.action), soci::use(payload),
      soci::use(cmd.status), soci::use(cmd.created_at);
}

std::optional<AgentCommand> AgentRepository::FindCommand(db::Conn& c,
                                                         const std::string& command_id) {
  soci::rowset<soci::row> rows = (c.sql().prepare << "SELECT " << kCommandColumns
                                                  << " FROM agent_commands WHERE command_id = :c",
                                  soci::use(command_id));
  for (const auto& r : rows) return ReadCommand(r);
  return std::nullopt;
}

std::vector<AgentCommand> AgentRepository::ListCommands(db::Conn& c, const std::string& agent_id,
                                                        int64_t limit) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kCommandColumns
                       << " FROM agent_commands WHERE agent_id = :a ORDER BY created_at DESC, id "
                          "LIMIT :l",
       soci::use(agent_id), soci::use(limit));
  std::vector<AgentCommand> out;
  for (const auto& r : rows) out.push_back(ReadCommand(r));
  return out;
}

std::vector<AgentCommand> AgentRepository::Deliverable(db::Conn& c, const std::string& agent_id,
                                                       bool include_unacked) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kCommandColumns
                       << " FROM agent_commands WHERE agent_id = :a AND (status = 'pending' OR "
                          "(:u = 1 AND status IN ('sent', 'ack'))) ORDER BY created_at, id",
       soci::use(agent_id), soci::use(include_unacked ? 1 : 0));
  std::vector<AgentCommand> out;
  for (const auto& r : rows) out.push_back(ReadCommand(r));
  return out;
}

void AgentRepository::MarkSent(db::Conn& c, const std::string& command_id, const std::string& now) {
  c.sql() << "UPDATE agent_commands SET status = CASE WHEN status = 'pending' THEN 'sent' ELSE "
             "status END, sent_at = :n, attempts = attempts + 1 WHERE command_id = :c AND status "
             "IN ('pending', 'sent', 'ack')",
      soci::use(now), soci::use(command_id);
}

bool AgentRepository::Transition(db::Conn& c, const std::string& command_id, std::string_view to,
                                 const std::string& now, const std::optional<std::string>& result,
                                 const std::optional<std::string>& error) {
  const std::string target(to);
  const std::string res = result.value_or("");
  soci::indicator res_ind = db::Ind(result);
  const std::string err = error.value_or("");
  soci::indicator err_ind = db::Ind(error);
  const char* column = to == command_status::kAck ? "acknowledged_at" : "completed_at";
  soci::statement st =
      (c.sql().prepare << "UPDATE agent_commands SET status = :t, " << column
                       << " = :n, result = COALESCE(:r, result), error_message = COALESCE(:e, "
                          "error_message) WHERE command_id = :c AND status NOT IN ('completed', "
                          "'failed')"
                       << (to == command_status::kAck ? " AND status <> 'ack'" : ""),
       soci::use(target), soci::use(now), soci::use(res, res_ind), soci::use(err, err_ind),
       soci::use(command_id));
  st.execute(true);
  return st.get_affected_rows() > 0;
}

}  // namespace sp::agents
