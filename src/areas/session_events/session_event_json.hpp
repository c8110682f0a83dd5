// Session activity on the wire: the JSON keys of SessionActivityEvent and of the stats body,
// the query filters, and the CSV export format live here and nowhere else.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "areas/session_events/session_event.hpp"
#include "common/error.hpp"
#include "http/query.hpp"

namespace sp::session_events {

nlohmann::json ToJson(const Event& e);
nlohmann::json ToJson(const SessionStats& s);

// Body of POST /sessions/:id/activity/log: eventType (required, a known type), description
// (at most 1000 characters), metadata (an object, at most 16 KiB serialized).
Result<LogRequest> ParseLogEvent(std::string_view body);

// Query parameters event_type, category, start_date and end_date (RFC 3339 date-times, or
// full dates: a start date means its first millisecond, an end date its last). Bounds are
// inclusive; a malformed one is a 400 that names the parameter.
Result<EventFilter> ParseEventFilter(const http::QueryParams& query);

enum class ExportFormat { kJson, kCsv };
// format=json (the default) or format=csv.
Result<ExportFormat> ParseExportFormat(const http::QueryParams& query);

// One CSV field per RFC 4180: quoted when it holds a comma, a quote, CR or LF, with quotes
// doubled. A value that a spreadsheet would run as a formula (it starts with = + - @, a tab or
// CR) gets a leading single quote first.
std::string CsvField(std::string_view value);
inline constexpr std::string_view kCsvHeader =
    "id,timestamp,eventType,eventCategory,userId,ipAddress,userAgent,description,metadata";
// The header and one line per event, each ended by CRLF.
std::string ToCsv(const std::vector<Event>& events);

// attachment; filename="session-<id>-activity.<ext>", with the id reduced to [A-Za-z0-9_-].
std::string ExportDisposition(std::string_view session_id, std::string_view extension);

}  // namespace sp::session_events
