#include "areas/session_events/session_event_repository.hpp"

#include <charconv>

namespace sp::session_events {
namespace {

constexpr const char* kColumns =
    "e.id, e.session_id, e.user_id, e.event_type, e.category, e.description, e.metadata, "
    "e.ip_address, e.user_agent, e.ts";

Event ReadEvent(const soci::row& r) {
  Event e;
  e.id = db::GetString(r, 0);
  e.session_id = db::GetString(r, 1);
  e.user_id = db::GetOptString(r, 2);
  e.event_type = db::GetString(r, 3);
  e.category = db::GetString(r, 4);
  e.description = db::GetString(r, 5);
  e.metadata = nlohmann::json::parse(db::GetString(r, 6), nullptr, /*allow_exceptions=*/false);
  if (!e.metadata.is_object()) e.metadata = nlohmann::json::object();
  e.ip_address = db::GetString(r, 7);
  e.user_agent = db::GetString(r, 8);
  e.timestamp = db::GetString(r, 9);
  return e;
}

// Filters bind as parameters; the WHERE text only has fixed fragments. Every parameter is
// always bound, so that the statement text and the binding list stay in step.
struct FilterBinds {
  std::string where;
  std::string type;
  std::string category;
  std::string start;
  std::string end;
};

FilterBinds BindFilter(const EventFilter& f) {
  FilterBinds b;
  b.type = f.event_type.value_or("");
  b.category = f.category.value_or("");
  b.start = f.start.value_or("");
  b.end = f.end.value_or("");
  b.where += f.event_type ? " AND e.event_type = :et" : " AND :et = ''";
  b.where += f.category ? " AND e.category = :cat" : " AND :cat = ''";
  b.where += f.start ? " AND e.ts >= :sd" : " AND :sd = ''";
  b.where += f.end ? " AND e.ts <= :ed" : " AND :ed = ''";
  return b;
}

}  // namespace

std::optional<std::string> SessionEventRepository::SessionOwner(db::Conn& c,
                                                                const std::string& session_id) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT user_id FROM sessions WHERE id = :id", soci::use(session_id));
  for (const auto& r : rows) return db::GetString(r, 0);
  return std::nullopt;
}

bool SessionEventRepository::UserExists(db::Conn& c, const std::string& user_id) {
  int64_t n = 0;
  c.sql() << "SELECT COUNT(*) FROM users WHERE id = :id", soci::use(user_id), soci::into(n);
  return n > 0;
}

void SessionEventRepository::Insert(db::Conn& c, const Event& e) {
  const std::string user_id = e.user_id.value_or("");
  soci::indicator user_ind = db::Ind(e.user_id);
  const std::string metadata = e.metadata.dump();
  c.sql() << "INSERT INTO session_events (id, session_id, user_id, event_type, category, "
             "description, metadata, ip_address, user_agent, ts) VALUES (:id, :sid, :uid, :et, "
             ":cat, :d, :m, :ip, :ua, :ts)",
      soci::use(e.id), soci::use(e.session_id), soci::use(user_id, user_ind),
      soci::use(e.event_type), soci::use(e.category), soci::use(e.description), soci::use(metadata),
      soci::use(e.ip_address), soci::use(e.user_agent), soci::use(e.timestamp);
}

std::vector<Event> SessionEventRepository::ListForSession(db::Conn& c,
                                                          const std::string& session_id,
                                                          const EventFilter& filter,
                                                          const http::Page& page, int64_t& total) {
  const FilterBinds b = BindFilter(filter);
  c.sql() << "SELECT COUNT(*) FROM session_events e WHERE e.session_id = :sid" << b.where,
      soci::use(session_id), soci::use(b.type), soci::use(b.category), soci::use(b.start),
      soci::use(b.end), soci::into(total);
  const int64_t limit = page.page_size;
  const int64_t offset = page.Offset();
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kColumns
                       << " FROM session_events e WHERE e.session_id = :sid" << b.where
                       << " ORDER BY e.ts, e.id LIMIT :lim OFFSET :off",
       soci::use(session_id), soci::use(b.type), soci::use(b.category), soci::use(b.start),
       soci::use(b.end), soci::use(limit), soci::use(offset));
  std::vector<Event> out;
  for (const auto& r : rows) out.push_back(ReadEvent(r));
  return out;
}

std::vector<Event> SessionEventRepository::ListAllForSession(db::Conn& c,
                                                             const std::string& session_id,
                                                             const EventFilter& filter,
                                                             int64_t limit) {
  const FilterBinds b = BindFilter(filter);
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kColumns
                       << " FROM session_events e WHERE e.session_id = :sid" << b.where
                       << " ORDER BY e.ts, e.id LIMIT :lim",
       soci::use(session_id), soci::use(b.type), soci::use(b.category), soci::use(b.start),
       soci::use(b.end), soci::use(limit));
  std::vector<Event> out;
  for (const auto& r : rows) out.push_back(ReadEvent(r));
  return out;
}

std::vector<Event> SessionEventRepository::ListForUser(db::Conn& c, const std::string& user_id,
                                                       const EventFilter& filter,
                                                       const http::Page& page, int64_t& total) {
  const FilterBinds b = BindFilter(filter);
  constexpr const char* kFrom =
      " FROM session_events e JOIN sessions s ON s.id = e.session_id WHERE s.user_id = :uid";
  c.sql() << "SELECT COUNT(*)" << kFrom << b.where, soci::use(user_id), soci::use(b.type),
      soci::use(b.category), soci::use(b.start), soci::use(b.end), soci::into(total);
  const int64_t limit = page.page_size;
  const int64_t offset = page.Offset();
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT " << kColumns << kFrom << b.where
                       << " ORDER BY e.ts DESC, e.id DESC LIMIT :lim OFFSET :off",
       soci::use(user_id), soci::use(b.type), soci::use(b.category), soci::use(b.start),
       soci::use(b.end), soci::use(limit), soci::use(offset));
  std::vector<Event> out;
  for (const auto& r : rows) out.push_back(ReadEvent(r));
  return out;
}

std::vector<TypeHourCount> SessionEventRepository::CountByTypeAndHour(
    db::Conn& c, const std::string& session_id) {
  // Characters 12-13 of the stored timestamp are the UTC hour; substr is the same on SQLite
  // and PostgreSQL.
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT event_type, substr(ts, 12, 2), COUNT(*) FROM session_events "
                          "WHERE session_id = :sid GROUP BY event_type, substr(ts, 12, 2)",
       soci::use(session_id));
  std::vector<TypeHourCount> out;
  for (const auto& r : rows) {
    TypeHourCount t;
    t.event_type = db::GetString(r, 0);
    const std::string hour = db::GetString(r, 1);
    std::from_chars(hour.data(), hour.data() + hour.size(), t.hour);
    t.count = db::GetInt(r, 2);
    out.push_back(std::move(t));
  }
  return out;
}

std::pair<std::optional<std::string>, std::optional<std::string>> SessionEventRepository::TimeRange(
    db::Conn& c, const std::string& session_id) {
  soci::rowset<soci::row> rows =
      (c.sql().prepare << "SELECT MIN(ts), MAX(ts) FROM session_events WHERE session_id = :sid",
       soci::use(session_id));
  for (const auto& r : rows) return {db::GetOptString(r, 0), db::GetOptString(r, 1)};
  return {};
}

}  // namespace sp::session_events
