#include "areas/sessions/session_repository.hpp"

namespace sp::sessions {
namespace {

constexpr const char* kSelect =
    "SELECT s.id, s.user_id, u.username, s.template_id, s.template_name, s.state, "
    "s.state_reason, s.agent_id, COALESCE(a.status, ''), s.tags, s.cpu_millicores, "
    "s.memory_mib, s.idle_timeout_s, s.protocol, s.endpoint, s.created_at, s.updated_at, "
    "s.started_at, s.hibernated_at, s.stopped_at, s.last_activity FROM sessions s JOIN users u "
    "ON u.id = s.user_id LEFT JOIN agents a ON a.agent_id = s.agent_id";

std::vector<std::string> ParseTags(const std::string& text) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& t : j) {
    if (t.is_string()) out.push_back(t.get<std::string>());
  }
  return out;
}

Session Read(const soci::row& r) {
  Session s;
  s.id = db::GetString(r, 0);
  s.user_id = db::GetString(r, 1);
  s.username = db::GetString(r, 2);
  s.template_id = db::GetString(r, 3);
  s.template_name = db::GetString(r, 4);
  s.state = db::GetString(r, 5);
  s.state_reason = db::GetString(r, 6);
  s.agent_id = db::GetOptString(r, 7);
  s.agent_status = db::GetString(r, 8);
  s.tags = ParseTags(db::GetString(r, 9));
  s.cpu_millicores = db::GetInt(r, 10);
  s.memory_mib = db::GetInt(r, 11);
  s.idle_timeout_s = db::GetInt(r, 12);
  s.protocol = db::GetString(r, 13);
  auto endpoint = nlohmann::json::parse(db::GetString(r, 14), nullptr, false);
  s.endpoint = endpoint.is_object() ? endpoint : nlohmann::json::object();
  s.created_at = db::GetString(r, 15);
  s.updated_at = db::GetString(r, 16);
  s.started_at = db::GetOptString(r, 17);
  s.hibernated_at = db::GetOptString(r, 18);
  s.stopped_at = db::GetOptString(r, 19);
  s.last_activity = db::GetOptString(r, 20);
  return s;
}

struct Optionals {
  std::string agent, started, hibernated, stopped, activity;
  soci::indicator agent_i, started_i, hibernated_i, stopped_i, activity_i;
  explicit Optionals(const Session& s)
      : agent(s.agent_id.value_or("")),
        started(s.started_at.value_or("")),
        hibernated(s.hibernated_at.value_or("")),
        stopped(s.stopped_at.value_or("")),
        activity(s.last_activity.value_or("")),
        agent_i(db::Ind(s.agent_id)),
        started_i(db::Ind(s.started_at)),
        hibernated_i(db::Ind(s.hibernated_at)),
        stopped_i(db::Ind(s.stopped_at)),
        activity_i(db::Ind(s.last_activity)) {}
};

}  // namespace

std::optional<Session> SessionRepository::Find(db::Conn& c, const std::string& id) {
  soci::rowset<soci::row> rows = (c.sql().prepare << kSelect << " WHERE s.id = :id", soci::use(id));
  for (const auto& r : rows) return Read(r);
  return std::nullopt;
}

std::vector<Session> SessionRepository::List(db::Conn& c, const SessionFilter& f,
                                             const http::Page& page, int64_t& total) {
  const std::string user = f.user_id.value_or("");
  const std::string st = f.state.value_or("");
  const std::string tag = f.tag ? "%\"" + *f.tag + "\"%" : "";
  const int hide_stopped = (f.include_stopped || f.state) ? 0 : 1;
  const std::string where = std::string(" WHERE 1=1") +
                            (f.user_id ? " AND s.user_id = :u" : " AND :u = ''") +
                            (f.state ? " AND s.state = :st" : " AND :st = ''") +
                            (f.tag ? " AND s.tags LIKE :tag" : " AND :tag = ''") +
                            " AND (:hide = 0 OR s.state <> 'stopped')";
  c.sql() << "SELECT COUNT(*) FROM sessions s" << where, soci::use(user), soci::use(st),
      soci::use(tag), soci::use(hide_stopped), soci::into(total);
  const int64_t limit = page.page_size;
  const int64_t offset = page.Offset();
  soci::rowset<soci::row> rows =
      (c.sql().prepare << kSelect << where
                       << " ORDER BY s.created_at DESC, s.id LIMIT :lim OFFSET :off",
       soci::use(user), soci::use(st), soci::use(tag), soci::use(hide_stopped), soci::use(limit),
       soci::use(offset));
  std::vector<Session> out;
  for (const auto& r : rows) out.push_back(Read(r));
  return out;
}

std::vector<Session> SessionRepository::OnAgent(db::Conn& c, const std::string& agent_id) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << kSelect << " WHERE s.agent_id = :a", soci::use(agent_id));
  std::vector<Session> out;
  for (const auto& r : rows) out.push_back(Read(r));
  return out;
}

