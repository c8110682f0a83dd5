#include "areas/quotas/quota_limits.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace sp::quotas {
namespace {

// Kubernetes quantity suffixes: binary (Ki..Ti) and decimal (k/K..T); none means bytes.
constexpr std::array<std::pair<std::string_view, double>, 10> kByteSuffixes = {{
    {"", 1.0},
    {"Ki", 1024.0},
    {"Mi", 1024.0 * 1024},
    {"Gi", 1024.0 * 1024 * 1024},
    {"Ti", 1024.0 * 1024 * 1024 * 1024},
    {"K", 1e3},
    {"k", 1e3},
    {"M", 1e6},
    {"G", 1e9},
    {"T", 1e12},
}};

// Splits "1.5Gi" into 1.5 and "Gi". Returns false when the number part is malformed.
bool SplitQuantity(std::string_view s, double& number, std::string_view& suffix) {
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  if (i == 0) return false;
  const std::string num(s.substr(0, i));
  char* end = nullptr;
  number = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size() || !std::isfinite(number) || number < 0) return false;
  suffix = s.substr(i);
  return true;
}

std::optional<int64_t> Rounded(double v) {
  if (v < 0 || v > 9e15) return std::nullopt;
  return static_cast<int64_t>(std::llround(v));
}

// value in `unit_bytes`-sized units for a byte-quantity string, or a plain number taken as
// `plain_factor` of those units.
std::optional<int64_t> ParseBytesQuantity(const nlohmann::json& value, double unit_bytes,
                                          double plain_factor) {
  if (value.is_number()) {
    const double v = value.get<double>();
    if (v < 0) return std::nullopt;
    return Rounded(v * plain_factor);
  }
  if (!value.is_string()) return std::nullopt;
  double number = 0;
  std::string_view suffix;
  if (!SplitQuantity(value.get_ref<const std::string&>(), number, suffix)) return std::nullopt;
  const auto* unit = std::find_if(kByteSuffixes.begin(), kByteSuffixes.end(),
                                  [&](const auto& entry) { return entry.first == suffix; });
  if (unit == kByteSuffixes.end()) return std::nullopt;
  const double multiplier = unit->second;
  return Rounded(number * multiplier / unit_bytes);
}

}  // namespace

std::optional<int64_t> ParseCpuMillicores(const nlohmann::json& value) {
  if (value.is_number()) {
    const double v = value.get<double>();
    return v < 0 ? std::nullopt : Rounded(v);
  }
  if (!value.is_string()) return std::nullopt;
  double number = 0;
  std::string_view suffix;
  if (!SplitQuantity(value.get_ref<const std::string&>(), number, suffix)) return std::nullopt;
  if (suffix == "m") return Rounded(number);
  if (suffix.empty()) return Rounded(number * 1000);
  return std::nullopt;
}

std::optional<int64_t> ParseMemoryMib(const nlohmann::json& value) {
  // A plain number is megabytes (spec units); a quantity string is converted to MiB.
  return ParseBytesQuantity(value, 1024.0 * 1024, 1.0);
}

std::optional<int64_t> ParseStorageGib(const nlohmann::json& value) {
  return ParseBytesQuantity(value, 1024.0 * 1024 * 1024, 1.0);
}

std::string FormatCpu(int64_t millicores) { return std::to_string(millicores) + "m"; }

std::string FormatMemory(int64_t mib) {
  if (mib != 0 && mib % 1024 == 0) return std::to_string(mib / 1024) + "Gi";
  return std::to_string(mib) + "Mi";
}

std::string FormatStorage(int64_t gib) { return std::to_string(gib) + "Gi"; }

QuotaLimits ReadQuotaUpdate(http::JsonReader& reader, QuotaLimits base) {
  if (auto v = reader.Int("maxSessions", {.min = 0, .max = kMaxSessionsLimit})) {
    base.max_sessions = *v;
  }
  struct Field {
    const char* name;
    std::optional<int64_t> (*parse)(const nlohmann::json&);
    int64_t max;
    const char* hint;
    int64_t QuotaLimits::*member;
  };
  static constexpr Field kFields[] = {
      {"maxCpu", &ParseCpuMillicores, kMaxCpuMillicores,
       "must be a CPU quantity such as \"4000m\" or \"4\" (at most 1000 cores)",
       &QuotaLimits::cpu_millicores},
      {"maxMemory", &ParseMemoryMib, kMaxMemoryMib,
       "must be a memory quantity such as \"8Gi\" or \"512Mi\" (at most ~10 TB)",
       &QuotaLimits::memory_mib},
      {"maxStorage", &ParseStorageGib, kMaxStorageGib,
       "must be a storage quantity such as \"50Gi\" (at most 100 TB)", &QuotaLimits::storage_gib},
  };
  for (const Field& f : kFields) {
    auto raw = reader.Scalar(f.name);
    if (!raw) continue;
    auto parsed = f.parse(*raw);
    if (!parsed || *parsed > f.max) {
      reader.Reject(f.name, f.hint);
      continue;
    }
    base.*f.member = *parsed;
  }
  return base;
}

void WriteLimits(nlohmann::json& out, const QuotaLimits& limits) {
  out["maxSessions"] = limits.max_sessions;
  out["maxCpu"] = FormatCpu(limits.cpu_millicores);
  out["maxMemory"] = FormatMemory(limits.memory_mib);
  out["maxStorage"] = FormatStorage(limits.storage_gib);
}

}  // namespace sp::quotas
