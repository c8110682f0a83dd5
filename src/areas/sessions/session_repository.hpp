// SQL for sessions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "areas/quotas/quota_limits.hpp"
#include "areas/sessions/session.hpp"
#include "db/database.hpp"
#include "http/pagination.hpp"

namespace sp::sessions {

struct AgentLoad {
  std::string agent_id;
  std::string platform;
  int64_t max_sessions = 0;
  int64_t live_sessions = 0;
};

class SessionRepository {
 public:
  std::optional<Session> Find(db::Conn& c, const std::string& id);
  std::vector<Session> List(db::Conn& c, const SessionFilter& f, const http::Page& page,
                            int64_t& total);
  std::vector<Session> OnAgent(db::Conn& c, const std::string& agent_id);
  void Insert(db::Conn& c, const Session& s);
  void Update(db::Conn& c, const Session& s);  // every mutable column
  // Sessions in state running whose last activity is older than their idle threshold.
  std::vector<Session> IdleCandidates(db::Conn& c, const std::string& now);
  void TouchActivity(db::Conn& c, const std::string& id, const std::string& now);
  // What a user's live sessions request (sessions counted by quota rules).
  quotas::QuotaLimits Usage(db::Conn& c, const std::string& user_id);
  // Approved, online agents that can run on `platforms`, with their load.
  std::vector<AgentLoad> Candidates(db::Conn& c, const std::vector<std::string>& platforms);
  int64_t CountByTemplate(db::Conn& c, const std::string& template_id, bool live_only);
};

}  // namespace sp::sessions
