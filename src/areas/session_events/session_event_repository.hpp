// SQL for session activity events (table session_events) and the one fact about sessions
// this area needs: who owns a session. Decides nothing: the service authorises.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "areas/session_events/session_event.hpp"
#include "db/database.hpp"
#include "http/pagination.hpp"

namespace sp::session_events {

class SessionEventRepository {
 public:
  // sessions.user_id of the session; nullopt when there is no such session.
  std::optional<std::string> SessionOwner(db::Conn& c, const std::string& session_id);
  bool UserExists(db::Conn& c, const std::string& user_id);

  void Insert(db::Conn& c, const Event& e);

  // One session's events, oldest first.
  std::vector<Event> ListForSession(db::Conn& c, const std::string& session_id,
                                    const EventFilter& filter, const http::Page& page,
                                    int64_t& total);
  // At most `limit` of one session's events, oldest first (for export).
  std::vector<Event> ListAllForSession(db::Conn& c, const std::string& session_id,
                                       const EventFilter& filter, int64_t limit);
  // Events of every session the user owns, newest first.
  std::vector<Event> ListForUser(db::Conn& c, const std::string& user_id, const EventFilter& filter,
                                 const http::Page& page, int64_t& total);

  // Counts grouped by event type and hour of day, for the stats.
  std::vector<TypeHourCount> CountByTypeAndHour(db::Conn& c, const std::string& session_id);
  // Timestamps of the first and last event; both nullopt when there is none.
  std::pair<std::optional<std::string>, std::optional<std::string>> TimeRange(
      db::Conn& c, const std::string& session_id);
};

}  // namespace sp::session_events
