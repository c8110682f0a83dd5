#include "common/time_format.hpp"

#include <charconv>
#include <ctime>

#include <fmt/format.h>

namespace sp {

std::string FormatTime(TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

namespace {

bool ReadInt(std::string_view text, size_t pos, size_t len, int& out) {
  if (pos + len > text.size()) return false;
  const char* begin = text.data() + pos;
  auto [ptr, ec] = std::from_chars(begin, begin + len, out);
  return ec == std::errc() && ptr == begin + len;
}

}  // namespace

std::optional<TimePoint> ParseTime(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  if (!ReadInt(text, 0, 4, year) || !ReadInt(text, 5, 2, month) || !ReadInt(text, 8, 2, day) ||
      !ReadInt(text, 11, 2, hour) || !ReadInt(text, 14, 2, minute) ||
      !ReadInt(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  // system_clock counts nanoseconds in 64 bits: it ends in 2262.
  if (year < 1900 || year > 2200) return std::nullopt;
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
  }
  int offset_s = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh = 0, om = 0;
    if (!ReadInt(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !ReadInt(text, pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset_s = (oh * 3600 + om * 60) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(month),
                                        std::chrono::day(day)};
  if (!ymd.ok()) return std::nullopt;
  const auto days = std::chrono::sys_days(ymd);
  return TimePoint(days) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second) - std::chrono::seconds(offset_s);
}

std::optional<std::chrono::seconds> ParseDuration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, value);
  if (ec != std::errc() || ptr != text.data() + text.size() - 1 || value <= 0) return std::nullopt;
  long long unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 7 * 86400;
      break;
    case 'y':
      unit = 365 * 86400;
      break;
    default:
      return std::nullopt;
  }
  constexpr long long kMaxSeconds = 100LL * 365 * 86400;  // no key lives longer than a century
  if (value > kMaxSeconds / unit) return std::nullopt;
  return std::chrono::seconds(value * unit);
}

}  // namespace sp
