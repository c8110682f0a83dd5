// Session activity events (spec section 27): domain types and the event vocabulary. No JSON
// encoding, no SQL, no HTTP here. Event timestamps carry milliseconds (spec 27.4), unlike the
// rest of the API, so this header has its own formatter and parser for them.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.hpp"
#include "common/time_format.hpp"

namespace sp::session_events {

// Categories (spec 27.4).
inline constexpr std::string_view kCategoryLifecycle = "lifecycle";
inline constexpr std::string_view kCategoryConnection = "connection";
inline constexpr std::string_view kCategoryState = "state";
inline constexpr std::string_view kCategoryConfiguration = "configuration";
inline constexpr std::string_view kCategoryAccess = "access";
inline constexpr std::string_view kCategoryError = "error";

inline constexpr std::array<std::string_view, 6> kCategories = {
    kCategoryLifecycle,     kCategoryConnection, kCategoryState,
    kCategoryConfiguration, kCategoryAccess,     kCategoryError};

// Event types (spec 27.4).
inline constexpr std::string_view kSessionCreated = "session.created";
inline constexpr std::string_view kSessionStarted = "session.started";
inline constexpr std::string_view kSessionStopped = "session.stopped";
inline constexpr std::string_view kSessionHibernated = "session.hibernated";
inline constexpr std::string_view kSessionWoken = "session.woken";
inline constexpr std::string_view kSessionTerminated = "session.terminated";
inline constexpr std::string_view kSessionDeleted = "session.deleted";
inline constexpr std::string_view kUserConnected = "user.connected";
inline constexpr std::string_view kUserDisconnected = "user.disconnected";
inline constexpr std::string_view kUserHeartbeat = "user.heartbeat";
inline constexpr std::string_view kStateChanged = "state.changed";
inline constexpr std::string_view kResourcesUpdated = "resources.updated";
inline constexpr std::string_view kConfigUpdated = "config.updated";
inline constexpr std::string_view kTagsUpdated = "tags.updated";
inline constexpr std::string_view kAccessGranted = "access.granted";
inline constexpr std::string_view kAccessDenied = "access.denied";
inline constexpr std::string_view kShareCreated = "share.created";
inline constexpr std::string_view kShareRevoked = "share.revoked";
inline constexpr std::string_view kErrorOccurred = "error.occurred";

struct EventTypeInfo {
  std::string_view type;
  std::string_view category;
};

// The mapping follows the overview of spec 27.4: lifecycle is creation, startup, termination
// and deletion; state is running (woken), hibernated and stopped.
inline constexpr std::array<EventTypeInfo, 19> kEventTypes = {{
    {kSessionCreated, kCategoryLifecycle},    {kSessionStarted, kCategoryLifecycle},
    {kSessionStopped, kCategoryState},        {kSessionHibernated, kCategoryState},
    {kSessionWoken, kCategoryState},          {kSessionTerminated, kCategoryLifecycle},
    {kSessionDeleted, kCategoryLifecycle},    {kUserConnected, kCategoryConnection},
    {kUserDisconnected, kCategoryConnection}, {kUserHeartbeat, kCategoryConnection},
    {kStateChanged, kCategoryState},          {kResourcesUpdated, kCategoryConfiguration},
    {kConfigUpdated, kCategoryConfiguration}, {kTagsUpdated, kCategoryConfiguration},
    {kAccessGranted, kCategoryAccess},        {kAccessDenied, kCategoryAccess},
    {kShareCreated, kCategoryAccess},         {kShareRevoked, kCategoryAccess},
    {kErrorOccurred, kCategoryError},
}};

// The category of a known event type; empty for an unknown one.
inline std::string_view CategoryOf(std::string_view event_type) {
  for (const auto& info : kEventTypes) {
    if (info.type == event_type) return info.category;
  }
  return {};
}

inline bool IsKnownCategory(std::string_view category) {
  for (std::string_view c : kCategories) {
    if (c == category) return true;
  }
  return false;
}

struct Event {
  std::string id;  // UUIDv7 text: sorts by creation time within one millisecond too
  std::string session_id;
  std::optional<std::string> user_id;
  std::string event_type;
  std::string category;
  std::string description;
  nlohmann::json metadata = nlohmann::json::object();
  std::string ip_address;
  std::string user_agent;
  std::string timestamp;  // RFC 3339 UTC with milliseconds: 2026-11-26T01:02:03.456Z
};

// What another area records, inside its own transaction. The category follows from
// event_type, which must be one of kEventTypes.
struct EventInput {
  std::string session_id;
  std::optional<std::string> user_id;
  std::string event_type;
  std::string description;
  nlohmann::json metadata = nlohmann::json::object();
  std::string ip_address;
  std::string user_agent;
};

// A manually logged event (POST /sessions/:id/activity/log); the caller, address and user
// agent come from the request.
struct LogRequest {
  std::string event_type;
  std::string description;
  nlohmann::json metadata = nlohmann::json::object();
};

// Filters of the timeline, export and per-user lists. Bounds are inclusive and already in the
// stored millisecond form, so that they compare as text.
struct EventFilter {
  std::optional<std::string> event_type;
  std::optional<std::string> category;
  std::optional<std::string> start;
  std::optional<std::string> end;
};

// One group of the stats query: how many events of a type fell in an hour of the day (UTC).
struct TypeHourCount {
  std::string event_type;
  int hour = 0;  // 0-23
  int64_t count = 0;
};

struct SessionStats {
  std::string session_id;
  int64_t total_events = 0;
  std::vector<std::pair<std::string, int64_t>> by_type;      // sorted by type
  std::vector<std::pair<std::string, int64_t>> by_category;  // every category, in kCategories order
  std::optional<std::string> first_event;
  std::optional<std::string> last_event;
  int64_t connections = 0;  // user.connected events
  std::array<int64_t, 24> hourly{};
};

// "2026-11-26T01:02:03.456Z": fixed width, so that stored values sort as text.
inline std::string FormatTimeMs(TimePoint t) {
  const auto ms_total = std::chrono::floor<std::chrono::milliseconds>(t);
  const auto secs = std::chrono::floor<std::chrono::seconds>(ms_total);
  const int ms = static_cast<int>((ms_total - secs).count());
  std::string text = FormatTime(TimePoint(secs));  // "...:03Z"
  text.pop_back();
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", ms);
  return text + frac;
}

// RFC 3339 with an optional fraction (kept to the millisecond) and any offset.
inline std::optional<TimePoint> ParseTimeMs(std::string_view text) {
  auto t = ParseTime(text);
  if (!t) return std::nullopt;
  if (text.size() > 20 && text[19] == '.') {
    size_t end = 20;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    std::string digits(text.substr(20, std::min<size_t>(end - 20, 3)));
    while (digits.size() < 3) digits.push_back('0');
    int ms = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), ms);
    *t += std::chrono::milliseconds(ms);
  }
  return t;
}

}  // namespace sp::session_events
