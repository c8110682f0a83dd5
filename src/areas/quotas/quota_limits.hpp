// Resource limits as stored and enforced: sessions, CPU in millicores, memory in MiB,
// storage in GiB. On the wire (users' and groups' quota endpoints) CPU, memory and storage
// are Kubernetes-style quantities ("4000m", "8Gi", "50Gi"); plain numbers are read in the
// spec's units (millicores, MB, GB).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "http/json_reader.hpp"

namespace sp::quotas {

struct QuotaLimits {
  int64_t max_sessions = 0;
  int64_t cpu_millicores = 0;
  int64_t memory_mib = 0;
  int64_t storage_gib = 0;
};

// What applies when no override is set (spec section 22's example defaults).
inline constexpr QuotaLimits kDefaultUserLimits{10, 4000, 8192, 100};
inline constexpr QuotaLimits kDefaultGroupLimits{100, 100000, 204800, 1000};

// Upper bounds of SetQuotaRequest (spec section 22.4).
inline constexpr int64_t kMaxSessionsLimit = 10000;
inline constexpr int64_t kMaxCpuMillicores = 1000000;
inline constexpr int64_t kMaxMemoryMib = 10000000;
inline constexpr int64_t kMaxStorageGib = 100000;

std::optional<int64_t> ParseCpuMillicores(const nlohmann::json& value);
std::optional<int64_t> ParseMemoryMib(const nlohmann::json& value);
std::optional<int64_t> ParseStorageGib(const nlohmann::json& value);
std::string FormatCpu(int64_t millicores);
std::string FormatMemory(int64_t mib);
std::string FormatStorage(int64_t gib);

// Reads the fields of a SetQuotaRequest present in the body over `base` (fields left out
// keep their value), recording any problem in the reader.
QuotaLimits ReadQuotaUpdate(http::JsonReader& reader, QuotaLimits base);

// The limit fields of UserQuota / GroupQuota.
void WriteLimits(nlohmann::json& out, const QuotaLimits& limits);

}  // namespace sp::quotas
