// Timestamps are UTC. In JSON and in the database they are RFC 3339 text with second
// precision and a trailing Z, which sorts correctly as text on both databases.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace sp {

std::string FormatTime(TimePoint t);
std::optional<TimePoint> ParseTime(std::string_view text);

// Parses a duration such as "30d", "12h", "45m", "90s", "2w" or "1y" (365 days).
std::optional<std::chrono::seconds> ParseDuration(std::string_view text);

}  // namespace sp