void SessionRepository::Insert(db::Conn& c, const Session& s) {
  const std::string tags = nlohmann::json(s.tags).dump();
  const std::string endpoint = s.endpoint.dump();
  Optionals o(s);
  c.sql() << "INSERT INTO sessions (id, user_id, template_id, template_name, state, "
             "state_reason, agent_id, tags, cpu_millicores, memory_mib, idle_timeout_s, "
             "protocol, endpoint, created_at, updated_at, last_activity) VALUES (:id, :u, :t, "
             ":tn, :st, :r, :a, :tags, :cpu, :mem, :idle, :p, :e, :ca, :ua, :la)",
      soci::use(s.id), soci::use(s.user_id), soci::use(s.template_id), soci::use(s.template_name),
      soci::use(s.state), soci::use(s.state_reason), soci::use(o.agent, o.agent_i), soci::use(tags),
      soci::use(s.cpu_millicores), soci::use(s.memory_mib), soci::use(s.idle_timeout_s),
      soci::use(s.protocol), soci::use(endpoint), soci::use(s.created_at), soci::use(s.updated_at),
      soci::use(o.activity, o.activity_i);
}

void SessionRepository::Update(db::Conn& c, const Session& s) {
  const std::string tags = nlohmann::json(s.tags).dump();
  const std::string endpoint = s.endpoint.dump();
  Optionals o(s);
  c.sql() << "UPDATE sessions SET state = :st, state_reason = :r, agent_id = :a, tags = :tags, "
             "cpu_millicores = :cpu, memory_mib = :mem, idle_timeout_s = :idle, endpoint = :e, "
             "updated_at = :ua, started_at = :sa, hibernated_at = :ha, stopped_at = :so, "
             "last_activity = :la WHERE id = :id",
      soci::use(s.state), soci::use(s.state_reason), soci::use(o.agent, o.agent_i), soci::use(tags),
      soci::use(s.cpu_millicores), soci::use(s.memory_mib), soci::use(s.idle_timeout_s),
      soci::use(endpoint), soci::use(s.updated_at), soci::use(o.started, o.started_i),
      soci::use(o.hibernated, o.hibernated_i), soci::use(o.stopped, o.stopped_i),
      soci::use(o.activity, o.activity_i), soci::use(s.id);
}

std::vector<Session> SessionRepository::IdleCandidates(db::Conn& c, const std::string& now) {
  // The threshold comparison needs time arithmetic, which differs between the databases:
  // select running sessions and let the service compare.
  (void)now;
  soci::rowset<soci::row> rows = (c.sql().prepare << kSelect << " WHERE s.state = 'running'");
  std::vector<Session> out;
  for (const auto& r : rows) out.push_back(Read(r));
  return out;
}

void SessionRepository::TouchActivity(db::Conn& c, const std::string& id, const std::string& now) {
  c.sql() << "UPDATE sessions SET last_activity = :n WHERE id = :id", soci::use(now), soci::use(id);
}

quotas::QuotaLimits SessionRepository::Usage(db::Conn& c, const std::string& user_id) {
  quotas::QuotaLimits used;
  long long n = 0, cpu = 0, mem = 0;
  soci::indicator cpu_i = soci::i_ok, mem_i = soci::i_ok;
  c.sql() << "SELECT COUNT(*), SUM(cpu_millicores), SUM(memory_mib) FROM sessions WHERE "
             "user_id = :u AND state IN ('pending', 'starting', 'running', 'waking')",
      soci::use(user_id), soci::into(n), soci::into(cpu, cpu_i), soci::into(mem, mem_i);
  used.max_sessions = n;
  used.cpu_millicores = cpu_i == soci::i_null ? 0 : cpu;
  used.memory_mib = mem_i == soci::i_null ? 0 : mem;
  return used;
}

std::vector<AgentLoad> SessionRepository::Candidates(db::Conn& c,
                                                     const std::vector<std::string>& platforms) {
  std::vector<AgentLoad> out;
  for (const auto& platform : platforms) {
    soci::rowset<soci::row> rows =
        (c.sql().prepare << "SELECT a.agent_id, a.platform, a.max_sessions, (SELECT COUNT(*) "
                            "FROM sessions s WHERE s.agent_id = a.agent_id AND s.state NOT IN "
                            "('stopped', 'failed', 'hibernated')) FROM agents a WHERE "
                            "a.approved = 1 AND a.status = 'online' AND a.platform = :p",
         soci::use(platform));
    for (const auto& r : rows) {
      out.push_back({db::GetString(r, 0), db::GetString(r, 1), db::GetInt(r, 2), db::GetInt(r, 3)});
    }
  }
  return out;
}

int64_t SessionRepository::CountByTemplate(db::Conn& c, const std::string& template_id,
                                           bool live_only) {
  int64_t n = 0;
  c.sql() << "SELECT COUNT(*) FROM sessions WHERE template_id = :t AND (:l = 0 OR state NOT IN "
             "('stopped', 'failed'))",
      soci::use(template_id), soci::use(live_only ? 1 : 0), soci::into(n);
  return n;
}

}  // namespace sp::sessions
