#include "areas/session_events/session_event_json.hpp"

#include <fmt/format.h>

#include "areas/session_events/session_event_service.hpp"
#include "http/json_reader.hpp"

namespace sp::session_events {
namespace {

std::vector<std::string_view> EventTypeNames() {
  std::vector<std::string_view> out;
  out.reserve(std::size(kEventTypes));
  for (const auto& info : kEventTypes) out.push_back(info.type);
  return out;
}

bool IsFullDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// start: the first millisecond of a full date; end: its last.
Result<std::optional<std::string>> ParseBound(const http::QueryParams& q, std::string_view name,
                                              bool is_end) {
  auto raw = q.Get(name);
  if (!raw || raw->empty()) return std::optional<std::string>();
  std::optional<TimePoint> t;
  if (IsFullDate(*raw)) {
    t = ParseTimeMs(std::string(*raw) + "T00:00:00Z");
    if (t && is_end) *t += std::chrono::hours(24) - std::chrono::milliseconds(1);
  } else {
    t = ParseTimeMs(*raw);
  }
  if (!t) {
    return Fail(Errc::kInvalidArgument,
                fmt::format("query parameter '{}' must be an RFC 3339 time such as "
                            "2026-01-02T15:04:05Z",
                            name));
  }
  return std::optional<std::string>(FormatTimeMs(*t));
}

}  // namespace

nlohmann::json ToJson(const Event& e) {
  nlohmann::json j = {{"id", e.id},
                      {"sessionId", e.session_id},
                      {"eventType", e.event_type},
                      {"eventCategory", e.category}};
  if (e.user_id && !e.user_id->empty()) j["userId"] = *e.user_id;
  if (!e.description.empty()) j["description"] = e.description;
  if (!e.metadata.empty()) j["metadata"] = e.metadata;
  if (!e.ip_address.empty()) j["ipAddress"] = e.ip_address;
  if (!e.user_agent.empty()) j["userAgent"] = e.user_agent;
  j["timestamp"] = e.timestamp;
  return j;
}

nlohmann::json ToJson(const SessionStats& s) {
  nlohmann::json by_type = nlohmann::json::object();
  for (const auto& [type, n] : s.by_type) by_type[type] = n;
  nlohmann::json by_category = nlohmann::json::object();
  for (const auto& [category, n] : s.by_category) by_category[category] = n;
  nlohmann::json hourly = nlohmann::json::array();
  for (int64_t n : s.hourly) hourly.push_back(n);
  return {{"sessionId", s.session_id},
          {"totalEvents", s.total_events},
          {"byType", std::move(by_type)},
          {"byCategory", std::move(by_category)},
          {"firstEvent", s.first_event ? nlohmann::json(*s.first_event) : nlohmann::json()},
          {"lastEvent", s.last_event ? nlohmann::json(*s.last_event) : nlohmann::json()},
          {"connections", s.connections},
          {"hourly", std::move(hourly)}};
}

Result<LogRequest> ParseLogEvent(std::string_view body) {
  static const std::vector<std::string_view> kTypeNames = EventTypeNames();
  http::JsonReader r(body);
  LogRequest req;
  req.event_type =
      r.String("eventType", {.required = true, .max = 100, .one_of = kTypeNames}).value_or("");
  req.description = r.String("description", {.max = kMaxDescriptionChars}).value_or("");
  if (r.Has("metadata")) {
    // JsonReader has no object accessor: read the (already valid) body once more.
    const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    const nlohmann::json& metadata = json.at("metadata");
    if (!metadata.is_object()) {
      r.Reject("metadata", "must be a JSON object");
    } else if (metadata.dump().size() > kMaxMetadataBytes) {
      r.Reject("metadata",
               fmt::format("must be at most {} bytes when serialized", kMaxMetadataBytes));
    } else {
      req.metadata = metadata;
    }
  }
  if (auto st = r.Finish(); !st) return Fail(st.error());
  return req;
}

Result<EventFilter> ParseEventFilter(const http::QueryParams& query) {
  EventFilter f;
  if (auto type = query.Get("event_type"); type && !type->empty()) {
    if (CategoryOf(*type).empty()) {
      return Fail(Errc::kInvalidArgument,
                  "query parameter 'event_type' must be a known event type such as "
                  "session.created");
    }
    f.event_type = std::string(*type);
  }
  if (auto category = query.Get("category"); category && !category->empty()) {
    if (!IsKnownCategory(*category)) {
      return Fail(Errc::kInvalidArgument,
                  fmt::format("query parameter 'category' must be one of: {}",
                              fmt::join(kCategories, ", ")));
    }
    f.category = std::string(*category);
  }
  auto start = ParseBound(query, "start_date", false);
  if (!start) return Fail(start.error());
  auto end = ParseBound(query, "end_date", true);
  if (!end) return Fail(end.error());
  f.start = std::move(*start);
  f.end = std::move(*end);
  if (f.start && f.end && *f.end < *f.start) {
    return Fail(Errc::kInvalidArgument,
                "query parameter 'end_date' must not be before 'start_date'");
  }
  return f;
}

Result<ExportFormat> ParseExportFormat(const http::QueryParams& query) {
  auto format = query.Get("format");
  if (!format || format->empty() || *format == "json") return ExportFormat::kJson;
  if (*format == "csv") return ExportFormat::kCsv;
  return Fail(Errc::kInvalidArgument, "query parameter 'format' must be csv or json");
}

std::string CsvField(std::string_view value) {
  std::string s;
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
                         value[0] == '\t' || value[0] == '\r')) {
    s.push_back('\'');
  }
  s.append(value);
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string quoted;
  quoted.reserve(s.size() + 2);
  quoted.push_back('"');
  for (char c : s) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

std::string ToCsv(const std::vector<Event>& events) {
  std::string out(kCsvHeader);
  out += "\r\n";
  for (const auto& e : events) {
    const std::string fields[] = {
        e.id,
        e.timestamp,
        e.event_type,
        e.category,
        e.user_id.value_or(""),
        e.ip_address,
        e.user_agent,
        e.description,
        e.metadata.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
    bool first = true;
    for (const auto& f : fields) {
      if (!first) out.push_back(',');
      first = false;
      out += CsvField(f);
    }
    out += "\r\n";
  }
  return out;
}

std::string ExportDisposition(std::string_view session_id, std::string_view extension) {
  std::string safe;
  for (char c : session_id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (ok) safe.push_back(c);
  }
  return fmt::format("attachment; filename=\"session-{}-activity.{}\"", safe, extension);
}

}  // namespace sp::session_events
