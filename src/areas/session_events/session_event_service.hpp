// Session activity: the rules. Other areas record events inside their own transactions
// (Record, no authorisation: they already authorised); API callers log, list, count and export
// the events of sessions they own, and operators and admins those of every session. A session
// the caller may not see answers "session not found", exactly as one that does not exist.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "areas/session_events/session_event.hpp"
#include "areas/session_events/session_event_repository.hpp"
#include "auth/principal.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "db/database.hpp"
#include "http/pagination.hpp"

namespace sp::session_events {

inline constexpr int64_t kMaxExportRows = 100'000;
inline constexpr size_t kMaxDescriptionChars = 1000;
inline constexpr size_t kMaxMetadataBytes = 16 * 1024;  // serialized
inline constexpr size_t kMaxUserAgentBytes = 512;

struct EventList {
  std::vector<Event> events;
  int64_t total = 0;
};

struct EventExport {
  std::vector<Event> events;
  bool truncated = false;  // more than kMaxExportRows matched; the oldest ones are exported
};

class SessionEventService {
 public:
  SessionEventService(db::Database& db, SessionEventRepository& repo, const Clock& clock)
      : db_(db), repo_(repo), clock_(clock) {}

  // Records inside the caller's transaction; no authorisation (the caller already authorised).
  // An event_type outside kEventTypes is a programming error: throws std::invalid_argument.
  void Record(db::Conn& c, const EventInput& e);

  // Logs an event by hand for the caller, from the request's address and user agent.
  Result<Event> Log(const auth::Principal& who, const std::string& session_id, LogRequest req,
                    std::string ip_address, std::string user_agent);
  // The session's events matching filter, oldest first.
  Result<EventList> Timeline(const auth::Principal& who, const std::string& session_id,
                             const EventFilter& filter, const http::Page& page);
  Result<SessionStats> Stats(const auth::Principal& who, const std::string& session_id);
  // At most kMaxExportRows events, oldest first.
  Result<EventExport> Export(const auth::Principal& who, const std::string& session_id,
                             const EventFilter& filter);
  // Events of every session the user owns, newest first; self, operators and admins only.
  Result<EventList> UserActivity(const auth::Principal& who, const std::string& user_id,
                                 const EventFilter& filter, const http::Page& page);

 private:
  Event Make(const EventInput& e);
  std::string NextId(TimePoint now);
  Status CheckAccess(db::Conn& c, const auth::Principal& who, const std::string& session_id);

  db::Database& db_;
  SessionEventRepository& repo_;
  const Clock& clock_;
  std::mutex id_mutex_;  // guards the two below: ids stay ordered within one millisecond
  int64_t last_id_ms_ = 0;
  uint16_t id_seq_ = 0;
};

// Folds the grouped counts of the stats query into the stats body.
SessionStats BuildStats(std::string session_id, const std::vector<TypeHourCount>& counts,
                        std::optional<std::string> first_event,
                        std::optional<std::string> last_event);

// A UUIDv7 (RFC 9562) text: 48-bit Unix milliseconds, a 12-bit sequence in rand_a, and 62
// bits from random_bytes (at least 8 bytes). Ids made in order compare in order as text.
std::string UuidV7(int64_t unix_ms, uint16_t seq, std::string_view random_bytes);

// Cuts s to at most max_bytes without splitting a UTF-8 sequence.
std::string TruncateUtf8(std::string s, size_t max_bytes);

}  // namespace sp::session_events
