#include <gtest/gtest.h>

#include "agent/platform/kubernetes_platform.hpp"

namespace sp::agent {
namespace {

TEST(KubernetesNames, ObjectNamesAreDnsLabelsOrHashes) {
  EXPECT_EQ(KubeObjectName("4f6a2c1d-0000-4b1e-8e2a-5c7d9f1a3b21"),
            "ss-4f6a2c1d-0000-4b1e-8e2a-5c7d9f1a3b21");
  const std::string hashed = KubeObjectName("Upper_Case");
  EXPECT_EQ(hashed.size(), 3u + 32u);
  EXPECT_EQ(hashed, KubeObjectName("Upper_Case"));  // stable: the agent finds it again
  EXPECT_NE(hashed, KubeObjectName("upper_case"));
  EXPECT_NE(KubeObjectName("-leading"), "ss--leading");
  EXPECT_NE(KubeObjectName(std::string(61, 'a')), "ss-" + std::string(61, 'a'));
}

TEST(KubernetesNames, LabelValuesKeepValidTextAndHashTheRest) {
  EXPECT_EQ(KubeLabelValue("terminal"), "terminal");
  EXPECT_EQ(KubeLabelValue("A_b.c-9"), "A_b.c-9");
  EXPECT_EQ(KubeLabelValue(""), "");
  EXPECT_EQ(KubeLabelValue("with space").rfind("h-", 0), 0u);
  EXPECT_EQ(KubeLabelValue("trailing.").rfind("h-", 0), 0u);
  EXPECT_EQ(KubeLabelValue(std::string(64, 'a')).rfind("h-", 0), 0u);
}

TEST(KubernetesNames, StorageQuantities) {
  for (const char* ok : {"1Gi", "500Mi", "1.5G", "10", "2Ti", "100k"}) {
    EXPECT_TRUE(IsStorageQuantity(ok)) << ok;
  }
  for (const char* bad : {"", "lots", "1 Gi", "1gi", ".5Gi", "1.Gi", "-1Gi", "1Gi2"}) {
    EXPECT_FALSE(IsStorageQuantity(bad)) << bad;
  }
}

}  // namespace
}  // namespace sp::agent
