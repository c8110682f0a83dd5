#include "areas/session_events/session_event_service.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "common/crypto.hpp"

namespace sp::session_events {
namespace {

Error SessionNotFound() { return Error{Errc::kNotFound, "session not found", {}, 0}; }
Error UserNotFound() { return Error{Errc::kNotFound, "user not found", {}, 0}; }

}  // namespace

std::string UuidV7(int64_t unix_ms, uint16_t seq, std::string_view random_bytes) {
  std::string b(16, '\0');
  const auto ms = static_cast<uint64_t>(unix_ms);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<char>((ms >> (40 - 8 * i)) & 0xff);
  b[6] = static_cast<char>(0x70 | ((seq >> 8) & 0x0f));  // version 7, high bits of seq
  b[7] = static_cast<char>(seq & 0xff);
  for (size_t i = 8; i < 16; ++i) {
    b[i] = i - 8 < random_bytes.size() ? random_bytes[i - 8] : '\0';
  }
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);  // RFC 9562 variant
  const std::string h = HexEncode(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::string TruncateUtf8(std::string s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut sequence.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

SessionStats BuildStats(std::string session_id, const std::vector<TypeHourCount>& counts,
                        std::optional<std::string> first_event,
                        std::optional<std::string> last_event) {
  SessionStats s;
  s.session_id = std::move(session_id);
  s.first_event = std::move(first_event);
  s.last_event = std::move(last_event);
  std::map<std::string, int64_t> by_type;
  std::map<std::string, int64_t, std::less<>> by_category;
  for (const auto& c : counts) {
    s.total_events += c.count;
    by_type[c.event_type] += c.count;
    const std::string_view category = CategoryOf(c.event_type);
    if (!category.empty()) by_category[std::string(category)] += c.count;
    if (c.hour >= 0 && c.hour < 24) s.hourly[static_cast<size_t>(c.hour)] += c.count;
    if (c.event_type == kUserConnected) s.connections += c.count;
  }
  s.by_type.assign(by_type.begin(), by_type.end());
  for (std::string_view category : kCategories) {
    auto it = by_category.find(category);
    s.by_category.emplace_back(std::string(category), it == by_category.end() ? 0 : it->second);
  }
  return s;
}

std::string SessionEventService::NextId(TimePoint now) {
  int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  uint16_t seq = 0;
  {
    std::lock_guard<std::mutex> lock(id_mutex_);
    if (ms <= last_id_ms_) {
      // Same millisecond (or a clock step back): keep counting on from the last id.
      ms = last_id_ms_;
      if (++id_seq_ > 0x0fff) {
        ++ms;
        id_seq_ = 0;
      }
    } else {
      id_seq_ = 0;
    }
    last_id_ms_ = ms;
    seq = id_seq_;
  }
  return UuidV7(ms, seq, RandomBytes(8));
}

Event SessionEventService::Make(const EventInput& in) {
  const std::string_view category = CategoryOf(in.event_type);
  if (category.empty()) {
    throw std::invalid_argument("unknown session event type '" + in.event_type + "'");
  }
  const TimePoint now = clock_.Now();
  Event e;
  e.id = NextId(now);
  e.session_id = in.session_id;
  e.user_id = in.user_id;
  if (e.user_id && e.user_id->empty()) e.user_id.reset();
  e.event_type = in.event_type;
  e.category = std::string(category);
  e.description = in.description;
  e.metadata = in.metadata.is_null() ? nlohmann::json::object() : in.metadata;
  e.ip_address = in.ip_address;
  e.user_agent = TruncateUtf8(in.user_agent, kMaxUserAgentBytes);
  e.timestamp = FormatTimeMs(now);
  return e;
}

void SessionEventService::Record(db::Conn& c, const EventInput& e) { repo_.Insert(c, Make(e)); }

Status SessionEventService::CheckAccess(db::Conn& c, const auth::Principal& who,
                                        const std::string& session_id) {
  auto owner = repo_.SessionOwner(c, session_id);
  if (!owner) return Fail(SessionNotFound());
  if (!who.IsSelf(*owner) && !who.IsOperator()) return Fail(SessionNotFound());
  return Ok();
}

Result<Event> SessionEventService::Log(const auth::Principal& who, const std::string& session_id,
                                       LogRequest req, std::string ip_address,
                                       std::string user_agent) {
  EventInput in;
  in.session_id = session_id;
  in.user_id = who.user_id;
  in.event_type = std::move(req.event_type);
  in.description = std::move(req.description);
  in.metadata = std::move(req.metadata);
  in.ip_address = std::move(ip_address);
  in.user_agent = std::move(user_agent);
  if (CategoryOf(in.event_type).empty()) {
    return Fail(Errc::kInvalidArgument, "field 'eventType': unknown event type");
  }
  return db_.Transaction([&](db::Conn& c) -> Result<Event> {
    if (auto st = CheckAccess(c, who, session_id); !st) return Fail(st.error());
    Event e = Make(in);
    repo_.Insert(c, e);
    return e;
  });
}

Result<EventList> SessionEventService::Timeline(const auth::Principal& who,
                                                const std::string& session_id,
                                                const EventFilter& filter, const http::Page& page) {
  return db_.Read([&](db::Conn& c) -> Result<EventList> {
    if (auto st = CheckAccess(c, who, session_id); !st) return Fail(st.error());
    EventList out;
    out.events = repo_.ListForSession(c, session_id, filter, page, out.total);
    return out;
  });
}

Result<SessionStats> SessionEventService::Stats(const auth::Principal& who,
                                                const std::string& session_id) {
  return db_.Read([&](db::Conn& c) -> Result<SessionStats> {
    if (auto st = CheckAccess(c, who, session_id); !st) return Fail(st.error());
    auto [first, last] = repo_.TimeRange(c, session_id);
    return BuildStats(session_id, repo_.CountByTypeAndHour(c, session_id), std::move(first),
                      std::move(last));
  });
}

Result<EventExport> SessionEventService::Export(const auth::Principal& who,
                                                const std::string& session_id,
                                                const EventFilter& filter) {
  return db_.Read([&](db::Conn& c) -> Result<EventExport> {
    if (auto st = CheckAccess(c, who, session_id); !st) return Fail(st.error());
    EventExport out;
    // One row more than allowed tells whether the export is cut short.
    out.events = repo_.ListAllForSession(c, session_id, filter, kMaxExportRows + 1);
    if (static_cast<int64_t>(out.events.size()) > kMaxExportRows) {
      out.events.resize(static_cast<size_t>(kMaxExportRows));
      out.truncated = true;
    }
    return out;
  });
}

Result<EventList> SessionEventService::UserActivity(const auth::Principal& who,
                                                    const std::string& user_id,
                                                    const EventFilter& filter,
                                                    const http::Page& page) {
  if (!who.IsSelf(user_id) && !who.IsOperator()) return Fail(UserNotFound());
  return db_.Read([&](db::Conn& c) -> Result<EventList> {
    if (!repo_.UserExists(c, user_id)) return Fail(UserNotFound());
    EventList out;
    out.events = repo_.ListForUser(c, user_id, filter, page, out.total);
    return out;
  });
}

}  // namespace sp::session_events
