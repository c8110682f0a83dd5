#include "areas/quotas/quota_limits.hpp"

#include <gtest/gtest.h>

namespace sp::quotas {
namespace {

using nlohmann::json;

TEST(Quantities, Cpu) {
  EXPECT_EQ(ParseCpuMillicores(json("4000m")), 4000);
  EXPECT_EQ(ParseCpuMillicores(json("2")), 2000);
  EXPECT_EQ(ParseCpuMillicores(json("0.5")), 500);
  EXPECT_EQ(ParseCpuMillicores(json(1500)), 1500);
  EXPECT_FALSE(ParseCpuMillicores(json("4Gi")));
  EXPECT_FALSE(ParseCpuMillicores(json("-1")));
  EXPECT_FALSE(ParseCpuMillicores(json(true)));
}

TEST(Quantities, MemoryAndStorage) {
  EXPECT_EQ(ParseMemoryMib(json("8Gi")), 8192);
  EXPECT_EQ(ParseMemoryMib(json("512Mi")), 512);
  EXPECT_EQ(ParseMemoryMib(json(2048)), 2048);
  EXPECT_EQ(ParseStorageGib(json("50Gi")), 50);
  EXPECT_EQ(ParseStorageGib(json("1Ti")), 1024);
  EXPECT_FALSE(ParseMemoryMib(json("8 GB")));
  EXPECT_EQ(FormatMemory(8192), "8Gi");
  EXPECT_EQ(FormatMemory(1000), "1000Mi");
  EXPECT_EQ(FormatCpu(4000), "4000m");
}

TEST(QuotaUpdate, KeepsUnsetFieldsAndValidatesRanges) {
  {
    http::JsonReader r(R"({"maxSessions": 3, "maxMemory": "4Gi"})");
    auto q = ReadQuotaUpdate(r, kDefaultUserLimits);
    ASSERT_TRUE(r.Finish());
    EXPECT_EQ(q.max_sessions, 3);
    EXPECT_EQ(q.memory_mib, 4096);
    EXPECT_EQ(q.cpu_millicores, kDefaultUserLimits.cpu_millicores);
  }
  {
    http::JsonReader r(R"({"maxSessions": 10001})");
    ReadQuotaUpdate(r, kDefaultUserLimits);
    EXPECT_EQ(r.Finish().error().message, "field 'maxSessions': must be between 0 and 10000");
  }
  {
    http::JsonReader r(R"({"maxCpu": "lots"})");
    ReadQuotaUpdate(r, kDefaultUserLimits);
    EXPECT_NE(r.Finish().error().message.find("field 'maxCpu'"), std::string::npos);
  }
}

}  // namespace
}  // namespace sp::quotas
